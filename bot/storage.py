"""Storage: users, questionnaire state and answers; SQLite here (aiosqlite, WAL), PostgreSQL in bot/pg.py.

One interface for both backends: features read through fetch_one/fetch_all and write through write(*statements)
(`?` placeholders; the PostgreSQL backend rewrites them); no connection is handed out. Schema changes are
numbered files in bot/migrations and in features' migrations/ folders, one numbering for both backends; a file
`NNNN_name.pg.sql` beside `NNNN_name.sql` is that migration's PostgreSQL variant (types, identities, functions).
SQLite records the version in PRAGMA user_version. A channel that keeps tables of its own owns their migrations
(`Channel.migrations`, bot/adapters/registry.py), in the same numbering.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import re
import sqlite3
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

import aiosqlite

from bot import channels
from bot.clock import Clock, SystemClock
from bot.features import DEFAULT_FEATURES
from bot.writer import GroupCommitWriter, Statement
from bot.state import Draft, as_draft, decode_draft, encode_draft

log = logging.getLogger(__name__)
DEFAULT_DB = "brandcoach.sqlite3"
SCRUB_ATTEMPTS = 100  # a WAL checkpoint waits for other tasks' reads in progress on the connection, this many times
# Users whose rows are kept in memory (write-through; SQLite stays the source of truth): a few KB each (answers
# mostly), the most recently active first; enough for the users of the last minutes of a busy bot, a bound on memory.
CACHE_USERS = 2_000
# An inbox row handled: its text goes (nothing the user typed is kept once answered), its id stays for de-duplication.
_HANDLED_SQL = ("UPDATE inbox SET handled_at = ?, handled_by = ?, inbound = '', envelope = ''"
                " WHERE platform = ? AND update_id = ?")


class UpdateMark:
    """A platform update (an inbox row) being handled: marked handled in the first write the handling commits, with
    the small changes that ride on that commit (`riders`: a statement and what to do once it is committed)."""

    __slots__ = ("user_id", "platform", "update_id", "taken_at", "by", "done", "riders")

    def __init__(self, user_id: int, platform: str, update_id: int, taken_at: int, by: str = "") -> None:
        self.user_id, self.platform, self.update_id, self.taken_at, self.by = user_id, platform, update_id, taken_at, by
        self.done = False
        self.riders: list[tuple[Statement, Callable[[], None]]] = []

    def around(self, statements: list[Statement]) -> tuple[list[Statement], int]:
        """The commit that handles this update: the riders first (a handler's own writes come after them and win),
        the statements, then the inbox row marked handled; with the index of the first of `statements`."""
        riders = [stmt for stmt, _ in self.riders]
        return [*riders, *statements, (_HANDLED_SQL, (self.taken_at, self.by, self.platform, self.update_id))], \
            len(riders)

    def committed(self) -> None:
        """The statements are durable: mark done and let the riders update what they cache."""
        self.done = True
        riders, self.riders = self.riders, []
        for _, after in riders:
            after()


# The update the current task is handling (set by the core around one inbound's handling).
PENDING_MARK: contextvars.ContextVar[UpdateMark | None] = contextvars.ContextVar("pending_update_mark", default=None)


class _LRU(OrderedDict):  # type: ignore[type-arg]
    """A small least-recently-used map."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_fresh(self, key: Any) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.evicted(*self.popitem(last=False))

    def evicted(self, key: Any, value: Any) -> None:
        """Called for each entry dropped to keep the size."""


class _Stamps(_LRU):
    """Sequence numbers of the last write per key, for the most recent keys; `floor` is the newest one forgotten
    (a read that began before it cannot tell whether its keys were written since)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.floor = -1

    def evicted(self, key: Any, value: Any) -> None:
        self.floor = max(self.floor, value)

    def unchanged_since(self, start: int, keys: tuple[Any, ...]) -> bool:
        return self.floor <= start and all(self.get(key, -1) <= start for key in keys if key is not None)


@dataclass
class User:
    id: int
    platform: str
    platform_user_id: str
    display_name: str
    language: str | None
    language_pinned: bool
    lang_pending: str | None
    lang_pending_count: int
    locale_hint: str | None
    reachable: bool
    register: str | None = None        # how they are addressed in their language (a catalog variant: 'formal'), if known
    register_pinned: bool = False      # chosen by the user: never changed by detection
    register_pending: str | None = None  # the other register seen in a row, `register_count` times
    register_count: int = 0


@dataclass
class Counts:
    """Aggregates for /stats: no personal data."""

    users: dict[str, int]       # per platform
    flows: dict[str, int]       # per questionnaire status
    unreachable: int
    rows: dict[str, int]        # per table with per-user rows


@dataclass
class Flow:
    """The user's conversation state, in one row: the questionnaire's position and the input awaited.

    `status` active | paused | confirm | done; `step` the current question; `return_to` where an /edit goes back
    to; `draft` a feature's work in progress (bot/state.py: a multi-choice selection, a name offered back...);
    `awaits` the typed input a feature waits for, as bot/state.py encodes it ('confirm:delete', 'times:post'; read
    it typed as `Context.awaits`) since `awaits_at` (epoch seconds).
    """

    user_id: int
    status: str
    step: str | None
    return_to: str | None
    draft: Draft | None
    awaits: str | None
    planned_at: str | None = None  # when a plan was last confirmed (kept while the user edits answers)
    awaits_at: int | None = None


def migrations(features: tuple[str, ...] = DEFAULT_FEATURES, dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """(number, name, sql) of every migration, in order: the engine's (bot/migrations), those a feature owns
    (a `migrations/` folder in a feature package, e.g. handlers/reminders/migrations) and those a channel owns
    (its registry entry names the folder: every registered channel's, served or not). One numbering for all, so
    that one version records what a database has; a number used twice is an error. For `dialect` "postgresql"
    a `NNNN_name.pg.sql` replaces `NNNN_name.sql` where it exists (the portable file is used otherwise)."""
    folders = [resources.files("bot.migrations")]
    for package in features:
        root = resources.files(package)
        folders += [child / "migrations" for child in root.iterdir()
                    if child.is_dir() and (child / "migrations").is_dir()]
    for channel in channels.all_channels():
        if channel.migrations:
            owner, _, below = channel.migrations.partition("/")
            folders.append(resources.files(owner).joinpath(below))
    out: dict[int, tuple[int, str, str]] = {}
    variants: dict[int, str] = {}
    for folder in folders:
        for entry in folder.iterdir():
            m = re.match(r"(\d{4})_(\w+?)(\.pg)?\.sql$", entry.name)
            if not m:
                continue
            number = int(m.group(1))
            if m.group(3):
                variants[number] = entry.read_text(encoding="utf-8")
                continue
            if number in out:
                raise ValueError(f"migration number {number:04d} is used twice ({out[number][1]}, {m.group(2)})")
            out[number] = (number, m.group(2), entry.read_text(encoding="utf-8"))
    stray = set(variants) - set(out)
    if stray:
        raise ValueError(f"a .pg.sql variant without its portable migration: {sorted(stray)}")
    if dialect == "postgresql":
        out.update({n: (n, out[n][1], sql) for n, sql in variants.items()})
    return [out[n] for n in sorted(out)]


def _create_private(path: str) -> None:
    """Create the database file readable by its owner only (it holds personal data)."""
    if path == ":memory:" or os.path.exists(path):
        return
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


class Storage:
    """One aiosqlite connection; every write is committed before it returns.

    Reads of users, flows and answers are served from a write-through cache: every change goes to SQLite
    first and to the cache only after its commit, so the cache never holds what the database does not.
    Code outside this class must change these three tables through these methods, never by raw SQL.
    A read that raced with a write for the same user (e.g. the nudge dispatcher reading while the user's
    /delete runs) is returned but not cached: every write stamps the rows it touches with a sequence number,
    and a read fills the cache only if nothing it covers was written since the read began.
    """

    dialect = "sqlite"
    shared = False  # True where several processes may use the database at once (PostgreSQL)

    def __init__(self, path: str = DEFAULT_DB, clock: Clock | None = None, cache_size: int = CACHE_USERS) -> None:
        self.path = path
        self.clock = clock or SystemClock()
        self._db: aiosqlite.Connection | None = None
        self._writer: GroupCommitWriter | None = None
        self._users = _LRU(cache_size)    # (platform, platform_user_id) -> User
        self._user_keys = _LRU(cache_size)  # user id -> (platform, platform_user_id)
        self._flows = _LRU(cache_size)    # user id -> Flow | None
        self._answers = _LRU(cache_size)  # user id -> {step: value}
        self._taken = _LRU(cache_size)    # user id -> (last platform update id taken, when): legacy rows, see below
        # update_marks (before the inbox) still holds rows younger than the redelivery window: read them too
        self.legacy_marks = False
        self._seq = 0
        self._written = _Stamps(cache_size * 2)  # user id or (platform, id) -> sequence number of its last write
        # Called with (platform, platform user id) after delete_user, so adapters drop files they keep (Core sets it).
        self.on_delete: Callable[[str, str], Awaitable[None]] | None = None

    def _touch(self, *keys: Any) -> None:
        """Stamp keys as written now (called before and after each write)."""
        self._seq += 1
        for key in keys:
            if key is not None:
                self._written.put(key, self._seq)

    def _unchanged_since(self, start: int, *keys: Any) -> bool:
        return self._written.unchanged_since(start, keys)

    def forget(self, user_id: int | None = None) -> None:
        """Drop cached rows (of one user, or all): the next read comes from SQLite."""
        if user_id is None:
            for cache in (self._users, self._user_keys, self._flows, self._answers, self._taken):
                cache.clear()
            return
        key = self._user_keys.pop(user_id, None)
        if key is not None:
            self._users.pop(key, None)
        self._flows.pop(user_id, None)
        self._answers.pop(user_id, None)
        self._taken.pop(user_id, None)

    def cached_users(self) -> int:
        """How many users have rows held in memory (at most the cache size)."""
        return max(len(c) for c in (self._users, self._user_keys, self._flows, self._answers, self._taken))

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("storage is not open")
        return self._db

    async def open(self) -> None:
        _create_private(self.path)
        self._db = await aiosqlite.connect(self.path)
        self._db.row_factory = aiosqlite.Row
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._db.execute("PRAGMA secure_delete=ON")  # deleted rows are zeroed, not left in free pages
        await self.migrate()
        self._writer = GroupCommitWriter(self._db)
        await self.scrub()  # a WAL left by a crash may still hold deleted rows
        await self.check_legacy_marks()

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.close()
            self._writer = None
        if self._db is not None:
            await self._db.close()
            self._db = None
        self.forget()

    async def scrub(self) -> bool:
        """Checkpoint the WAL into the (secure-deleting) main file and truncate it; True if it completed."""
        if self._db is None or self.path == ":memory:":
            return False
        for attempt in range(SCRUB_ATTEMPTS):
            while self._writer is not None and self._writer._busy:  # never inside another caller's transaction
                await asyncio.sleep(0)
            try:
                async with self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
                    row = await cur.fetchone()
                return row is not None and row[0] == 0
            except sqlite3.OperationalError as exc:  # another task's read is between its first and last row
                if "locked" not in str(exc):
                    raise
                await asyncio.sleep(min(0.05, 0.001 * attempt))
        log.warning("the WAL could not be checkpointed: reads kept it busy")
        return False

    async def write(self, *statements: Statement, counted: bool = False) -> list[int]:
        """Run write statements as one atomic transaction, committed (with others queued) before returning.

        Every write to the database goes through here, so no caller commits or rolls back another's work.
        Returns each statement's row count, exact with `counted=True` (else -1 where it ran batched).
        """
        if self._writer is None:
            raise RuntimeError("storage is not open")
        mark = PENDING_MARK.get()
        if mark is None or mark.done:
            return await self._writer.write(list(statements), counted)
        todo, first = mark.around(list(statements))
        counts = await self._writer.write(todo, counted)
        self._mark_taken(mark)
        return counts[first:first + len(statements)]

    def _mark_taken(self, mark: UpdateMark) -> None:
        mark.committed()

    async def fetch_one(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        """One row of a read (a feature's own tables); writes go through write()."""
        rows = await self.db.execute_fetchall(sql, args)  # one hand-over to the database thread, not three
        return next(iter(rows), None)

    async def fetch_all(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """Every row of a read (a feature's own tables); writes go through write()."""
        return list(await self.db.execute_fetchall(sql, args))  # execute and fetch in one hand-over

    async def write_returning(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """One write statement that returns rows (`RETURNING`, or a data-modifying CTE), committed before it
        returns. SQLite: applied between the group-commit writer's batches."""
        if self._writer is None:
            raise RuntimeError("storage is not open")
        while self._writer._busy or self._writer._queue:
            await asyncio.sleep(0)
        self._writer._busy = True
        try:
            async with self.db.execute(sql, args) as cur:
                rows = list(await cur.fetchall())
            await self.db.commit()
            return rows
        except BaseException:
            await asyncio.shield(self.db.rollback())
            raise
        finally:
            self._writer._busy = False

    @asynccontextmanager
    async def exclusive(self, key: str) -> AsyncIterator[None]:
        """Run the block alone for `key` (a user) across every process on this database. SQLite: one process per
        database (bot/dblock.py), so the core's in-process KeyedSerializer already is that; nothing to do here."""
        yield

    @asynccontextmanager
    async def try_exclusive(self, key: str) -> AsyncIterator[bool]:
        """As exclusive(), without waiting: yields whether the block runs alone. SQLite: one process, always."""
        yield True

    @asynccontextmanager
    async def leadership(self, name: str) -> AsyncIterator[None]:
        """Hold the role `name` (e.g. a platform's gateway connection) while the block runs, waiting until it is free.
        SQLite: one process per database, always the leader."""
        yield

    async def migrate(self) -> int:
        """Apply the migrations newer than PRAGMA user_version; returns the version."""
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        for number, _name, sql in migrations():
            if number <= version:
                continue
            await self.db.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version={number};\nCOMMIT;")
            version = number
        return version

    def now(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    # -- users ---------------------------------------------------------------
    async def get_or_create_user(self, platform: str, platform_user_id: str, display_name: str = "",
                                 locale: str | None = None) -> User:
        user = await self.find_user(platform, platform_user_id)
        if user is not None:
            return user
        now = self.now()
        await self.write((
            "INSERT INTO users (platform, platform_user_id, display_name, locale_hint, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, platform_user_id) DO NOTHING",
            (platform, platform_user_id, display_name[:200], locale, now, now)))
        user = await self.find_user(platform, platform_user_id)
        assert user is not None
        self._flows.pop(user.id, None)  # a reused row id starts with nothing cached
        self._answers.pop(user.id, None)
        self._taken.pop(user.id, None)
        return user

    async def find_user(self, platform: str, platform_user_id: str) -> User | None:
        cached = self._users.get_fresh((platform, platform_user_id))
        if cached is not None:
            return _clone(cached)
        start = self._seq
        row = await self.fetch_one("SELECT * FROM users WHERE platform = ? AND platform_user_id = ?",
                                   (platform, platform_user_id))
        if row is None:
            return None
        user = _user(row)
        if self._unchanged_since(start, (platform, platform_user_id), user.id):
            self._users.put((platform, platform_user_id), user)
            self._user_keys.put(user.id, (platform, platform_user_id))
        return _clone(user)

    async def user_by_id(self, user_id: int) -> User | None:
        row = await self.fetch_one("SELECT * FROM users WHERE id = ?", (user_id,))
        return _user(row) if row else None

    async def update_user(self, user_id: int, *, ride: bool = False, **fields: Any) -> None:
        """Set columns of a user row (names are checked against the schema).

        `ride`: while a platform update of this user is being handled, the change is committed with the handling's
        first write (or its update record), not in a commit of its own."""
        allowed = {"display_name", "language", "language_pinned", "lang_pending", "lang_pending_count",
                   "locale_hint", "reachable", "register", "register_pinned", "register_pending", "register_count"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown user fields: {sorted(bad)}")
        if not fields:
            return
        cols = ", ".join(f"{k} = ?" for k in fields)
        statement = (f"UPDATE users SET {cols}, updated_at = ? WHERE id = ?", (*fields.values(), self.now(), user_id))

        def committed() -> None:
            self._touch(user_id, self._user_keys.get(user_id))
            key = self._user_keys.get(user_id)
            cached = self._users.get(key) if key else None
            if cached is not None:
                for name, value in fields.items():
                    flag = name in ("language_pinned", "reachable", "register_pinned")
                    setattr(cached, name, bool(value) if flag else value)

        self._touch(user_id, self._user_keys.get(user_id))
        mark = PENDING_MARK.get()
        if ride and mark is not None and not mark.done and mark.user_id == user_id:
            mark.riders.append((statement, committed))
            return
        await self.write(statement)
        committed()

    async def set_reachable(self, platform: str, platform_user_id: str, reachable: bool) -> None:
        self._touch((platform, platform_user_id))
        await self.write((
            "UPDATE users SET reachable = ?, updated_at = ? WHERE platform = ? AND platform_user_id = ?",
            (int(reachable), self.now(), platform, platform_user_id)))
        self._touch((platform, platform_user_id))
        cached = self._users.get((platform, platform_user_id))
        if cached is not None:
            cached.reachable = reachable

    async def check_legacy_marks(self) -> None:
        """Whether update_marks (the per-user highest update id of databases from before the inbox) has rows
        left: only then is it read (legacy_taken); purge_inbox deletes them once older than the redelivery window."""
        row = await self.fetch_one("SELECT 1 FROM update_marks LIMIT 1")
        self.legacy_marks = row is not None

    async def legacy_taken(self, user_id: int, update_id: int, window: int) -> bool:
        """Whether an update was handled before this database had an inbox: its id is at most the highest one the
        old table recorded for the user within `window` seconds (that table is no longer written, so the comparison
        can only concern updates delivered before the upgrade)."""
        if not self.legacy_marks:
            return False
        taken = self._taken.get_fresh(user_id)
        if taken is None:
            start = self._seq
            row = await self.fetch_one("SELECT last_update_id, taken_at FROM update_marks WHERE user_id = ?",
                                       (user_id,))
            taken = (int(row[0]), int(row[1])) if row is not None else (-1, 0)
            if self._unchanged_since(start, user_id):
                self._taken.put(user_id, taken)
        now = int(self.clock.now().timestamp())
        return update_id <= taken[0] and now - taken[1] < window

    def mark_update(self, user_id: int, platform: str, update_id: int, by: str = "") -> UpdateMark:
        """Start handling an inbox row: the first write of this task marks it handled (by worker `by`), in the same
        commit (an answer and its update are durable together). Pass the mark to `finish_update` when done."""
        mark = UpdateMark(user_id, platform, update_id, int(self.clock.now().timestamp()), by)
        PENDING_MARK.set(mark)
        return mark

    async def finish_update(self, mark: UpdateMark) -> None:
        """Record the update as taken if no write did yet (a read-only reply), and stop marking writes."""
        PENDING_MARK.set(None)
        if not mark.done and self._writer is not None:
            self._touch(mark.user_id)
            await self._writer.write(mark.around([])[0])
            self._touch(mark.user_id)
            self._mark_taken(mark)

    # -- the inbox (bot/migrations/0012_inbox.sql) ------------------------------
    async def accept_update(self, platform: str, update_id: int, chat: str, inbound: str, envelope: str) -> bool:
        """Record an update as accepted, committed before returning (so before the platform is told); True when it
        is new, False when this id was accepted before (a redelivery: handled, or still waiting)."""
        counts = await self.write((
            "INSERT INTO inbox (platform, update_id, chat, inbound, envelope, accepted_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, update_id) DO NOTHING",
            (platform, update_id, chat, inbound, envelope, int(self.clock.now().timestamp()))), counted=True)
        return counts[0] == 1

    async def accept_updates(self, rows: list[tuple[str, int, str, str, str]]) -> list[bool]:
        """accept_update for several (platform, update id, chat, inbound, envelope) in one commit, in order."""
        if not rows:
            return []
        now = int(self.clock.now().timestamp())
        counts = await self.write(*((
            "INSERT INTO inbox (platform, update_id, chat, inbound, envelope, accepted_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, update_id) DO NOTHING", (*row, now)) for row in rows), counted=True)
        return [count == 1 for count in counts]

    async def update_handled(self, platform: str, update_id: int) -> bool:
        """Whether an accepted update has been handled (by any worker)."""
        row = await self.fetch_one("SELECT handled_at FROM inbox WHERE platform = ? AND update_id = ?",
                                   (platform, update_id))
        return row is not None and row[0] is not None

    async def waiting_updates(self, platform: str, chat: str, up_to: int | None = None) -> list[tuple[int, str, str]]:
        """(update id, inbound JSON, envelope) of a chat's accepted updates not yet handled, up to `up_to`, in
        update-id order (read under the chat's turn: nobody else handles them meanwhile)."""
        if up_to is None:
            rows = await self.fetch_all("SELECT update_id, inbound, envelope FROM inbox WHERE platform = ? AND chat = ?"
                                        " AND handled_at IS NULL ORDER BY update_id", (platform, chat))
        else:
            rows = await self.fetch_all("SELECT update_id, inbound, envelope FROM inbox WHERE platform = ? AND chat = ?"
                                        " AND handled_at IS NULL AND update_id <= ? ORDER BY update_id",
                                        (platform, chat, up_to))
        return [(int(r[0]), r[1], r[2]) for r in rows]

    async def chats_waiting(self, accepted_before: int) -> list[tuple[str, str]]:
        """(platform, chat) of chats with an update accepted before `accepted_before` (epoch s) still unhandled."""
        rows = await self.fetch_all("SELECT DISTINCT platform, chat FROM inbox WHERE handled_at IS NULL"
                                    " AND accepted_at < ?", (accepted_before,))
        return [(r[0], r[1]) for r in rows]

    async def handled_without_answer(self, platform: str, update_id: int, by: str = "") -> None:
        """Mark a waiting update handled with nothing to store (refused by flood control)."""
        await self.write((_HANDLED_SQL, (int(self.clock.now().timestamp()), by, platform, update_id)))

    async def purge_inbox(self, before: int) -> int:
        """Forget handled updates older than `before` (epoch s: past the platform's redelivery window), and the old
        table's rows as old; returns how many inbox rows went."""
        counts = await self.write(("DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?", (before,)),
                                  ("DELETE FROM update_marks WHERE taken_at < ?", (before,)), counted=True)
        if self.legacy_marks:
            await self.check_legacy_marks()
            self._taken.clear()
        return max(0, counts[0])

    async def delete_user(self, user_id: int) -> None:
        """Erase the user and, by cascade, every row that refers to them."""
        key = self._user_keys.get(user_id)
        self._touch(user_id, key)
        row = None
        if self.on_delete is not None:
            row = await self.fetch_one("SELECT platform, platform_user_id FROM users WHERE id = ?", (user_id,))
        await self.write(("DELETE FROM users WHERE id = ?", (user_id,)))
        self._touch(user_id, key)
        self.forget(user_id)
        await self.scrub()
        if row is not None and self.on_delete is not None:
            await self.on_delete(row[0], row[1])

    # -- menus shown -----------------------------------------------------------
    async def menu(self, user_id: int) -> str | None:
        """The menu the user last saw as numbered lines or a paged list (bot/compose.py Menu's JSON), if any."""
        row = await self.fetch_one("SELECT menu FROM menus WHERE user_id = ?", (user_id,))
        return str(row[0]) if row else None

    async def set_menu(self, user_id: int, menu: str | None) -> None:
        """Store (or, with None, forget) the menu the user now sees. While a platform update of this user is being
        handled and nothing is committed yet, it rides on the handling's commit (no commit of its own)."""
        if menu is None:
            statement: Statement = ("DELETE FROM menus WHERE user_id = ?", (user_id,))
        else:
            statement = ("INSERT INTO menus (user_id, menu, shown_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE"
                         " SET menu = excluded.menu, shown_at = excluded.shown_at",
                         (user_id, menu, int(self.clock.now().timestamp())))
        mark = PENDING_MARK.get()
        if mark is not None and not mark.done and mark.user_id == user_id:
            mark.riders.append((statement, lambda: None))
            return
        await self.write(statement)

    # -- questionnaire -------------------------------------------------------
    async def get_flow(self, user_id: int) -> Flow | None:
        if user_id in self._flows:
            cached = self._flows.get_fresh(user_id)
            return _clone(cached) if cached is not None else None
        start = self._seq
        row = await self.fetch_one("SELECT * FROM flows WHERE user_id = ?", (user_id,))
        flow = None if row is None else Flow(row["user_id"], row["status"], row["step"], row["return_to"],
                                             decode_draft(row["draft"]), row["awaits"], row["planned_at"],
                                             row["awaits_at"])
        if self._unchanged_since(start, user_id):
            self._flows.put(user_id, flow)
        return _clone(flow) if flow is not None else None

    def _cache_flow(self, flow: Flow) -> None:
        self._flows.put(flow.user_id, _clone(flow, draft=as_draft(flow.draft)))  # drafts are frozen: shared

    async def save_flow(self, flow: Flow) -> None:
        self._touch(flow.user_id)
        await self.write(_flow_upsert(flow, self.now()))
        self._touch(flow.user_id)
        self._cache_flow(flow)

    async def answers(self, user_id: int) -> dict[str, Any]:
        """The user's answers, step -> value (a copy: change them through save_answer)."""
        cached = self._answers.get_fresh(user_id)
        if cached is None:
            start = self._seq
            rows = await self.fetch_all("SELECT step, value FROM answers WHERE user_id = ?", (user_id,))
            cached = {r["step"]: json.loads(r["value"]) for r in rows}
            if self._unchanged_since(start, user_id):
                self._answers.put(user_id, cached)
        return _copy_answers(cached)

    async def save_answer(self, user_id: int, step: str, value: Any, flow: Flow | None = None,
                          drop: tuple[str, ...] = (), typed: str | None = None) -> None:
        """Store one answer, the flow's next state and the removal of answers that depended on it, atomically.

        `typed` is what the user typed when the value differs from it (the value is what the plan shows); None
        means the value is what was typed (or tapped)."""
        now = self.now()
        statements: list[Statement] = [(
            "INSERT INTO answers (user_id, step, value, typed, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id, step) DO UPDATE SET value = excluded.value, typed = excluded.typed,"
            " updated_at = excluded.updated_at",
            (user_id, step, json.dumps(value, ensure_ascii=False), typed, now))]
        if flow is not None:
            statements.append(_flow_upsert(flow, now))
        for other in drop:
            statements.append(("DELETE FROM answers WHERE user_id = ? AND step = ?", (user_id, other)))
        self._touch(user_id)
        await self.write(*statements)
        self._touch(user_id)
        cached = self._answers.get(user_id)
        if cached is not None:
            for other in drop:
                cached.pop(other, None)
        if cached is not None:
            cached[step] = list(value) if isinstance(value, list) else value
        if flow is not None:
            self._cache_flow(flow)

    async def typed_answer(self, user_id: int, step: str) -> str | None:
        """What the user typed for an answer, when it differs from the stored value (None otherwise, and for rows
        written before typed text was kept)."""
        row = await self.fetch_one("SELECT typed FROM answers WHERE user_id = ? AND step = ?", (user_id, step))
        return None if row is None else row["typed"]

    async def delete_answer(self, user_id: int, step: str) -> None:
        self._touch(user_id)
        await self.write(("DELETE FROM answers WHERE user_id = ? AND step = ?", (user_id, step)))
        self._touch(user_id)
        cached = self._answers.get(user_id)
        if cached is not None:
            cached.pop(step, None)

    async def clear_answers(self, user_id: int) -> None:
        self._touch(user_id)
        await self.write(("DELETE FROM answers WHERE user_id = ?", (user_id,)))
        self._touch(user_id)
        self._answers.put(user_id, {})
        await self.scrub()

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Every row about the user, from every table that has a user_id column."""
        out: dict[str, Any] = {}
        row = await self.fetch_one("SELECT * FROM users WHERE id = ?", (user_id,))
        out["user"] = dict(row) if row else None
        for table in await self.user_tables():
            rows = await self.fetch_all(f"SELECT * FROM {table} WHERE user_id = ?", (user_id,))
            out[table] = [dict(r) for r in rows]
        return out

    async def counts(self) -> Counts:
        """Aggregate counts for /stats: users per platform, flows per status, rows per user table."""
        users = {r[0]: r[1] for r in await self.fetch_all("SELECT platform, COUNT(*) FROM users GROUP BY platform")}
        flows = {r[0]: r[1] for r in await self.fetch_all("SELECT status, COUNT(*) FROM flows GROUP BY status")}
        unreachable = (await self.fetch_one("SELECT COUNT(*) FROM users WHERE reachable = 0"))[0]
        rows = {}
        for table in await self.user_tables():
            rows[table] = (await self.fetch_one(f"SELECT COUNT(*) FROM {table}"))[0]
        return Counts(users, flows, unreachable, rows)

    async def user_tables(self) -> list[str]:
        """Tables holding per-user rows (those with a user_id column)."""
        tables = [r[0] for r in await self.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = []
        for table in tables:
            cols = [r[1] for r in await self.fetch_all(f"PRAGMA table_info({table})")]
            if "user_id" in cols:
                out.append(table)
        return sorted(out)


def _clone(obj: Any, **changes: Any) -> Any:
    """A shallow copy of a dataclass instance (cheaper than dataclasses.replace on the hot path)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    new.__dict__.update(changes)
    return new


def _flow_upsert(flow: Flow, now: str) -> Statement:
    return ("INSERT INTO flows (user_id, status, step, return_to, draft, awaits, awaits_at, planned_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET status = excluded.status,"
            " step = excluded.step, return_to = excluded.return_to, draft = excluded.draft,"
            " awaits = excluded.awaits, awaits_at = excluded.awaits_at, planned_at = excluded.planned_at,"
            " updated_at = excluded.updated_at",
            (flow.user_id, flow.status, flow.step, flow.return_to, encode_draft(flow.draft), flow.awaits,
             flow.awaits_at, flow.planned_at, now))


def _copy_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers are strings, None or lists of strings: copying the lists is a deep enough copy."""
    return {k: list(v) if isinstance(v, list) else v for k, v in answers.items()}


def _user(row: aiosqlite.Row) -> User:
    return User(row["id"], row["platform"], row["platform_user_id"], row["display_name"], row["language"],
                bool(row["language_pinned"]), row["lang_pending"], row["lang_pending_count"],
                row["locale_hint"], bool(row["reachable"]), row["register"], bool(row["register_pinned"]),
                row["register_pending"], row["register_count"])
