-- contacts.sql: every communication between an identifier of subject $a and one of $b.
--
-- A record is seen from its `line` (the identifier it was obtained for): `out` means the line
-- originated it, `in` that it received it. So the caller is `line` for out and `other` for in,
-- and the callee the reverse. A record counts when its caller belongs to one of the two
-- subjects and its callee to the other. Records of the same communication from several
-- sources are merged afterwards (contacts.py), not here: here every record is kept with its
-- source and row.
WITH
ids AS (
    SELECT value, subject_id FROM identifiers WHERE subject_id IN ($a, $b)
),
parties AS (
    SELECT source_id, row, t, kind, duration_s, time_flag,
           CASE WHEN direction = 'out' THEN line ELSE other END AS caller,
           CASE WHEN direction = 'out' THEN other ELSE line END AS callee
    FROM communications
    WHERE t BETWEEN $from_t AND $to_t
)
SELECT p.source_id, p.row, epoch_us(p.t) AS t_us, p.kind, p.duration_s, p.time_flag,
       p.caller, p.callee,
       caller_id.subject_id = $a AS a_to_b
FROM parties AS p
JOIN ids AS caller_id ON caller_id.value = p.caller
JOIN ids AS callee_id ON callee_id.value = p.callee
WHERE caller_id.subject_id <> callee_id.subject_id
ORDER BY p.kind, p.caller, p.callee, p.t, p.source_id, p.row
