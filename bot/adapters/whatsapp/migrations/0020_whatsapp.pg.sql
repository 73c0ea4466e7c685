-- PostgreSQL variant of 0020_whatsapp.sql (see there): BIGINT ids and times.
-- `whatsapp_window`: when the user last wrote (epoch seconds, the message's own timestamp). WhatsApp accepts
-- free-form messages only within 24 hours of it; outside, only an approved template (or nothing: a held nudge).
CREATE TABLE whatsapp_window (
    user_id      BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    last_inbound BIGINT NOT NULL
);
-- Nudges held for a user outside the window (WHATSAPP_OUTSIDE_WINDOW=hold): sent right after their next message,
-- then deleted; only the latest of each kind is kept (a user back after a month gets one post reminder, not 30).
-- `message` is the rendered Outbound's text and buttons as JSON (no file).
CREATE TABLE whatsapp_held (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,                  -- the nudge's kind (post, respond...)
    message  TEXT NOT NULL,
    held_at  BIGINT NOT NULL
);
CREATE INDEX whatsapp_held_user ON whatsapp_held (user_id, id);
-- Delivery facts from WhatsApp's status webhooks (sent, delivered, read, failed with its error code), per message
-- the bot sent; what an operator reads to see whether WhatsApp delivered (an accepted send is not delivered yet).
CREATE TABLE whatsapp_delivery (
    message_id TEXT NOT NULL,                  -- WhatsApp's id of the message the bot sent (wamid...)
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status     TEXT NOT NULL,                  -- sent | delivered | read | failed
    code       INTEGER,                        -- a failure's error code (131047, 131056, 130429...)
    at         BIGINT NOT NULL,               -- the status's own timestamp (epoch seconds)
    PRIMARY KEY (message_id, status)
);
CREATE INDEX whatsapp_delivery_user ON whatsapp_delivery (user_id);
