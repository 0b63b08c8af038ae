-- 0004: where on the device each exported item came from.
-- item_ref is the item's own id in its export (a Cellebrite model id); source_files maps such
-- ids to the files on the device they were decoded from (path, offset, size), so any row can
-- be followed back into the extraction (byte_offset: where in that file, if known).
ALTER TABLE observations ADD COLUMN item_ref VARCHAR;
ALTER TABLE communications ADD COLUMN item_ref VARCHAR;
CREATE TABLE source_files (
    source_id INTEGER NOT NULL,
    item_ref  VARCHAR NOT NULL,
    path      VARCHAR NOT NULL,
    byte_offset BIGINT,
    size      BIGINT
);
