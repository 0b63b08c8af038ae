-- colocate_events.sql: co-location events between subjects $a and $b (DESIGN §6), in time order.
--
-- An event is a pair (an observation of A, an observation of B) with |t_a - t_b| <= window and
-- geodesic distance <= within, both bounds inclusive. Its time is min(t_a, t_b). The same fix
-- reported twice (same subject, time to the microsecond, latitude and longitude) is one
-- observation: the copy from the earliest-loaded source and row is kept. Rows come out in
-- time order (then A's time, B's time, A's and B's source and row: a total order); occasions
-- and grades are added by colocate.py, which numbers the sorted rows in one vectorised pass
-- in milliseconds (the two window functions over every event that did it here took about
-- 0.5 s at a million fixes a side, nearly as long as all the rest of the query).
--
-- Duplicates are dropped after the search, not before: every copy of a fix has the same time
-- and position, so it is placed in the same cell and passes or fails every test exactly as
-- the first copy does. A later copy is therefore in a pair only beside the first copy, paired
-- with the same observation of the other subject; so the first copy of each fix can be chosen
-- among the observations that are in some pair (a few thousand in the dense benchmark),
-- rather than among all of both subjects' observations (two million there), and the pairs of
-- later copies dropped by the join that fetches the details.
--
-- Parameters: $a, $b subject ids; $within_m metres; $window_us microseconds; $reach_m = within
-- plus a millimetre of slack for floating-point rounding; $cell_m >= 2 * reach and $bucket_us
-- >= 2 * window, the pruning grid (tuning only: any such values give the same events);
-- $from_t, $to_t the period.
--
-- Exact, yet not quadratic. Every position is placed on the WGS84 ellipsoid in Earth-centred
-- coordinates, then rotated into an east/north/up frame at the middle of A's data (e, n
-- below are those coordinates, computed directly). A rotation keeps straight-line distances,
-- a straight line is never longer than the geodesic between the same two points, and
-- dropping the up coordinate never lengthens one either: so a pair within `within` metres
-- along the surface is within `within` east, within `within` north and within `within` on
-- the east/north plane. Each of A's positions falls in exactly one cell of a grid (time
-- bucket x east band x north band). Each of B's positions is listed in every cell its box
-- [t +/- window] x [e +/- reach] x [n +/- reach] touches, so every pair meeting both bounds
-- meets in exactly one cell and is found once. Far from the frame's centre the grid prunes
-- less, never wrongly. In the join itself each candidate must lie in B's box (exact whole
-- microseconds for time): those range conditions are checked inside the hash join, so the
-- many candidates sharing a cell but outside the box are never produced. Survivors pass a
-- test on the east/north plane that can only discard pairs certainly too far, then the
-- geodesic distance decides (GeographicLib, ST_Distance_Spheroid).
WITH
-- Every observation of each subject in the period, copies included (see above).
a_pos AS (
    SELECT source_id, row, epoch_us(t) AS t_us, lat, lon
    FROM positions
    WHERE subject_id = $a AND t BETWEEN $from_t AND $to_t
),
b_pos AS (
    SELECT source_id, row, epoch_us(t) AS t_us, lat, lon
    FROM positions
    WHERE subject_id = $b AND t BETWEEN $from_t AND $to_t
),
-- The frame: its centre (phi0, lam0) at the middle of A's data, and t0 early enough that
-- every time, less the window, is positive after subtracting it (integer division by the
-- bucket then rounds down).
frame AS (
    SELECT least((SELECT min(t_us) FROM a_pos), (SELECT min(t_us) FROM b_pos))
               - $window_us - $bucket_us AS t0,
           radians(avg(lat)) AS phi0, radians(avg(lon)) AS lam0
    FROM a_pos
),
-- East and north of the frame's centre, metres: the Earth-centred position (prime vertical
-- radius nu, e2 the first eccentricity squared) rotated by the frame, multiplied out, so
-- that each position costs four trigonometric functions and a square root.
a_placed AS (
    SELECT source_id, row, t_us - t0 AS t_rel,
           nu * cos_phi * sin(lam - lam0) AS e,
           nu * (cos(phi0) * (1.0 - 0.0066943799901413165) * sin_phi
                 - sin(phi0) * cos_phi * cos(lam - lam0)) AS n
    FROM (
        SELECT source_id, row, t_us, radians(lon) AS lam,
               sin(radians(lat)) AS sin_phi, cos(radians(lat)) AS cos_phi,
               6378137.0 / sqrt(1.0 - 0.0066943799901413165 * sin_phi * sin_phi) AS nu
        FROM a_pos
    ), frame
),
b_placed AS (
    SELECT source_id, row, t_us - t0 AS t_rel,
           nu * cos_phi * sin(lam - lam0) AS e,
           nu * (cos(phi0) * (1.0 - 0.0066943799901413165) * sin_phi
                 - sin(phi0) * cos_phi * cos(lam - lam0)) AS n
    FROM (
        SELECT source_id, row, t_us, radians(lon) AS lam,
               sin(radians(lat)) AS sin_phi, cos(radians(lat)) AS cos_phi,
               6378137.0 / sqrt(1.0 - 0.0066943799901413165 * sin_phi * sin_phi) AS nu
        FROM b_pos
    ), frame
),
a_cells AS (
    SELECT source_id, row, t_rel, e, n,
           t_rel // $bucket_us AS kt,
           floor(e / $cell_m)::BIGINT AS ke,
           floor(n / $cell_m)::BIGINT AS kn
    FROM a_placed
),
-- B's box as columns, so the join compares column with column (and the hash table is built
-- on A's single cell per position, the smaller side, not on B's copies).
b_reach AS (
    SELECT source_id, row, e, n,
           t_rel - $window_us AS t_min, t_rel + $window_us AS t_max,
           e - $reach_m AS e_min, e + $reach_m AS e_max,
           n - $reach_m AS n_min, n + $reach_m AS n_max,
           t_min // $bucket_us AS t_lo, t_max // $bucket_us AS t_hi,
           floor(e_min / $cell_m)::BIGINT AS e_lo, floor(e_max / $cell_m)::BIGINT AS e_hi,
           floor(n_min / $cell_m)::BIGINT AS n_lo, floor(n_max / $cell_m)::BIGINT AS n_hi
    FROM b_placed
),
-- Cells are at least twice the reach, so B's box spans one or two cells in each dimension:
-- the offsets 0 and 1 from its lowest cell, kept where they do not pass its highest.
offsets AS (SELECT unnest([0, 1]) AS i),
b_cells AS (
    SELECT b.source_id, b.row, b.e, b.n, b.t_min, b.t_max, b.e_min, b.e_max, b.n_min, b.n_max,
           b.t_lo + dt.i AS kt, b.e_lo + de.i AS ke, b.n_lo + dn.i AS kn
    FROM b_reach AS b, offsets AS dt, offsets AS de, offsets AS dn
    WHERE b.t_lo + dt.i <= b.t_hi AND b.e_lo + de.i <= b.e_hi AND b.n_lo + dn.i <= b.n_hi
),
pairs AS (
    SELECT a.source_id AS a_source_id, a.row AS a_row, b.source_id AS b_source_id, b.row AS b_row
    FROM a_cells AS a
    JOIN b_cells AS b
      ON a.kt = b.kt AND a.ke = b.ke AND a.kn = b.kn
     AND a.t_rel BETWEEN b.t_min AND b.t_max
     AND a.e BETWEEN b.e_min AND b.e_max
     AND a.n BETWEEN b.n_min AND b.n_max
    WHERE (a.e - b.e) * (a.e - b.e) + (a.n - b.n) * (a.n - b.n) <= $reach_m * $reach_m
),
-- The observations in some pair, with their details, first copies only (see the top). The
-- details are fetched by (source, row), which names one position (each data row of a file
-- loads as one record), from the positions themselves: the pairs hold only this subject's
-- positions in the period, so no filter is repeated here, and the optimizer, seeing all the
-- positions on one side, builds its hash table on the few distinct observations in pairs
-- rather than on a million positions (with the filters repeated it chose the latter, 15 %
-- slower overall). Carrying the details through the grid join instead costs more too.
a_kept AS (
    SELECT a.source_id, a.row, epoch_us(a.t) AS t_us, a.lat, a.lon, a.radius_m, a.method
    FROM (SELECT DISTINCT a_source_id, a_row FROM pairs) AS p
    JOIN positions AS a ON a.source_id = p.a_source_id AND a.row = p.a_row
    QUALIFY row_number() OVER (PARTITION BY a.t, a.lat, a.lon ORDER BY a.source_id, a.row) = 1
),
b_kept AS (
    SELECT b.source_id, b.row, epoch_us(b.t) AS t_us, b.lat, b.lon, b.radius_m, b.method
    FROM (SELECT DISTINCT b_source_id, b_row FROM pairs) AS p
    JOIN positions AS b ON b.source_id = p.b_source_id AND b.row = p.b_row
    QUALIFY row_number() OVER (PARTITION BY b.t, b.lat, b.lon ORDER BY b.source_id, b.row) = 1
),
-- The geodesic is unnested from a one-element list so that it is computed once per pair: a
-- filter on a plain projected expression is pushed below the projection, and the distance
-- would then be computed twice, once to filter and once to return.
events AS (
    SELECT p.a_source_id, p.a_row, a.t_us AS a_t_us, a.lat AS a_lat, a.lon AS a_lon,
           a.radius_m AS a_radius_m, a.method AS a_method,
           p.b_source_id, p.b_row, b.t_us AS b_t_us, b.lat AS b_lat, b.lon AS b_lon,
           b.radius_m AS b_radius_m, b.method AS b_method,
           unnest([ST_Distance_Spheroid(ST_Point2D(a.lat, a.lon), ST_Point2D(b.lat, b.lon))])
               AS distance_m,
           least(a.t_us, b.t_us) AS t_us
    FROM pairs AS p
    JOIN a_kept AS a ON a.source_id = p.a_source_id AND a.row = p.a_row
    JOIN b_kept AS b ON b.source_id = p.b_source_id AND b.row = p.b_row
)
SELECT *
FROM events
WHERE distance_m <= $within_m
ORDER BY t_us, a_t_us, b_t_us, a_source_id, a_row, b_source_id, b_row
