-- colocate_events.sql: co-location events between subjects $a and $b (DESIGN §6).
--
-- An event is a pair (an observation of A, an observation of B) with |t_a - t_b| <= window and
-- geodesic distance <= within, both bounds inclusive. Its time is min(t_a, t_b). Events are
-- numbered into occasions: in time order, an event starts a new occasion when its time is
-- more than gap after the previous event's time. The same fix reported twice (same subject,
-- time to the microsecond, latitude and longitude) is one observation: the copy from the
-- earliest-loaded source and row is kept.
--
-- Parameters: $a, $b subject ids; $within_m metres; $window_us, $gap_us microseconds;
-- $reach_m = within plus a millimetre of slack for floating-point rounding; $cell_m >= 2 *
-- reach and $bucket_us >= 2 * window, the pruning grid (tuning only: any such values give the
-- same events); $from_t, $to_t the period.
--
-- Exact, yet not quadratic. Every position is placed on the WGS84 ellipsoid in Earth-centred
-- coordinates (x, y, z, metres), then rotated into an east/north/up frame at the middle of
-- A's data. A rotation keeps straight-line distances, and a straight line is never longer
-- than the geodesic between the same two points, so a pair within `within` metres along the
-- surface differs by at most `within` east and at most `within` north. Each of A's positions
-- falls in exactly one cell of a grid (time bucket x east band x north band). Each of B's
-- positions is listed in every cell its box [t +/- window] x [e +/- reach] x [n +/- reach]
-- touches, so every pair meeting both bounds meets in exactly one cell and is found once.
-- Far from the frame's centre the grid prunes less, never wrongly. Candidates are checked
-- exactly: the time difference in whole microseconds, a chord test that can only discard
-- pairs certainly too far, then the geodesic distance (GeographicLib, ST_Distance_Spheroid).
WITH
a_pos AS (
    SELECT source_id, row, epoch_us(t) AS t_us, lat, lon, radius_m, method
    FROM positions
    WHERE subject_id = $a AND t BETWEEN $from_t AND $to_t
    QUALIFY row_number() OVER (PARTITION BY t, lat, lon ORDER BY source_id, row) = 1
),
b_pos AS (
    SELECT source_id, row, epoch_us(t) AS t_us, lat, lon, radius_m, method
    FROM positions
    WHERE subject_id = $b AND t BETWEEN $from_t AND $to_t
    QUALIFY row_number() OVER (PARTITION BY t, lat, lon ORDER BY source_id, row) = 1
),
base AS (
    SELECT least((SELECT min(t_us) FROM a_pos), (SELECT min(t_us) FROM b_pos))
           - $window_us - $bucket_us AS t0
),
-- A local east/north frame at the middle of A's data: a rotation of the Earth-centred
-- coordinates, so it keeps every straight-line distance. Both subjects are placed alike.
frame AS (
    SELECT radians(avg(lat)) AS phi0, radians(avg(lon)) AS lam0 FROM a_pos
),
both_pos AS (
    SELECT 'a' AS side, source_id, row, t_us, lat, lon FROM a_pos
    UNION ALL
    SELECT 'b' AS side, source_id, row, t_us, lat, lon FROM b_pos
),
placed AS (
    SELECT side, source_id, row, t_us - (SELECT t0 FROM base) AS t_rel, x, y, z,
           -sin(lam0) * x + cos(lam0) * y AS e,
           -sin(phi0) * cos(lam0) * x - sin(phi0) * sin(lam0) * y + cos(phi0) * z AS n
    FROM (
        SELECT *,
               6378137.0 / sqrt(1.0 - 0.0066943799901413165 * pow(sin(radians(lat)), 2)) AS nu,
               nu * cos(radians(lat)) * cos(radians(lon)) AS x,
               nu * cos(radians(lat)) * sin(radians(lon)) AS y,
               nu * (1.0 - 0.0066943799901413165) * sin(radians(lat)) AS z
        FROM both_pos
    ), frame
),
a_cells AS (
    SELECT source_id, row, t_rel, x, y, z,
           t_rel // $bucket_us AS kt,
           floor(e / $cell_m)::BIGINT AS ke,
           floor(n / $cell_m)::BIGINT AS kn
    FROM placed
    WHERE side = 'a'
),
-- Cells are at least twice the reach, so B's box spans one or two cells in each dimension:
-- the offsets 0 and 1 from its lowest cell, kept where they do not pass its highest.
b_reach AS (
    SELECT source_id, row, t_rel, x, y, z,
           (t_rel - $window_us) // $bucket_us AS t_lo,
           (t_rel + $window_us) // $bucket_us AS t_hi,
           floor((e - $reach_m) / $cell_m)::BIGINT AS e_lo,
           floor((e + $reach_m) / $cell_m)::BIGINT AS e_hi,
           floor((n - $reach_m) / $cell_m)::BIGINT AS n_lo,
           floor((n + $reach_m) / $cell_m)::BIGINT AS n_hi
    FROM placed
    WHERE side = 'b'
),
offsets AS (SELECT unnest([0, 1]) AS i),
b_cells AS (
    SELECT b.source_id, b.row, b.t_rel, b.x, b.y, b.z,
           b.t_lo + dt.i AS kt, b.e_lo + de.i AS ke, b.n_lo + dn.i AS kn
    FROM b_reach AS b, offsets AS dt, offsets AS de, offsets AS dn
    WHERE b.t_lo + dt.i <= b.t_hi AND b.e_lo + de.i <= b.e_hi AND b.n_lo + dn.i <= b.n_hi
),
pairs AS (
    SELECT a.source_id AS a_source_id, a.row AS a_row, b.source_id AS b_source_id, b.row AS b_row
    FROM a_cells AS a
    JOIN b_cells AS b ON a.kt = b.kt AND a.ke = b.ke AND a.kn = b.kn
    WHERE abs(a.t_rel - b.t_rel) <= $window_us
      AND (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) + (a.z - b.z) * (a.z - b.z)
          <= $reach_m * $reach_m
),
events AS (
    SELECT p.a_source_id, p.a_row, a.t_us AS a_t_us, a.lat AS a_lat, a.lon AS a_lon,
           a.radius_m AS a_radius_m, a.method AS a_method,
           p.b_source_id, p.b_row, b.t_us AS b_t_us, b.lat AS b_lat, b.lon AS b_lon,
           b.radius_m AS b_radius_m, b.method AS b_method,
           ST_Distance_Spheroid(ST_Point(a.lat, a.lon), ST_Point(b.lat, b.lon)) AS distance_m,
           least(a.t_us, b.t_us) AS t_us
    FROM pairs AS p
    JOIN a_pos AS a ON a.source_id = p.a_source_id AND a.row = p.a_row
    JOIN b_pos AS b ON b.source_id = p.b_source_id AND b.row = p.b_row
),
kept AS (
    SELECT * FROM events WHERE distance_m <= $within_m
),
ordered AS (
    SELECT *,
           CASE
               WHEN lag(t_us) OVER w IS NULL OR t_us - lag(t_us) OVER w > $gap_us THEN 1
               ELSE 0
           END AS starts_occasion
    FROM kept
    WINDOW w AS (ORDER BY t_us, a_t_us, b_t_us, a_source_id, a_row, b_source_id, b_row)
)
SELECT *,
       sum(starts_occasion) OVER (
           ORDER BY t_us, a_t_us, b_t_us, a_source_id, a_row, b_source_id, b_row
           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
       )::INTEGER AS occasion
FROM ordered
ORDER BY t_us, a_t_us, b_t_us, a_source_id, a_row, b_source_id, b_row
