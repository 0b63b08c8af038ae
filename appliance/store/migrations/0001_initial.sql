-- 0001: the initial case schema (DESIGN §5).
-- Times are TIMESTAMP holding UTC. Every row of evidence keeps (source_id, row): the source it
-- was loaded from and its row in that file, so any figure traces back to its line.

CREATE TABLE case_meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE SEQUENCE subject_ids START 1;
CREATE TABLE subjects (
    id      INTEGER PRIMARY KEY DEFAULT nextval('subject_ids'),
    name    VARCHAR NOT NULL UNIQUE,
    role    VARCHAR NOT NULL CHECK (role IN ('suspect', 'victim', 'other')),
    created TIMESTAMP NOT NULL
);

-- An identifier (normalised: E.164 for phone numbers) belongs to at most one subject.
-- origin says who attributed it: 'officer' or 'source <id>' (the line a CDR was obtained for).
CREATE TABLE identifiers (
    value      VARCHAR PRIMARY KEY,
    kind       VARCHAR NOT NULL,
    subject_id INTEGER NOT NULL,
    origin     VARCHAR NOT NULL
);

CREATE SEQUENCE exhibit_ids START 1;
CREATE TABLE exhibits (
    id            INTEGER PRIMARY KEY DEFAULT nextval('exhibit_ids'),
    ref           VARCHAR NOT NULL UNIQUE,
    sha256        VARCHAR NOT NULL UNIQUE,
    size          BIGINT NOT NULL,
    original_path VARCHAR NOT NULL,
    device        VARCHAR,
    acquired      TIMESTAMP NOT NULL,
    officer       VARCHAR NOT NULL
);

CREATE SEQUENCE source_ids START 1;
CREATE TABLE sources (
    id             INTEGER PRIMARY KEY,
    exhibit_id     INTEGER NOT NULL,
    format         VARCHAR NOT NULL,
    parser_version VARCHAR NOT NULL,
    detection      VARCHAR NOT NULL,
    timezone       VARCHAR NOT NULL,
    subject_id     INTEGER,
    rows_read      BIGINT NOT NULL,
    loaded         BIGINT NOT NULL,
    rejected       BIGINT NOT NULL,
    warnings       BIGINT NOT NULL,
    observations   BIGINT NOT NULL,
    communications BIGINT NOT NULL,
    cells          BIGINT NOT NULL,
    loaded_at      TIMESTAMP NOT NULL,
    -- The accounting rule: nothing read is dropped silently.
    CHECK (rows_read = loaded + rejected),
    CHECK (loaded = observations + communications + cells)
);

CREATE TABLE rejections (
    source_id INTEGER NOT NULL,
    row       BIGINT NOT NULL,
    reason    VARCHAR NOT NULL
);

CREATE TABLE warnings (
    source_id INTEGER NOT NULL,
    row       BIGINT NOT NULL,
    message   VARCHAR NOT NULL
);

CREATE TABLE observations (
    source_id INTEGER NOT NULL,
    row       BIGINT NOT NULL,
    t         TIMESTAMP NOT NULL,
    lat       DOUBLE NOT NULL,
    lon       DOUBLE NOT NULL,
    radius_m  DOUBLE,
    method    VARCHAR NOT NULL,
    time_flag VARCHAR
);

CREATE TABLE communications (
    source_id  INTEGER NOT NULL,
    row        BIGINT NOT NULL,
    t          TIMESTAMP NOT NULL,
    kind       VARCHAR NOT NULL,
    direction  VARCHAR NOT NULL CHECK (direction IN ('out', 'in')),
    line       VARCHAR NOT NULL,
    other      VARCHAR,
    duration_s DOUBLE,
    cell_id    VARCHAR,
    imei       VARCHAR,
    imsi       VARCHAR,
    time_flag  VARCHAR
);

CREATE TABLE cells (
    source_id     INTEGER NOT NULL,
    row           BIGINT NOT NULL,
    cell_id       VARCHAR NOT NULL,
    lat           DOUBLE NOT NULL,
    lon           DOUBLE NOT NULL,
    range_m       DOUBLE,
    radio         VARCHAR,
    azimuth_deg   DOUBLE,
    beamwidth_deg DOUBLE
);
