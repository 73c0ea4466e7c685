-- When the user last confirmed a plan: /plan and reminders keep working while they edit answers afterwards.
ALTER TABLE flows ADD COLUMN planned_at TEXT;
UPDATE flows SET planned_at = updated_at WHERE status = 'done';
