-- colocate_events.sql: co-location events between subjects $a and $b (DESIGN §6), in order.
--
-- An event is a pair (an observation of A, an observation of B) with |t_a - t_b| <= window and
-- geodesic distance <= within, both bounds inclusive. Its time is min(t_a, t_b). The same fix
-- reported twice (same subject, time to the microsecond, latitude and longitude) is one
-- observation: the copy from the earliest-loaded source and row is kept. Events come out in
-- time order, ties broken by the rest of the pair so that they always come out alike (DuckDB's
-- parallel sort: measured faster than sorting the fetched columns in Arrow); numbering them
-- into occasions is done on the result (colocate.py).
--
-- Parameters: $a, $b subject ids; $within_m metres; $window_us microseconds; $reach_m = within
-- plus a millimetre of slack for floating-point rounding; $cell_m >= reach and $bucket_us >=
-- window, the pruning grid (tuning only: any such values give the same events); $from_t,
-- $to_t the period.
--
-- Exact, yet not quadratic. Every position is placed on the WGS84 ellipsoid in Earth-centred
-- coordinates and rotated into an east/north/up frame at the middle of A's data (e and n
-- below are that rotation written out). A rotation keeps straight-line distances, and a
-- straight line is never longer than the geodesic, so a pair within `within` metres along the
-- surface differs by at most `reach` east and at most `reach` north. Each fix falls in one
-- cell (time bucket x east band x north band); a cell at least as large as the reach and the
-- window means a pair that meets both bounds lies in the same or neighbouring cells. Each cell
-- keeps the bounding box of its fixes (time, east, north); a pair of neighbouring cells whose
-- boxes are more than the window apart in time or more than the reach apart on the plane
-- cannot hold an event and is dropped before any fix is compared. Far from the frame's centre
-- the boxes prune less, never wrongly. Surviving candidates are checked exactly: the time
-- difference in whole microseconds, the east/north distance (which can only discard pairs
-- certainly too far), then the geodesic distance (GeographicLib, ST_Distance_Spheroid).
WITH
both_pos AS (
    SELECT subject_id = $a AS is_a, source_id, row, epoch_us(t) AS t_us, lat, lon, radius_m,
           method
    FROM positions
    WHERE (subject_id = $a OR subject_id = $b) AND t BETWEEN $from_t AND $to_t
),
-- The time origin keeps bucket numbers non-negative; the frame's centre is any fixed point
-- (A's mean position keeps the boxes tight where the data is).
frame AS (
    SELECT min(t_us) AS t0,
           radians(avg(lat) FILTER (WHERE is_a)) AS phi0,
           radians(avg(lon) FILTER (WHERE is_a)) AS lam0
    FROM both_pos
),
placed AS (
    SELECT *,
           t_rel // $bucket_us AS kt,
           floor(e / $cell_m)::BIGINT AS ke,
           floor(n / $cell_m)::BIGINT AS kn
    FROM (
        -- x = nu cos(phi) cos(lam), y = nu cos(phi) sin(lam), z = nu (1 - e^2) sin(phi),
        -- rotated to east and north at (phi0, lam0).
        SELECT is_a, source_id, row, t_us, lat, lon, radius_m, method, t_us - t0 AS t_rel,
               nu * cos_phi * sin(lam - lam0) AS e,
               nu * ((1.0 - 0.0066943799901413165) * cos(phi0) * sin_phi
                     - sin(phi0) * cos_phi * cos(lam - lam0)) AS n
        FROM (
            SELECT *, radians(lon) AS lam, sin(radians(lat)) AS sin_phi,
                   cos(radians(lat)) AS cos_phi,
                   6378137.0 / sqrt(1.0 - 0.0066943799901413165 * sin_phi * sin_phi) AS nu
            FROM both_pos
        ), frame
    )
),
cells AS (
    SELECT is_a, kt, ke, kn, min(t_rel) AS t_min, max(t_rel) AS t_max,
           min(e) AS e_min, max(e) AS e_max, min(n) AS n_min, max(n) AS n_max
    FROM placed
    GROUP BY is_a, kt, ke, kn
),
offsets AS (SELECT unnest([-1, 0, 1]) AS i),
-- Every pair (A's cell, B's cell) that can hold an event: neighbours whose boxes are within
-- the window in time and within the reach on the plane.
cell_pairs AS (
    SELECT a.kt AS a_kt, a.ke AS a_ke, a.kn AS a_kn, b.kt AS b_kt, b.ke AS b_ke, b.kn AS b_kn
    FROM (
        SELECT c.*, c.kt + dt.i AS nkt, c.ke + de.i AS nke, c.kn + dn.i AS nkn
        FROM cells AS c, offsets AS dt, offsets AS de, offsets AS dn
        WHERE c.is_a
    ) AS a
    JOIN (SELECT * FROM cells WHERE NOT is_a) AS b
        ON b.kt = a.nkt AND b.ke = a.nke AND b.kn = a.nkn
    WHERE greatest(b.t_min - a.t_max, a.t_min - b.t_max) <= $window_us
      AND pow(greatest(b.e_min - a.e_max, a.e_min - b.e_max, 0.0), 2)
          + pow(greatest(b.n_min - a.n_max, a.n_min - b.n_max, 0.0), 2) <= $reach_m * $reach_m
),
-- Duplicates are removed here, among the fixes of paired cells only: every copy of a fix has
-- the same time and position, so all copies fall in the same cell, and choosing the kept copy
-- among them is the same as choosing it among all of the subject's fixes.
a_fix AS (
    SELECT *
    FROM placed AS s
    SEMI JOIN cell_pairs AS c ON s.kt = c.a_kt AND s.ke = c.a_ke AND s.kn = c.a_kn
    WHERE s.is_a
    QUALIFY row_number() OVER (PARTITION BY t_us, lat, lon ORDER BY source_id, row) = 1
),
b_fix AS (
    SELECT *
    FROM placed AS s
    SEMI JOIN cell_pairs AS c ON s.kt = c.b_kt AND s.ke = c.b_ke AND s.kn = c.b_kn
    WHERE NOT s.is_a
    QUALIFY row_number() OVER (PARTITION BY t_us, lat, lon ORDER BY source_id, row) = 1
),
-- Each pair of fixes lies in exactly one pair of cells, so it is found once.
near AS (
    SELECT least(a.t_us, b.t_us) AS t_us,
           a.source_id AS a_source_id, a.row AS a_row, a.t_us AS a_t_us, a.lat AS a_lat,
           a.lon AS a_lon, a.radius_m AS a_radius_m, a.method AS a_method,
           b.source_id AS b_source_id, b.row AS b_row, b.t_us AS b_t_us, b.lat AS b_lat,
           b.lon AS b_lon, b.radius_m AS b_radius_m, b.method AS b_method
    FROM cell_pairs AS c
    JOIN a_fix AS a ON a.kt = c.a_kt AND a.ke = c.a_ke AND a.kn = c.a_kn
    JOIN b_fix AS b ON b.kt = c.b_kt AND b.ke = c.b_ke AND b.kn = c.b_kn
    WHERE abs(a.t_rel - b.t_rel) <= $window_us
      AND (a.e - b.e) * (a.e - b.e) + (a.n - b.n) * (a.n - b.n) <= $reach_m * $reach_m
)
-- The geodesic is computed once per candidate: behind an UNNEST, the filter on it cannot be
-- pushed below the projection (where it would be computed a second time). The filter and the
-- reported distance are the same number, so the bound is inclusive to the last bit.
SELECT *
FROM (
    SELECT *,
           unnest([ST_Distance_Spheroid(ST_Point2D(a_lat, a_lon), ST_Point2D(b_lat, b_lon))])
               AS distance_m
    FROM near
)
WHERE distance_m <= $within_m
ORDER BY t_us, a_t_us, b_t_us, a_source_id, a_row, b_source_id, b_row
