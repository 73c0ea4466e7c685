-- The reservation token (PostgreSQL, several workers): each tick's batch of due nudges is reserved under a fresh
-- random token, and every later write of the dispatcher (catch-up, claim, sent, released) applies only while the row
-- still carries that token and the occurrence it read (handlers/reminders/store.py fence). A worker whose
-- reservation expired and was taken over by another can then neither claim the nudge nor reopen it: a nudge is
-- sent at most once even when a lease runs out mid-delivery. Unused by SQLite's one process (NULL), kept in both
-- schemas so that the nudge SQL is the same.
ALTER TABLE nudges ADD COLUMN reserved_by BIGINT;
