-- PostgreSQL variant of 0007_workers.sql: the reservation column, and the sending limits shared by every worker.
ALTER TABLE nudges ADD COLUMN reserved_until BIGINT;

-- One row per message sent (kept for the longest window only): every worker takes a slot here before a send,
-- so together they stay under the platform's limits (Telegram: 30/s per bot, 1/s per chat, 20/min per group).
CREATE TABLE send_slots (
    platform TEXT NOT NULL,
    chat     TEXT NOT NULL,
    at       DOUBLE PRECISION NOT NULL         -- the database's clock, epoch seconds
);
CREATE INDEX send_slots_at ON send_slots (platform, at);
CREATE INDEX send_slots_chat ON send_slots (platform, chat, at);

-- The platform said "too many requests": nobody sends on it until blocked_until.
CREATE TABLE send_pauses (
    platform      TEXT PRIMARY KEY,
    blocked_until DOUBLE PRECISION NOT NULL
);

-- Take a sending slot: 0 when taken (counted as sent now), else the seconds to wait before asking again.
-- Serialized per platform by a transaction advisory lock; times from the database's clock, so workers on
-- machines whose clocks disagree still share one timeline.
CREATE FUNCTION brandcoach_send_slot(p TEXT, c TEXT, per_window INTEGER, win DOUBLE PRECISION,
                                     gap DOUBLE PRECISION, group_per_window INTEGER, group_window DOUBLE PRECISION,
                                     grp BOOLEAN) RETURNS DOUBLE PRECISION AS $$
DECLARE
    t      DOUBLE PRECISION;
    n      INTEGER;
    oldest DOUBLE PRECISION;
    latest DOUBLE PRECISION;
    wait   DOUBLE PRECISION := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('brandcoach:send:' || p));
    t := extract(epoch FROM clock_timestamp());
    DELETE FROM send_slots WHERE platform = p AND at < t - greatest(win, gap, group_window) - 1;
    SELECT greatest(0, blocked_until - t) INTO wait FROM send_pauses WHERE platform = p;
    wait := coalesce(wait, 0);
    SELECT count(*), min(at), max(at) INTO n, oldest, latest FROM send_slots WHERE platform = p AND at > t - win;
    IF n >= per_window THEN
        wait := greatest(wait, oldest + win - t);
    END IF;
    IF latest IS NOT NULL THEN  -- spread a burst over half the window instead of firing it at once
        wait := greatest(wait, latest + win / per_window / 2 - t);
    END IF;
    SELECT max(at) INTO latest FROM send_slots WHERE platform = p AND chat = c;
    IF latest IS NOT NULL THEN
        wait := greatest(wait, latest + gap - t);
    END IF;
    IF grp AND group_per_window > 0 THEN
        SELECT count(*), min(at) INTO n, oldest FROM send_slots WHERE platform = p AND chat = c AND at > t - group_window;
        IF n >= group_per_window THEN
            wait := greatest(wait, oldest + group_window - t);
        END IF;
    END IF;
    IF wait > 1e-6 THEN
        RETURN wait;
    END IF;
    INSERT INTO send_slots (platform, chat, at) VALUES (p, c, t);
    RETURN 0;
END
$$ LANGUAGE plpgsql;
