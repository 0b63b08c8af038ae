-- timeline.sql: one chronology across all sources (DESIGN §7), in time order.
-- Observations and communications alike, each with its subject (through its source), its
-- position where it has one (a communication's serving cell site, if the cell is known), and
-- its source and row. $subject NULL means every subject, and unattributed sources too; $kind
-- NULL means every kind. Items are ordered by time, source, row and kind (a total order), so a
-- page can start just after the last item of the one before ($after_us, $after_source,
-- $after_row, $after_kind; all NULL for the first page) without counting past the earlier
-- pages as OFFSET does (0.1 s at 100,000 rows into a 2,000,000-row case).
SELECT epoch_us(x.t) AS t_us, x.kind, subj.name AS subject, x.direction, x.lat, x.lon,
       x.radius_m, x.method, x.source_id, x.row, x.line, x.other, x.duration_s, x.time_flag
FROM (
    SELECT o.t, 'observation' AS kind, s.subject_id, NULL AS direction, o.lat, o.lon,
           o.radius_m, o.method, o.source_id, o.row, NULL AS line, NULL AS other,
           NULL AS duration_s, o.time_flag
    FROM observations AS o JOIN sources AS s ON s.id = o.source_id
    UNION ALL
    SELECT c.t, c.kind, s.subject_id, c.direction, site.lat, site.lon, site.range_m,
           CASE WHEN site.cell_id IS NULL THEN NULL ELSE 'cell' END, c.source_id, c.row,
           c.line, c.other, c.duration_s, c.time_flag
    FROM communications AS c
    JOIN sources AS s ON s.id = c.source_id
    LEFT JOIN cell_sites AS site ON site.cell_id = c.cell_id
) AS x
LEFT JOIN subjects AS subj ON subj.id = x.subject_id
WHERE ($subject IS NULL OR x.subject_id = $subject)
  AND x.t BETWEEN $from_t AND $to_t
  AND ($kind IS NULL OR x.kind = $kind)
  -- The first test is implied by the second; stated alone, it reaches the scans.
  AND ($after_us IS NULL OR x.t >= make_timestamp($after_us))
  AND ($after_us IS NULL
       OR (x.t, x.source_id, x.row, x.kind)
          > (make_timestamp($after_us), $after_source, $after_row, $after_kind))
ORDER BY x.t, x.source_id, x.row, x.kind
LIMIT $limit OFFSET $offset
