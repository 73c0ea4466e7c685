-- Telegram delivers an update again when the getUpdates that confirmed it never reached Telegram (a crash or a
-- network cut right after the update was handled). The last update taken per user lets the adapter drop such a
-- second copy instead of applying it again (e.g. as the answer to the next question).
CREATE TABLE telegram_updates (
    user_id        INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    last_update_id INTEGER NOT NULL,                   -- Telegram update_id, increasing within its 24 h retention
    taken_at       INTEGER NOT NULL                    -- epoch seconds
);
