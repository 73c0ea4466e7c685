-- What the user typed for a free-text or list answer, beside the value the plan shows (fillers, address words and
-- lead-ins dropped: "@nadiaglowup aja kak" is stored as "@nadiaglowup", typed "@nadiaglowup aja kak"). NULL when the
-- value is what was typed, and on every row written before this column existed: those rows read as before. /export
-- includes it (every column of answers).
ALTER TABLE answers ADD COLUMN typed TEXT;
