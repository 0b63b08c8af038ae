-- naive_join.sql: the baseline the issue names, a band join on time with a haversine test:
--   SELECT count(*) FROM a JOIN b ON b.t BETWEEN a.t - window AND a.t + window
--   WHERE haversine(a, b) <= within
-- Spherical haversine with the mean Earth radius; tables from tables.sql.
SELECT count(*)
FROM bench_a AS a JOIN bench_b AS b ON b.t BETWEEN a.t - $window_s AND a.t + $window_s
WHERE 2 * 6371008.8 * asin(sqrt(
          pow(sin(radians(b.lat - a.lat) / 2), 2)
        + cos(radians(a.lat)) * cos(radians(b.lat)) * pow(sin(radians(b.lon - a.lon) / 2), 2)
      )) <= $within_m
