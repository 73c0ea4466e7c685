-- Parking: the nudges of a user the platform refuses (blocked the bot, closed DMs) leave the due index until
-- the user writes again, so they never sit at the head of the tick's due query (nudges_due, walked in due_at
-- order). Orthogonal to `active` (pause, on/off, done): unparking restores exactly what was there.
ALTER TABLE nudges ADD COLUMN parked INTEGER NOT NULL DEFAULT 0;
DROP INDEX nudges_due;
CREATE INDEX nudges_due ON nudges(due_at) WHERE active = 1 AND parked = 0;
UPDATE nudges SET parked = 1 WHERE user_id IN (SELECT id FROM users WHERE reachable = 0);
