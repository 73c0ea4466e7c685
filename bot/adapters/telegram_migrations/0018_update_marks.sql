-- The engine reads the pre-inbox de-duplication table (0003_telegram) under a name that is no platform's: it keeps
-- the highest update id handled per user of databases from before the inbox (0012), read until its rows are older
-- than the redelivery window (bot/storage.py legacy_taken). The same statement on SQLite and PostgreSQL.
ALTER TABLE telegram_updates RENAME TO update_marks;
