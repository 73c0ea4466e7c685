"""SQL for the nudge tables, read and written through the core's storage (no connection handed out)."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any


from bot.storage import Storage

_NUDGE_COLS = ("id, user_id, kind, once, src_id, times, days, monthday, enabled, custom, active, slot_at, sched_at,"
               " due_at, claimed_at, attempts, sent_count, skipped, last_slot, last_sent_at, parts_sent, parts_of")
_N = ", ".join(f"n.{c.strip()}" for c in _NUDGE_COLS.split(","))


@dataclass
class Settings:
    user_id: int
    tz: str
    quiet_start: str | None
    quiet_end: str | None
    paused: bool


@dataclass
class Nudge:
    id: int
    user_id: int
    kind: str
    once: bool
    src_id: int | None
    times: list[str]
    days: list[int]
    monthday: int | None
    enabled: bool
    custom: bool
    active: bool
    slot_at: int | None
    sched_at: int | None
    due_at: int | None
    claimed_at: int | None
    attempts: int
    sent_count: int
    skipped: int
    last_slot: int | None
    last_sent_at: int | None
    parts_sent: int = 0          # parts of the current occurrence already delivered (a send failed after them)
    parts_of: int | None = None  # fingerprint of the text those parts belong to


@dataclass
class Due:
    """A due nudge with what delivery needs: the user's address, language and zone."""

    nudge: Nudge
    platform: str
    platform_user_id: str
    language: str | None
    tz: str
    quiet_start: str | None
    quiet_end: str | None
    token: int | None = None  # the reservation it was read under (PostgreSQL's due batch), else None


def _nudge(r: Any) -> Nudge:
    return Nudge(r[0], r[1], r[2], bool(r[3]), r[4], json.loads(r[5]), json.loads(r[6]), r[7], bool(r[8]), bool(r[9]),
                 bool(r[10]), r[11], r[12], r[13], r[14], r[15], r[16], r[17], r[18], r[19], r[20] or 0, r[21])


def _due(r: Any, token: int | None = None) -> Due:
    r = tuple(r)
    platform, language, platform_user_id = (r[22] or "\x1f\x1f").split("\x1f", 2)
    return Due(_nudge(r[:22]), platform, platform_user_id, language or None, r[23] or "Asia/Jakarta", r[24], r[25],
               token)


# Another occurrence: the parts of a long message an earlier one delivered do not count for it.
_NEW_OCCURRENCE = ", parts_sent = 0, parts_of = NULL"


def fence(due: Due) -> tuple[str, tuple[Any, ...]]:
    """A WHERE clause that holds only while the row is the occurrence `due` was read as: the same due time, claimed
    by us (claimed_at as we set it) or by nobody, and on PostgreSQL still under the reservation it was read with."""
    n = due.nudge
    sql, args = " WHERE id = ?", [n.id]
    for col, value in (("due_at", n.due_at), ("claimed_at", n.claimed_at)):
        sql += f" AND {col} IS NULL" if value is None else f" AND {col} = ?"
        args += [] if value is None else [value]
    if due.token is not None:
        sql += " AND reserved_by = ?"
        args.append(due.token)
    return sql, tuple(args)


# The user's address comes from a correlated lookup by primary key, not a join: with ANALYZE statistics SQLite
# would build a Bloom filter over the whole users table for a join (O(users) per tick: ~60 ms at 1M users).
_DUE_SELECT = (f"SELECT {_N}, (SELECT u.platform || char(31) || coalesce(u.language, '') || char(31) ||"
               " u.platform_user_id FROM users u WHERE u.id = n.user_id AND u.reachable >= ?) AS who,"
               " s.tz, s.quiet_start, s.quiet_end FROM nudges n LEFT JOIN nudge_settings s ON s.user_id = n.user_id")
# The tick's query: walks the partial index nudges_due (active, unparked rows only) in due order. A blocked
# user's nudges are parked (nudges.parked = 1, set when the core reports the user unreachable: see
# commands.on_reachability) and so are not in the index at all; the reachable check only guards a user marked
# unreachable by other means.
DUE_SQL = (_DUE_SELECT + " WHERE n.active = 1 AND n.parked = 0 AND n.due_at <= ? AND n.claimed_at IS NULL"
           " AND who IS NOT NULL ORDER BY n.due_at LIMIT ?")
