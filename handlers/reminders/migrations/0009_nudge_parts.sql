-- A nudge split into several messages (Telegram: over 4096 characters) whose send failed for now after some parts
-- went out: how many parts the user already has (parts_sent), and a fingerprint of the text they belong to
-- (parts_of), so that the retry continues from the first part not yet delivered, or starts over if the text changed.
ALTER TABLE nudges ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nudges ADD COLUMN parts_of INTEGER;
