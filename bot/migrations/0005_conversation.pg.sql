-- PostgreSQL variant of 0005_conversation.sql: epoch seconds as BIGINT.
-- One conversation state per user, in one row of `flows`: besides the questionnaire's position, the typed input
-- a feature awaits ('confirm:delete', 'tz', 'quiet', 'times:<kind>', 'win:<week>') and since when. It replaces
-- flows.pending (a confirmation awaited) and nudge_settings.awaiting / awaiting_at (typed reminder settings).
ALTER TABLE flows ADD COLUMN awaits TEXT;
ALTER TABLE flows ADD COLUMN awaits_at BIGINT;
UPDATE flows SET awaits = 'confirm:' || pending WHERE pending IN ('reset', 'delete');
UPDATE flows SET awaits = (SELECT s.awaiting FROM nudge_settings s WHERE s.user_id = flows.user_id),
                 awaits_at = (SELECT s.awaiting_at FROM nudge_settings s WHERE s.user_id = flows.user_id)
 WHERE awaits IS NULL
   AND EXISTS (SELECT 1 FROM nudge_settings s WHERE s.user_id = flows.user_id AND s.awaiting IS NOT NULL);
ALTER TABLE flows DROP COLUMN pending;
ALTER TABLE nudge_settings DROP COLUMN awaiting;
ALTER TABLE nudge_settings DROP COLUMN awaiting_at;
