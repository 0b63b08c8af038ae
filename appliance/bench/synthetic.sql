-- synthetic.sql: dense synthetic positions for a benchmark, deterministic (hash-based noise).
-- $n fixes over $span_us microseconds from $t0_us for source $source, moving on a Lissajous
-- path of about $extent_deg degrees around ($lat0, $lon0) with frequencies $fa and $fb
-- (cycles over the span) and GPS-like noise of a few metres.
INSERT INTO observations (source_id, row, t, lat, lon, radius_m, method, time_flag)
SELECT $source AS source_id,
       i + 1 AS row,
       make_timestamp($t0_us + (i * ($span_us // $n))
                      + (hash(i, $source) % ($span_us // $n))::BIGINT) AS t,
       $lat0 + $extent_deg * 0.6 * sin(2 * pi() * $fa * i / $n + $source)
             + 0.00005 * ((hash(i, 'y', $source) % 2000)::DOUBLE / 1000.0 - 1.0) AS lat,
       $lon0 + $extent_deg * sin(2 * pi() * $fb * i / $n + 2 * $source)
             + 0.00008 * ((hash(i, 'x', $source) % 2000)::DOUBLE / 1000.0 - 1.0) AS lon,
       5.0 + (hash(i, 'r', $source) % 20)::DOUBLE AS radius_m,
       'gps' AS method,
       NULL AS time_flag
FROM range($n) AS r(i)
