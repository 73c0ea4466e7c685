-- Users keyed by (platform, platform user id); the questionnaire's state and answers.
CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    platform         TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    display_name     TEXT NOT NULL DEFAULT '',
    language         TEXT,                      -- 'id' / 'en'; NULL until known
    language_pinned  INTEGER NOT NULL DEFAULT 0, -- set by /language: detection no longer changes it
    lang_pending     TEXT,                      -- language seen in the last message(s) but not yet adopted
    lang_pending_count INTEGER NOT NULL DEFAULT 0,
    locale_hint      TEXT,
    reachable        INTEGER NOT NULL DEFAULT 1, -- 0 after the user blocked the bot / closed DMs
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (platform, platform_user_id)
);

CREATE TABLE flows (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    status     TEXT NOT NULL DEFAULT 'active',   -- active | paused | confirm | done
    step       TEXT,                             -- current step id
    return_to  TEXT,                             -- after /edit: where to go back to
    draft      TEXT NOT NULL DEFAULT '[]',       -- JSON: multi-choice selection in progress
    pending    TEXT,                             -- a confirmation awaited: 'reset' | 'delete'
    updated_at TEXT NOT NULL
);

CREATE TABLE answers (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    step       TEXT NOT NULL,
    value      TEXT NOT NULL,                    -- JSON
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, step)
);
