-- Done buttons on daily nudges: the days the user tapped "posted" or "replied" (one row per day and kind).
CREATE TABLE nudge_done (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day     TEXT NOT NULL,                             -- 'YYYY-MM-DD', the nudge's day in the user's zone
    kind    TEXT NOT NULL,                             -- posted | replied
    at      INTEGER NOT NULL,                          -- when it was tapped (epoch seconds)
    PRIMARY KEY (user_id, day, kind)
);