STALE_SQL = (_DUE_SELECT + " WHERE n.active = 1 AND n.parked = 0 AND n.due_at < ? AND n.claimed_at IS NULL"
             " ORDER BY n.due_at LIMIT ?")
LEASE_SQL = _DUE_SELECT + " WHERE n.claimed_at IS NOT NULL AND n.claimed_at < ? LIMIT ?"

# PostgreSQL, several workers: the tick takes its batch with FOR UPDATE SKIP LOCKED and reserves it until
# $5 (RESERVE_SECONDS ahead) under a fresh token $6, so concurrent ticks of other workers take other rows; the
# reservation expires if the worker dies (or stalls) before it claims them. Every later write of the dispatcher
# is fenced (NudgeStore.fence): it applies only while the row is still the occurrence it read, under its token,
# so a worker whose reservation expired and was taken over can neither claim nor reopen the row. The columns come
# from the UPDATE's RETURNING (the row as locked and reserved), not from the statement's older snapshot.
PG_DUE_SQL = (
    "WITH picked AS (SELECT n.id FROM nudges n WHERE n.active = 1 AND n.parked = 0 AND n.due_at <= $2"
    " AND n.claimed_at IS NULL AND (n.reserved_until IS NULL OR n.reserved_until <= $3)"
    " AND EXISTS (SELECT 1 FROM users u WHERE u.id = n.user_id AND u.reachable >= $1)"
    " ORDER BY n.due_at LIMIT $4 FOR UPDATE OF n SKIP LOCKED),"
    " reserved AS (UPDATE nudges r SET reserved_until = $5, reserved_by = $6 FROM picked WHERE r.id = picked.id"
    " RETURNING r.*)"
    f" SELECT {_N}, u.platform || chr(31) || coalesce(u.language, '') || chr(31) || u.platform_user_id AS who,"
    " s.tz, s.quiet_start, s.quiet_end FROM reserved n"
    " JOIN users u ON u.id = n.user_id LEFT JOIN nudge_settings s ON s.user_id = n.user_id ORDER BY n.due_at")
# PostgreSQL has no output-column aliases in WHERE and spells char() chr(): the same reads, in its dialect.
PG_SELECT = _DUE_SELECT.replace("char(31)", "chr(31)")
PG_STALE_SQL = (PG_SELECT + " WHERE n.active = 1 AND n.parked = 0 AND n.due_at < ? AND n.claimed_at IS NULL"
                " ORDER BY n.due_at LIMIT ?")
PG_LEASE_SQL = PG_SELECT + " WHERE n.claimed_at IS NOT NULL AND n.claimed_at < ? LIMIT ?"
RESERVE_SECONDS = 60


