-- tables.sql: the baseline's tables, materialised from the same positions the appliance reads
-- (time in seconds since the epoch, as in the issue's naive join). Built before timing starts,
-- which favours the baseline.
CREATE OR REPLACE TEMP TABLE bench_a AS
SELECT source_id, row, epoch_us(t) / 1e6 AS t, lat, lon FROM positions WHERE subject_id = 1;
CREATE OR REPLACE TEMP TABLE bench_b AS
SELECT source_id, row, epoch_us(t) / 1e6 AS t, lat, lon FROM positions WHERE subject_id = 2;
