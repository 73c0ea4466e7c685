-- The inbox: every platform update that may be delivered more than once (a webhook retried, a long poll's batch
-- re-sent after a lost confirmation) is recorded here when it is accepted, before the platform is told so (the
-- webhook's 200, the poll's offset that confirms it). A chat's rows are then handled in update-id order by
-- whichever worker holds the chat's turn; `handled_at` is set in the same commit as the answer's writes, and the
-- row's text is blanked then (nothing the user typed stays here). A second delivery of an update is recognised by
-- its own id (the primary key) as long as the row is kept: the platform's redelivery window (24 h), then purged.
-- Replaces the channel's one highest id per user (0003, now update_marks), which can take an update handled after
-- a later one for a redelivery; that table is only read until its rows are older than the window (databases from
-- before this).
CREATE TABLE inbox (
    platform    TEXT NOT NULL,
    update_id   INTEGER NOT NULL,
    chat        TEXT NOT NULL,               -- the user's id on the platform (private chats only)
    inbound     TEXT NOT NULL,               -- the Inbound as JSON (bot/types.py inbound_to_json); '' once handled
    envelope    TEXT NOT NULL DEFAULT '',    -- the adapter's own record for sending the replies; '' once handled
    accepted_at INTEGER NOT NULL,            -- epoch seconds
    handled_at  INTEGER,                     -- NULL while waiting
    handled_by  TEXT,                        -- the worker (host:pid) that handled it
    PRIMARY KEY (platform, update_id)
);
CREATE INDEX inbox_waiting ON inbox (platform, chat, update_id) WHERE handled_at IS NULL;
CREATE INDEX inbox_handled ON inbox (handled_at) WHERE handled_at IS NOT NULL;
