-- positions.sql: one subject's positions, each distinct fix once (shared by the analyses).
--
-- The same fix can reach the case twice, for example when one export is split over several
-- files or overlaps another. A fix is the same when subject, time (to the microsecond) and
-- reported latitude and longitude are all equal; the copy from the earliest-loaded source and
-- row is kept, so provenance is stable. Nothing else is merged.
SELECT source_id, row, t, lat, lon, radius_m, method
FROM positions
WHERE subject_id = $subject
  AND t BETWEEN $from_t AND $to_t
QUALIFY row_number() OVER (PARTITION BY t, lat, lon ORDER BY source_id, row) = 1
