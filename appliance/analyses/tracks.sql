-- tracks.sql: one subject's positions in a period, in time order: the track an export draws.
--
-- The same positions co-location uses (the `positions` view: observations, and communications
-- placed at a known cell site), with the same de-duplication as colocate_events.sql: the same
-- fix reported twice (same time to the microsecond, latitude and longitude) is one position,
-- kept from the earliest-loaded source and row. Ties in time are ordered by source and row.
--
-- Parameters: $subject a subject id; $from_t, $to_t the period (inclusive).
SELECT source_id, row, epoch_us(t) AS t_us, lat, lon, radius_m, method
FROM positions
WHERE subject_id = $subject AND t BETWEEN $from_t AND $to_t
QUALIFY row_number() OVER (PARTITION BY t, lat, lon ORDER BY source_id, row) = 1
ORDER BY t, source_id, row
