-- places.sql: the grid cells a subject is seen in, to gather into places (``places.py``) and
-- centre an exclusion zone on.
--
-- Only positions precise enough to name a place count: a reported uncertainty of at most
-- $max_radius_m, or none reported (a GPS fix usually gives none). Cell sites (hundreds of metres
-- to kilometres) would make every mast a "place". Positions are binned on a grid of about
-- $cell_m metres: latitude in steps of $cell_m / 111,320 m, longitude in steps widened by
-- 1 / cos(latitude) so a bin is roughly square on the ground. Each bin comes with the mean of
-- its positions, how many there are, and the local calendar days (in $tz, the case's zone) it
-- was seen on, busiest first: the order in which places.py gathers neighbouring bins.
WITH
p AS (
    SELECT t, lat, lon
    FROM positions
    WHERE subject_id = $subject AND coalesce(radius_m, 0) <= $max_radius_m
),
binned AS (
    SELECT *,
           floor(lat * 111320.0 / $cell_m) AS y,
           floor(lon * 111320.0 * cos(radians(lat)) / $cell_m) AS x,
           timezone($tz, t AT TIME ZONE 'UTC')::DATE AS local_day
    FROM p
)
SELECT y::BIGINT AS y,
       x::BIGINT AS x,
       avg(lat) AS lat,
       avg(lon) AS lon,
       list(DISTINCT local_day) AS local_days,
       count(DISTINCT local_day) AS days,
       count(*) AS positions,
       epoch_us(min(t)) AS first_us,
       epoch_us(max(t)) AS last_us
FROM binned
GROUP BY y, x
ORDER BY days DESC, positions DESC, lat, lon
