-- grid_join.sql: the issue's "tuned pure-SQL formulation", the second baseline: the naive
-- band join's count (same haversine test, same tables), found through time buckets of one
-- window crossed with a grid of cells at least one distance wide, so only fixes in the same or
-- neighbouring cells (3 x 3 x 3) are compared. Cells are degrees: a distance in latitude is
-- at least $within_m / 111,000 m; in longitude, cells are widened by the smallest cosine of
-- latitude in the data, so a cell is never narrower than the distance anywhere in it.
WITH
grid AS (
    SELECT $within_m / 110000.0 AS dlat,
           $within_m / (110000.0 * cos(radians(max(abs(lat))))) AS dlon,
           min(t) AS t0
    FROM (SELECT lat, t FROM bench_a UNION ALL SELECT lat, t FROM bench_b)
),
a AS (
    SELECT t, lat, lon, floor((t - t0) / $window_s)::BIGINT AS kt,
           floor(lat / dlat)::BIGINT AS ky, floor(lon / dlon)::BIGINT AS kx
    FROM bench_a, grid
),
b AS (
    SELECT t, lat, lon, floor((t - t0) / $window_s)::BIGINT AS kt,
           floor(lat / dlat)::BIGINT AS ky, floor(lon / dlon)::BIGINT AS kx
    FROM bench_b, grid
),
offsets AS (SELECT unnest([-1, 0, 1]) AS i)
SELECT count(*)
FROM (
    SELECT a.*, a.kt + dt.i AS nkt, a.ky + dy.i AS nky, a.kx + dx.i AS nkx
    FROM a, offsets AS dt, offsets AS dy, offsets AS dx
) AS a
JOIN b ON b.kt = a.nkt AND b.ky = a.nky AND b.kx = a.nkx
WHERE b.t BETWEEN a.t - $window_s AND a.t + $window_s
  AND 2 * 6371008.8 * asin(sqrt(
          pow(sin(radians(b.lat - a.lat) / 2), 2)
        + cos(radians(a.lat)) * cos(radians(b.lat)) * pow(sin(radians(b.lon - a.lon) / 2), 2)
      )) <= $within_m
