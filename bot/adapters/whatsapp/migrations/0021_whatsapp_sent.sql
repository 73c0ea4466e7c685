-- Nudges WhatsApp accepted free-form (bot/adapters/whatsapp): WhatsApp may still refuse one afterwards, in a failed
-- status webhook (131047: the user's 24-hour window had closed by WhatsApp's clock); the nudge is then held for the
-- user's next message instead of being lost. Kept two days, then purged.
CREATE TABLE whatsapp_sent (
    message_id TEXT PRIMARY KEY,               -- WhatsApp's id of the message (wamid...)
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message    TEXT NOT NULL,                  -- the nudge as whatsapp_held keeps it (JSON)
    sent_at    INTEGER NOT NULL
);
CREATE INDEX whatsapp_sent_user ON whatsapp_sent (user_id);
CREATE INDEX whatsapp_sent_at ON whatsapp_sent (sent_at);
