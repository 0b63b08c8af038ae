-- colocate_events.sql: co-location events between subjects $a and $b (DESIGN §6).
--
-- An event is a pair (an observation of A, an observation of B) with |t_a - t_b| <= window and
-- geodesic distance <= within, both bounds inclusive. Its time is min(t_a, t_b). Events are
-- numbered into occasions: in time order, an event starts a new occasion when its time is
-- more than gap after the previous event's time.
--
-- Parameters: $a, $b subject ids; $within_m metres; $window_us, $gap_us microseconds;
-- $cell_m grid side in metres and $bucket_us time-bucket width (tuning only: any positive values
-- give the same events); $from_t, $to_t the period.
--
-- Exact, yet not quadratic. Every position is placed on the WGS84 ellipsoid in Earth-centred
-- coordinates (x, y, z, metres). A straight line is never longer than the geodesic between the
-- same two points, so a pair within `within` metres along the surface differs by at most
-- `within` in each of x, y and z. Each of A's positions falls in exactly one cell of a grid
-- (time bucket x cube of side $cell_m). Each of B's positions is listed in every cell that the
-- box [t +/- window] x [x, y, z +/- within] touches. So every pair that meets both bounds meets
-- in exactly one cell, and is found once. Candidates are then checked exactly: the time
-- difference in whole microseconds, a cheap chord test that can only discard pairs that are
-- certainly too far, then the geodesic distance (GeographicLib, via ST_Distance_Spheroid).
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
-- Bucket numbers are taken from a base below every time, so integer division is floor.
base AS (
    SELECT least((SELECT min(t_us) FROM a_pos), (SELECT min(t_us) FROM b_pos))
           - $window_us - $bucket_us AS t0
),
a_xyz AS (
    SELECT p.*,
           6378137.0 / sqrt(1.0 - 0.0066943799901413165 * pow(sin(radians(lat)), 2)) AS nu,
           nu * cos(radians(lat)) * cos(radians(lon)) AS x,
           nu * cos(radians(lat)) * sin(radians(lon)) AS y,
           nu * (1.0 - 0.0066943799901413165) * sin(radians(lat)) AS z
    FROM a_pos AS p
),
b_xyz AS (
    SELECT p.*,
           6378137.0 / sqrt(1.0 - 0.0066943799901413165 * pow(sin(radians(lat)), 2)) AS nu,
           nu * cos(radians(lat)) * cos(radians(lon)) AS x,
           nu * cos(radians(lat)) * sin(radians(lon)) AS y,
           nu * (1.0 - 0.0066943799901413165) * sin(radians(lat)) AS z
    FROM b_pos AS p
),
a_cells AS (
    SELECT a.*,
           (a.t_us - base.t0) // $bucket_us AS kt,
           floor(a.x / $cell_m)::BIGINT AS kx,
           floor(a.y / $cell_m)::BIGINT AS ky,
           floor(a.z / $cell_m)::BIGINT AS kz
    FROM a_xyz AS a, base
),
-- B's reach in each dimension; $reach_m is within plus a hair for floating-point rounding,
-- which can only add candidates, never lose one.
b_reach AS (
    SELECT b.*,
           (b.t_us - $window_us - base.t0) // $bucket_us AS t_lo,
           (b.t_us + $window_us - base.t0) // $bucket_us AS t_hi,
           floor((b.x - $reach_m) / $cell_m)::BIGINT AS x_lo,
           floor((b.x + $reach_m) / $cell_m)::BIGINT AS x_hi,
           floor((b.y - $reach_m) / $cell_m)::BIGINT AS y_lo,
           floor((b.y + $reach_m) / $cell_m)::BIGINT AS y_hi,
           floor((b.z - $reach_m) / $cell_m)::BIGINT AS z_lo,
           floor((b.z + $reach_m) / $cell_m)::BIGINT AS z_hi
    FROM b_xyz AS b, base
),
b_t AS (SELECT *, unnest(range(t_lo, t_hi + 1)) AS kt FROM b_reach),
b_tx AS (SELECT *, unnest(range(x_lo, x_hi + 1)) AS kx FROM b_t),
b_txy AS (SELECT *, unnest(range(y_lo, y_hi + 1)) AS ky FROM b_tx),
b_cells AS (SELECT *, unnest(range(z_lo, z_hi + 1)) AS kz FROM b_txy),
candidates AS (
    SELECT a.source_id AS a_source_id, a.row AS a_row, a.t_us AS a_t_us, a.lat AS a_lat,
           a.lon AS a_lon, a.radius_m AS a_radius_m, a.method AS a_method,
           b.source_id AS b_source_id, b.row AS b_row, b.t_us AS b_t_us, b.lat AS b_lat,
           b.lon AS b_lon, b.radius_m AS b_radius_m, b.method AS b_method
    FROM a_cells AS a
    JOIN b_cells AS b
      ON a.kt = b.kt AND a.kx = b.kx AND a.ky = b.ky AND a.kz = b.kz
    WHERE abs(a.t_us - b.t_us) <= $window_us
      AND (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) + (a.z - b.z) * (a.z - b.z)
          <= $reach_m * $reach_m
),
events AS (
    SELECT *,
           ST_Distance_Spheroid(ST_Point(a_lat, a_lon), ST_Point(b_lat, b_lon)) AS distance_m,
           least(a_t_us, b_t_us) AS t_us
    FROM candidates
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
