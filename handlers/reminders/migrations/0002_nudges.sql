-- Coaching nudges: per-user settings, one row per nudge series (and per snoozed occurrence),
-- weekly check-ins and the ideas already sent. Times are epoch seconds (UTC).
CREATE TABLE nudge_settings (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    tz          TEXT NOT NULL DEFAULT 'Asia/Jakarta',  -- IANA name or 'UTC+07:00'
    quiet_start TEXT,                                  -- 'HH:MM' local, NULL = no quiet hours
    quiet_end   TEXT,
    paused      INTEGER NOT NULL DEFAULT 0,            -- pause all (settings kept)
    awaiting    TEXT,                                  -- typed input expected: tz | quiet | times:<kind> | win:<week>
    awaiting_at INTEGER,
    updated_at  TEXT NOT NULL
);

CREATE TABLE nudges (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,                        -- respond | post | weekly | monthly | ... (content/nudges.toml)
    once         INTEGER NOT NULL DEFAULT 0,           -- 1 = a snoozed single occurrence of series `src_id`
    src_id       INTEGER,
    times        TEXT NOT NULL DEFAULT '[]',           -- JSON ["HH:MM", ...] local wall-clock
    days         TEXT NOT NULL DEFAULT '[]',           -- JSON weekdays 0=Mon..6, or [] with monthday
    monthday     INTEGER,                              -- day of month for monthly kinds
    enabled      INTEGER NOT NULL DEFAULT 1,           -- the user's on/off for this kind
    custom       INTEGER NOT NULL DEFAULT 0,           -- 1 = times typed by the user (a plan edit keeps them)
    active       INTEGER NOT NULL DEFAULT 1,           -- enabled, not paused, not done: the tick looks at it
    slot_at      INTEGER,                              -- the occurrence's nominal time (identity of the occurrence)
    sched_at     INTEGER,                              -- when it should arrive (after quiet hours / snooze)
    due_at       INTEGER,                              -- next attempt (sched_at, or later after a retry)
    claimed_at   INTEGER,                              -- set just before sending (lease); NULL otherwise
    attempts     INTEGER NOT NULL DEFAULT 0,
    sent_count   INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,           -- occurrences missed beyond the grace window
    last_slot    INTEGER,                              -- slot of the last occurrence sent
    last_sent_at INTEGER
);
CREATE UNIQUE INDEX nudges_series ON nudges(user_id, kind) WHERE once = 0;
CREATE UNIQUE INDEX nudges_snooze ON nudges(src_id, slot_at) WHERE once = 1;
CREATE INDEX nudges_due ON nudges(due_at) WHERE active = 1;
CREATE INDEX nudges_claimed ON nudges(claimed_at) WHERE claimed_at IS NOT NULL;
CREATE INDEX nudges_user ON nudges(user_id);

CREATE TABLE checkins (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    week       TEXT NOT NULL,                          -- ISO week in the user's zone, '2026-W02'
    posts      TEXT,                                   -- '0' | '1-2' | '3-4' | '5+'
    on_time    INTEGER,                                -- replied within the target: 1 / 0
    win        TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, week)
);

CREATE TABLE idea_log (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    idea    TEXT NOT NULL,
    sent_at INTEGER NOT NULL
);
CREATE INDEX idea_log_user ON idea_log(user_id, sent_at);