class NudgeStore:
    """Reads and writes nudge_settings, nudges, checkins and idea_log; every write is committed."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.reserve = RESERVE_SECONDS  # how long a tick's batch stays reserved (several workers)

    async def _one(self, sql: str, args: tuple[Any, ...]) -> Any:
        return await self.storage.fetch_one(sql, args)

    async def _all(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        return await self.storage.fetch_all(sql, args)

    # -- settings --------------------------------------------------------------
    async def get_settings(self, user_id: int) -> Settings | None:
        r = await self._one("SELECT user_id, tz, quiet_start, quiet_end, paused"
                            " FROM nudge_settings WHERE user_id = ?", (user_id,))
        return Settings(r[0], r[1], r[2], r[3], bool(r[4])) if r else None

    async def create_settings(self, user_id: int, tz: str) -> None:
        await self.storage.write(
            ("INSERT INTO nudge_settings (user_id, tz, updated_at) VALUES (?, ?, ?)"
             " ON CONFLICT (user_id) DO NOTHING", (user_id, tz, self.storage.now())))

    async def update_settings(self, user_id: int, **fields: Any) -> None:
        allowed = {"tz", "quiet_start", "quiet_end", "paused"}
        if set(fields) - allowed:
            raise ValueError(f"unknown settings fields: {sorted(set(fields) - allowed)}")
        cols = ", ".join(f"{k} = ?" for k in fields)
        await self.storage.write(
            (f"UPDATE nudge_settings SET {cols}, updated_at = ? WHERE user_id = ?",
             (*fields.values(), self.storage.now(), user_id)))

    # -- nudges ----------------------------------------------------------------
    async def series(self, user_id: int) -> list[Nudge]:
        rows = await self._all(f"SELECT {_NUDGE_COLS} FROM nudges WHERE user_id = ? AND once = 0 ORDER BY id",
                               (user_id,))
        return [_nudge(r) for r in rows]

    async def pending_once(self, user_id: int) -> list[Nudge]:
        rows = await self._all(f"SELECT {_NUDGE_COLS} FROM nudges WHERE user_id = ? AND once = 1 AND active = 1"
                               " ORDER BY due_at", (user_id,))
        return [_nudge(r) for r in rows]

    async def get(self, nudge_id: int) -> Nudge | None:
        r = await self._one(f"SELECT {_NUDGE_COLS} FROM nudges WHERE id = ?", (nudge_id,))
        return _nudge(r) if r else None

    async def add_series(self, user_id: int, kind: str, times: list[str], days: list[int], monthday: int | None,
                         enabled: bool, active: bool, slot: int | None, sched: int | None) -> None:
        await self.storage.write(
            (
            "INSERT INTO nudges (user_id, kind, times, days, monthday, enabled, active, slot_at, sched_at, due_at,"
            " parked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce((SELECT 1 - reachable FROM users WHERE id = ?),"
            " 0)) ON CONFLICT (user_id, kind) WHERE once = 0 DO NOTHING",
            (user_id, kind, json.dumps(times), json.dumps(days), monthday, int(enabled), int(active), slot, sched,
             sched, user_id)))

    async def update(self, nudge_id: int, **fields: Any) -> None:
        allowed = {"times", "days", "monthday", "enabled", "custom", "active", "slot_at", "sched_at", "due_at",
                   "claimed_at", "attempts", "skipped"}
        if set(fields) - allowed:
            raise ValueError(f"unknown nudge fields: {sorted(set(fields) - allowed)}")
        vals = [json.dumps(v) if k in ("times", "days") else (int(v) if isinstance(v, bool) else v)
                for k, v in fields.items()]
        cols = ", ".join(f"{k} = ?" for k in fields) + (_NEW_OCCURRENCE if "slot_at" in fields else "")
        await self.storage.write(
            (f"UPDATE nudges SET {cols} WHERE id = ?", (*vals, nudge_id)))

    async def upsert_snooze(self, src: Nudge, slot: int, when: int, active: bool) -> int:
        """One snoozed occurrence: a single-shot row beside the series (a snooze of a snooze moves it)."""
        if src.once:
            await self.update(src.id, active=active, sched_at=when, due_at=when, claimed_at=None, attempts=0)
            return src.id
        await self.storage.write(
            (
            "INSERT INTO nudges (user_id, kind, once, src_id, times, days, monthday, active, slot_at, sched_at, due_at)"
            " VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (src_id, slot_at) WHERE once = 1 DO UPDATE SET"
            " active = excluded.active, sched_at = excluded.sched_at, due_at = excluded.due_at, claimed_at = NULL,"
            " attempts = 0",
            (src.user_id, src.kind, src.id, json.dumps(src.times), json.dumps(src.days), src.monthday, int(active),
             slot, when, when)))
        r = await self._one("SELECT id FROM nudges WHERE src_id = ? AND slot_at = ? AND once = 1", (src.id, slot))
        return int(r[0])

    async def delete_once(self, user_id: int) -> None:
        await self.storage.write(
            ("DELETE FROM nudges WHERE user_id = ? AND once = 1", (user_id,)))

    # -- the tick --------------------------------------------------------------
    async def due(self, now: int, limit: int) -> list[Due]:
        """Due nudges, earliest first; on PostgreSQL reserved for this worker under a fresh token (see PG_DUE_SQL)."""
        if self.storage.shared:
            token = secrets.randbits(62)
            rows = await self.storage.write_returning(PG_DUE_SQL, (1, now, now, limit, now + self.reserve, token))
            return [_due(r, token) for r in rows]
        return [_due(r) for r in await self._all(DUE_SQL, (1, now, limit))]

    async def stale(self, before: int, limit: int) -> list[Due]:
        """Active, unclaimed nudges whose next attempt is older than `before` (any user, blocked ones too)."""
        return [_due(r) for r in await self._all(PG_STALE_SQL if self.storage.shared else STALE_SQL, (0, before, limit))]

    async def backlog(self, now: int) -> int:
        """How many nudges are due now and not claimed (parked ones, of unreachable users, left out): a metric."""
        row = await self.storage.fetch_one("SELECT COUNT(*) FROM nudges WHERE active = 1 AND parked = 0"
                                           " AND due_at <= ? AND claimed_at IS NULL", (now,))
        return int(row[0]) if row is not None else 0

    async def expired_leases(self, before: int, limit: int) -> list[Due]:
        return [_due(r) for r in await self._all(PG_LEASE_SQL if self.storage.shared else LEASE_SQL, (0, before, limit))]

    async def revise(self, due: Due, **fields: Any) -> bool:
        """Change an unclaimed occurrence the dispatcher read (catch-up, deferral) if it is still as read (fence);
        the in-memory row follows. False: another worker or the user changed it meanwhile (leave it alone)."""
        allowed = {"slot_at", "sched_at", "due_at", "skipped"}
        if set(fields) - allowed:
            raise ValueError(f"unknown nudge fields: {sorted(set(fields) - allowed)}")
        where, args = fence(due)
        cols = ", ".join(f"{k} = ?" for k in fields) + (_NEW_OCCURRENCE if "slot_at" in fields else "")
        counts = await self.storage.write((f"UPDATE nudges SET {cols}{where}", (*fields.values(), *args)),
                                          counted=True)
        if counts[0] != 1:
            return False
        for k, v in fields.items():
            setattr(due.nudge, k, v)
        if "slot_at" in fields:
            due.nudge.parts_sent, due.nudge.parts_of = 0, None
        return True

    async def claim(self, due: Due, now: int) -> bool:
        """Take the nudge for sending (committed before the send) if it is still as read (fence); False if it
        changed meanwhile or another worker's reservation replaced ours."""
        n = due.nudge
        if n.claimed_at is not None:
            return False
        where, args = fence(due)
        counts = await self.storage.write((
            f"UPDATE nudges SET claimed_at = ?, attempts = attempts + 1{where} AND active = 1", (now, *args)),
            counted=True)
        if counts[0] != 1:
            return False
        n.claimed_at = now
        return True

    async def release(self, due: Due, due_at: int, *, parts: tuple[int, int] | None = None) -> bool:
        """Give our claimed nudge back (not delivered): try again at `due_at`. `parts` (how many, fingerprint of
        their text): the parts of a long message the user now has; without it, what an earlier attempt recorded
        stays."""
        where, args = fence(due)
        more, values = (", parts_sent = ?, parts_of = ?", parts) if parts is not None else ("", ())
        counts = await self.storage.write((
            f"UPDATE nudges SET claimed_at = NULL, reserved_until = NULL, reserved_by = NULL, due_at = ?{more}{where}",
            (due_at, *values, *args)), counted=True)
        return counts[0] == 1

    async def park(self, user_id: int, parked: bool) -> None:
        """Take the user's nudges out of the due index (the platform refuses them), or put them back."""
        await self.storage.write(("UPDATE nudges SET parked = ? WHERE user_id = ? AND parked != ?",
                                  (int(parked), user_id, int(parked))))

    async def parked(self, user_id: int) -> int:
        """How many of the user's nudges are parked (out of the due index until they write again)."""
        r = await self._one("SELECT count(*) FROM nudges WHERE user_id = ? AND parked = 1", (user_id,))
        return int(r[0])

    async def advance(self, due: Due, *, sent_at: int | None, slot: int | None, sched: int | None,
                      skipped: int = 0) -> bool:
        """Close the occurrence `due` was read as (sent, or skipped) and set the next one (None: the row is done);
        False (nothing written) if the row is no longer that occurrence (fence)."""
        active = 1 if sched is not None else 0
        where, args = fence(due)
        done = ("slot_at = COALESCE(?, slot_at), sched_at = ?, due_at = ?, active = active * ?, claimed_at = NULL,"
                " reserved_until = NULL, reserved_by = NULL, attempts = 0, parts_sent = 0, parts_of = NULL")
        if sent_at is not None:
            statement = (f"UPDATE nudges SET last_slot = slot_at, last_sent_at = ?, sent_count = sent_count + 1,"
                         f" {done}{where}", (sent_at, slot, sched, sched, active, *args))
        else:
            statement = (f"UPDATE nudges SET skipped = skipped + ?, {done}{where}",
                         (skipped, slot, sched, sched, active, *args))
        return (await self.storage.write(statement, counted=True))[0] == 1

    async def done_without_settings(self, after_user: int, limit: int) -> tuple[list[int], int | None]:
        """Users past `after_user` (a cursor) who finished the plan but have no nudge settings yet."""
        rows = await self._all("SELECT f.user_id, f.status = 'done' AND NOT EXISTS (SELECT 1 FROM nudge_settings s"
                               " WHERE s.user_id = f.user_id) FROM flows f WHERE f.user_id > ? ORDER BY f.user_id"
                               " LIMIT ?", (after_user, limit))
        cursor = rows[-1][0] if len(rows) == limit else None
        return [r[0] for r in rows if r[1]], cursor

    # -- check-ins and ideas -----------------------------------------------------
    async def save_checkin(self, user_id: int, week: str, **fields: Any) -> None:
        allowed = {"posts", "on_time", "win"}
        if set(fields) - allowed:
            raise ValueError("unknown check-in fields")
        cols = ", ".join(f"{k} = ?" for k in fields)
        await self.storage.write(
            ("INSERT INTO checkins (user_id, week, updated_at) VALUES (?, ?, ?)"
             " ON CONFLICT (user_id, week) DO NOTHING", (user_id, week, self.storage.now())),
            (f"UPDATE checkins SET {cols}, updated_at = ? WHERE user_id = ? AND week = ?",
             (*fields.values(), self.storage.now(), user_id, week)))

    async def checkins(self, user_id: int, limit: int = 60) -> list[dict[str, Any]]:
        rows = await self._all("SELECT week, posts, on_time, win FROM checkins WHERE user_id = ?"
                               " ORDER BY week DESC LIMIT ?", (user_id, limit))
        return [{"week": r[0], "posts": r[1], "on_time": r[2], "win": r[3]} for r in rows]

    async def recent_ideas(self, user_id: int, n: int = 20) -> list[str]:
        rows = await self._all("SELECT idea FROM idea_log WHERE user_id = ? ORDER BY sent_at DESC, rowid DESC"
                               " LIMIT ?", (user_id, n))
        return [r[0] for r in rows]

    async def log_idea(self, user_id: int, idea: str, at: int, keep: int = 20) -> None:
        await self.storage.write(
            ("INSERT INTO idea_log (user_id, idea, sent_at) VALUES (?, ?, ?)", (user_id, idea, at)),
            ("DELETE FROM idea_log WHERE user_id = ? AND rowid NOT IN (SELECT rowid FROM idea_log"
             " WHERE user_id = ? ORDER BY sent_at DESC, rowid DESC LIMIT ?)", (user_id, user_id, keep)))

    # -- done taps (posted / replied, per day) ------------------------------------
    async def mark_done(self, user_id: int, day: str, kind: str, at: int) -> None:
        await self.storage.write(("INSERT INTO nudge_done (user_id, day, kind, at) VALUES (?, ?, ?, ?)"
                                  " ON CONFLICT (user_id, day, kind) DO NOTHING", (user_id, day, kind, at)))

    async def done_since(self, user_id: int, day: str) -> list[tuple[str, str]]:
        """(day, kind) of the user's done taps since a day ('YYYY-MM-DD')."""
        rows = await self._all("SELECT day, kind FROM nudge_done WHERE user_id = ? AND day >= ?", (user_id, day))
        return [(r[0], r[1]) for r in rows]
