-- PostgreSQL variant of 0021_whatsapp_sent.sql (see there): BIGINT ids and times.
CREATE TABLE whatsapp_sent (
    message_id TEXT PRIMARY KEY,               -- WhatsApp's id of the message (wamid...)
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message    TEXT NOT NULL,                  -- the nudge as whatsapp_held keeps it (JSON)
    sent_at    BIGINT NOT NULL
);
CREATE INDEX whatsapp_sent_user ON whatsapp_sent (user_id);
CREATE INDEX whatsapp_sent_at ON whatsapp_sent (sent_at);
