-- PostgreSQL variant of 0018_update_marks.sql: the table and its constraints renamed.
ALTER TABLE telegram_updates RENAME TO update_marks;
ALTER TABLE update_marks RENAME CONSTRAINT telegram_updates_pkey TO update_marks_pkey;
ALTER TABLE update_marks RENAME CONSTRAINT telegram_updates_user_id_fkey TO update_marks_user_id_fkey;
