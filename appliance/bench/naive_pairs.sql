-- naive_pairs.sql: the naive band join made exact, for checking the appliance's pairs.
-- Haversine on a sphere can differ from the WGS84 geodesic by up to about 0.5 %, so it is
-- used only as a loose pre-filter (1 % + 1 m), then the geodesic decides. Times compared in
-- seconds as doubles: exact for whole-second data, and the benchmark data is within 1 µs.
SELECT a.row AS a_row, b.row AS b_row
FROM bench_a AS a JOIN bench_b AS b ON b.t BETWEEN a.t - $window_s AND a.t + $window_s
WHERE 2 * 6371008.8 * asin(sqrt(
          pow(sin(radians(b.lat - a.lat) / 2), 2)
        + cos(radians(a.lat)) * cos(radians(b.lat)) * pow(sin(radians(b.lon - a.lon) / 2), 2)
      )) <= $within_m * 1.01 + 1
  AND ST_Distance_Spheroid(ST_Point(a.lat, a.lon), ST_Point(b.lat, b.lon)) <= $within_m
