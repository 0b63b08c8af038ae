-- breach.sql: a subject's positions inside an exclusion zone, grouped into visits.
--
-- The zone is a circle: centre ($lat, $lon), radius $radius_m, distance geodesic on WGS84.
-- A position is inside when its reported point is within the radius (inclusive), and
-- certainly outside when even the near edge of its uncertainty circle is beyond the radius
-- (distance - radius_m > zone radius; no radius counts as zero). A coarse position whose
-- circle overlaps the zone but whose point is outside (typically a cell site) is neither: it
-- does not end a visit, and it is not a sighting inside. In time order, a visit is a run of
-- inside positions; it ends at the first position certainly outside, or when the next inside
-- position comes more than $gap_us after the previous one (the subject may have left and come
-- back unobserved). Each inside row carries the decisive positions just before and after it,
-- so a visit is bracketed by the last sighting outside before entry and the first after exit.
WITH
p AS (
    SELECT source_id, row, t, lat, lon, radius_m, method
    FROM positions
    WHERE subject_id = $subject AND t BETWEEN $from_t AND $to_t
    QUALIFY row_number() OVER (PARTITION BY t, lat, lon ORDER BY source_id, row) = 1
),
measured AS (
    SELECT *,
           ST_Distance_Spheroid(ST_Point(lat, lon), ST_Point($lat, $lon)) AS distance_m
    FROM p
),
flagged AS (
    SELECT *, distance_m <= $radius_m AS inside
    FROM measured
    WHERE distance_m <= $radius_m OR distance_m - coalesce(radius_m, 0) > $radius_m
),
sequenced AS (
    SELECT *,
           lag(inside) OVER w AS prev_inside,
           lag(t) OVER w AS prev_t,
           lead(t) OVER w AS next_t
    FROM flagged
    WINDOW w AS (ORDER BY t, source_id, row)
),
marked AS (
    SELECT *,
           CASE
               WHEN inside AND (prev_inside IS NOT TRUE
                                OR epoch_us(t) - epoch_us(prev_t) > $gap_us) THEN 1
               ELSE 0
           END AS starts_visit
    FROM sequenced
),
numbered AS (
    SELECT *,
           sum(starts_visit) OVER (
               ORDER BY t, source_id, row ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
           )::INTEGER AS visit
    FROM marked
)
SELECT visit, source_id, row, epoch_us(t) AS t_us, lat, lon, radius_m, method, distance_m,
       epoch_us(prev_t) AS prev_t_us, epoch_us(next_t) AS next_t_us
FROM numbered
WHERE inside
ORDER BY t, source_id, row
