-- PostgreSQL variant of 0007_nudge_done.sql (ids and times as BIGINT, like the other PostgreSQL tables).
CREATE TABLE nudge_done (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day     TEXT NOT NULL,                             -- 'YYYY-MM-DD', the nudge's day in the user's zone
    kind    TEXT NOT NULL,                             -- posted | replied
    at      BIGINT NOT NULL,                           -- when it was tapped (epoch seconds)
    PRIMARY KEY (user_id, day, kind)
);
