-- 0002: where each subject was reported to be, from every kind of evidence.

-- One site per global cell id. Where several cell lists give the same cell, the one loaded
-- last wins (a newer list corrects an older one); the choice is visible through source_id.
CREATE VIEW cell_sites AS
SELECT cell_id, lat, lon, range_m, azimuth_deg, beamwidth_deg, source_id, row
FROM (
    SELECT *, row_number() OVER (PARTITION BY cell_id ORDER BY source_id DESC, row DESC) AS rank
    FROM cells
)
WHERE rank = 1;

-- Positions attributed to subjects: every observation of a source attributed to a subject, and
-- every communication of such a source whose serving cell has a known site (placed at the
-- site, with the cell's range as its uncertainty radius, method 'cell').
CREATE VIEW positions AS
SELECT s.subject_id, o.source_id, o.row, o.t, o.lat, o.lon, o.radius_m, o.method
FROM observations AS o
JOIN sources AS s ON s.id = o.source_id
WHERE s.subject_id IS NOT NULL
UNION ALL
SELECT s.subject_id, c.source_id, c.row, c.t, site.lat, site.lon, site.range_m, 'cell' AS method
FROM communications AS c
JOIN sources AS s ON s.id = c.source_id
JOIN cell_sites AS site ON site.cell_id = c.cell_id
WHERE s.subject_id IS NOT NULL;
