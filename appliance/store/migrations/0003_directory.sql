-- 0003: names that sources give identifiers (phone-book contacts, app accounts).
-- Not evidence that anything happened, so not part of a source's row accounting; each entry
-- keeps its source and its ordinal in the file, so a name shown beside a number is traceable.
CREATE TABLE directory (
    source_id  INTEGER NOT NULL,
    entry      BIGINT NOT NULL,
    kind       VARCHAR NOT NULL CHECK (kind IN ('contact', 'account')),
    identifier VARCHAR NOT NULL,
    name       VARCHAR,
    service    VARCHAR,
    deleted    BOOLEAN NOT NULL
);
