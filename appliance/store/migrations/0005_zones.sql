-- 0005: exclusion zones an order names (a circle round a place), kept with the case so every
-- report and screen shows the same zones. subject_id is the person the order is against.
CREATE SEQUENCE zone_ids START 1;
CREATE TABLE zones (
    id         INTEGER PRIMARY KEY DEFAULT nextval('zone_ids'),
    name       VARCHAR NOT NULL UNIQUE,
    lat        DOUBLE NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon        DOUBLE NOT NULL CHECK (lon BETWEEN -180 AND 180),
    radius_m   DOUBLE NOT NULL CHECK (radius_m > 0),
    subject_id INTEGER NOT NULL,
    note       VARCHAR NOT NULL DEFAULT '',
    created    TIMESTAMP NOT NULL
);
