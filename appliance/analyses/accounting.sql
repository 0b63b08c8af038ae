-- accounting.sql: every source with its exhibit, subject and row accounting, in load order.
-- rows_read = loaded + rejected is enforced by the sources table itself.
SELECT s.id AS source_id, e.ref AS exhibit, e.original_path AS path,
       s.format, s.detection, subj.name AS subject,
       s.rows_read, s.loaded, s.rejected, s.warnings
FROM sources AS s
JOIN exhibits AS e ON e.id = s.exhibit_id
LEFT JOIN subjects AS subj ON subj.id = s.subject_id
ORDER BY s.id
