-- How the user is addressed within their language (a catalog variant, e.g. 'formal': Indonesian with "Anda"),
-- read from what they write, or chosen by them. Like the language: `register` NULL until something they wrote
-- shows it (rendered in the language's own catalog); `register_pinned` 1 once they asked for one (never changed by
-- detection again); `register_pending` the other register seen in their last clear message(s), `register_count` how
-- many in a row (a switch needs two).
ALTER TABLE users ADD COLUMN register TEXT;
ALTER TABLE users ADD COLUMN register_pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN register_pending TEXT;
ALTER TABLE users ADD COLUMN register_count INTEGER NOT NULL DEFAULT 0;
