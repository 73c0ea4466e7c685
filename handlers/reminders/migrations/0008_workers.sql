-- Several workers on one database (PostgreSQL; see 0007_workers.pg.sql): a tick reserves the batch of due nudges
-- it is about to deliver until `reserved_until` (epoch seconds), so other workers' ticks take other rows; a worker
-- that dies leaves its reservations to the others once they expire. Unused by SQLite's one process, but kept in
-- both schemas so that the nudge SQL is the same.
ALTER TABLE nudges ADD COLUMN reserved_until INTEGER;
