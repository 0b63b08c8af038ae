-- cell_sectors.sql: the serving cell behind each given call record, for drawing its sector.
--
-- A call record places its subject at its serving cell's site (the `positions` view, method
-- 'cell'); a map draws the cell's sector (azimuth, beamwidth, range) so the reader sees where
-- the phone could have been, not just the mast. The cell is the one `positions` used:
-- `cell_sites`, one site per cell id.
--
-- Parameters: $source_ids and $rows, two lists of equal length naming (source, row) pairs of
-- the `communications` table; pairs with no known cell give no row.
WITH wanted AS (
    SELECT unnest($source_ids) AS source_id, unnest($rows) AS row
)
SELECT c.source_id, c.row, site.cell_id, site.lat, site.lon, site.range_m, site.azimuth_deg,
       site.beamwidth_deg
FROM wanted AS w
JOIN communications AS c ON c.source_id = w.source_id AND c.row = w.row
JOIN cell_sites AS site ON site.cell_id = c.cell_id
ORDER BY c.source_id, c.row
