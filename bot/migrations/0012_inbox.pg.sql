-- PostgreSQL variant of 0012_inbox.sql (see there): BIGINT ids and times; and the sending record shared by every
-- worker, which counts a send from its slot until the platform answered it (brandcoach_take_send).
CREATE TABLE inbox (
    platform    TEXT NOT NULL,
    update_id   BIGINT NOT NULL,
    chat        TEXT NOT NULL,
    inbound     TEXT NOT NULL,
    envelope    TEXT NOT NULL DEFAULT '',
    accepted_at BIGINT NOT NULL,
    handled_at  BIGINT,
    handled_by  TEXT,
    PRIMARY KEY (platform, update_id)
);
CREATE INDEX inbox_waiting ON inbox (platform, chat, update_id) WHERE handled_at IS NULL;
CREATE INDEX inbox_handled ON inbox (handled_at) WHERE handled_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS send_pauses (
    platform      TEXT PRIMARY KEY,
    blocked_until DOUBLE PRECISION NOT NULL
);

-- One row per request that posts or edits a message, from its slot (`at`) until the platform answered (`done_at`,
-- NULL while in flight; a worker that died mid-request leaves it in flight for `flight` seconds). A send counts
-- toward a window while in flight and until its answer is older than the window: the time it reached the platform
-- lies between the two, so however long the trip from a worker, no window at the platform holds more than allowed.
CREATE TABLE sends (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform TEXT NOT NULL,
    chat     TEXT NOT NULL,
    message  BOOLEAN NOT NULL,              -- a new message (a chat's burst counts these), not an edit
    at       DOUBLE PRECISION NOT NULL,     -- the database's clock, epoch seconds
    done_at  DOUBLE PRECISION
);
CREATE INDEX sends_at ON sends (platform, at);
CREATE INDEX sends_done ON sends (platform, done_at);
CREATE INDEX sends_flying ON sends (platform, at) WHERE done_at IS NULL;
CREATE INDEX sends_chat ON sends (platform, chat, at);

-- Take a sending slot: (0, its id) when taken, else (seconds to wait before asking again, NULL, whether the wait is
-- the chat's own: its burst, gap or group allowance, not the overall rate). Serialized per platform by a transaction
-- advisory lock; times from the database's clock (workers' clocks may disagree).
CREATE FUNCTION brandcoach_take_send(p TEXT, c TEXT, msg BOOLEAN, per_window INTEGER, win DOUBLE PRECISION,
                                     chat_burst INTEGER, chat_win DOUBLE PRECISION, gap DOUBLE PRECISION,
                                     group_per_window INTEGER, group_window DOUBLE PRECISION, grp BOOLEAN,
                                     flight DOUBLE PRECISION, OUT wait DOUBLE PRECISION, OUT slot BIGINT,
                                     OUT chat_only BOOLEAN) AS $$
DECLARE
    t      DOUBLE PRECISION;
    own    DOUBLE PRECISION := 0;
    n      INTEGER;
    oldest DOUBLE PRECISION;
    latest DOUBLE PRECISION;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('brandcoach:send:' || p));
    t := extract(epoch FROM clock_timestamp());
    slot := NULL;
    DELETE FROM sends WHERE platform = p AND at < t - flight - greatest(win, chat_win, gap, group_window) - 1;
    SELECT greatest(0, blocked_until - t) INTO wait FROM send_pauses WHERE platform = p;
    wait := coalesce(wait, 0);
    -- the overall rate: sends answered within the window, and every send in flight
    SELECT count(*), min(done_at) INTO n, oldest FROM sends WHERE platform = p AND done_at > t - win;
    n := n + (SELECT count(*) FROM sends WHERE platform = p AND done_at IS NULL AND at > t - flight);
    IF n >= per_window THEN
        wait := greatest(wait, coalesce(oldest + win - t, win / per_window));
    END IF;
    SELECT max(at) INTO latest FROM sends WHERE platform = p AND at > t - win;
    IF latest IS NOT NULL THEN  -- spread a burst over half the window instead of firing it at once
        wait := greatest(wait, latest + win / per_window / 2 - t);
    END IF;
    -- one chat: its burst of new messages, a gap after its last send (nudges), a group's allowance
    IF msg AND chat_burst > 0 THEN
        SELECT count(*), min(done_at) INTO n, oldest FROM sends WHERE platform = p AND chat = c AND message
           AND (done_at > t - chat_win OR (done_at IS NULL AND at > t - flight));
        IF n >= chat_burst THEN
            own := greatest(own, coalesce(oldest + chat_win - t, chat_win / chat_burst));
        END IF;
    END IF;
    IF gap > 0 THEN
        SELECT max(coalesce(done_at, t)) INTO latest FROM sends WHERE platform = p AND chat = c
           AND (done_at > t - gap OR (done_at IS NULL AND at > t - flight));
        IF latest IS NOT NULL THEN
            own := greatest(own, latest + gap - t);
        END IF;
    END IF;
    IF grp AND group_per_window > 0 THEN
        SELECT count(*), min(done_at) INTO n, oldest FROM sends WHERE platform = p AND chat = c
           AND (done_at > t - group_window OR (done_at IS NULL AND at > t - flight));
        IF n >= group_per_window THEN
            own := greatest(own, coalesce(oldest + group_window - t, 1.0));
        END IF;
    END IF;
    chat_only := own > wait;
    wait := greatest(wait, own);
    IF wait > 1e-6 THEN
        RETURN;
    END IF;
    wait := 0;
    INSERT INTO sends (platform, chat, message, at) VALUES (p, c, msg, t) RETURNING id INTO slot;
END
$$ LANGUAGE plpgsql;
