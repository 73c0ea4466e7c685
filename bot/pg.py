"""PostgreSQL storage (asyncpg): the same interface as the SQLite Storage, for several workers on one database.

The PostgreSQL dialect lives here: `?` placeholders become `$1..$n`, migrations are recorded in `schema_version`
(applied under an advisory lock, so workers starting together apply each once), an inbox row is marked handled
in the transaction of the answer's first write (Storage.mark_update), per-user exclusion is a session advisory
lock held by the connection that runs the user's request, the sending limits shared by every worker are a slot
source for the engine's limiter (take_send/send_done/send_pause, bot/ratelimit.py SharedRateLimiter).
No cross-process cache: every request reads users, flows and answers from PostgreSQL (a worker never answers
from a state another worker has since changed).
"""
from __future__ import annotations

import asyncio
import contextvars
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import asyncpg

from bot.clock import Clock
from bot.storage import PENDING_MARK, Storage, UpdateMark, migrations
from bot.writer import Statement

POOL_SIZE = 20
SEND_POOL_SIZE = 4  # the sending limits' own connections (a worker's sends wait in its limiter's lanes, not here)
LEADER_RETRY = 2.0  # seconds between tries to take a role another worker holds
_MIGRATE_KEY = "brandcoach:migrate"


@lru_cache(maxsize=4096)
def pg_sql(sql: str) -> str:
    """`?` placeholders (outside quoted strings) become `$1`, `$2`, ... ."""
    out, n, quote = [], 0, ""
    for ch in sql:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(ch)
    return "".join(out)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a name (the same in every worker)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def _count(status: str) -> int:
    """Row count from asyncpg's command status ('UPDATE 3', 'INSERT 0 1'); -1 when it has none."""
    last = status.rsplit(" ", 1)[-1] if status else ""
    return int(last) if last.isdigit() else -1


class _Bound:
    """A connection reserved for one request (it holds the request's advisory lock); one query at a time."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.lock = asyncio.Lock()
        self.open = True


_bound: contextvars.ContextVar[_Bound | None] = contextvars.ContextVar("brandcoach_pg_bound", default=None)


class PgStorage(Storage):
    """Storage on PostgreSQL through an asyncpg pool; every write() is one transaction, committed on return."""

    dialect = "postgresql"
    shared = True

    def __init__(self, url: str, clock: Clock | None = None, pool_size: int = POOL_SIZE) -> None:
        super().__init__(url, clock=clock, cache_size=0)  # no cache: nothing another worker changed is served stale
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._send_pool: asyncpg.Pool | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("storage is not open")
        return self._pool

    @property
    def send_pool(self) -> asyncpg.Pool:
        """Connections for the sending limits alone (take_send, send_done, send_pause)."""
        if self._send_pool is None:
            raise RuntimeError("storage is not open")
        return self._send_pool

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(self.path, min_size=1, max_size=self.pool_size)
        self._send_pool = await asyncpg.create_pool(self.path, min_size=1, max_size=SEND_POOL_SIZE)
        await self.migrate()
        await self.check_legacy_marks()

    async def close(self) -> None:
        if self._send_pool is not None:
            await self._send_pool.close()
            self._send_pool = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        self.forget()

    async def scrub(self) -> bool:
        """Nothing to checkpoint: PostgreSQL reclaims deleted rows by (auto)vacuum."""
        return False

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[asyncpg.Connection]:
        bound = _bound.get()
        if bound is not None and bound.open:
            async with bound.lock:
                if bound.open:  # still: the block may have ended (and unlocked the connection) while we waited
                    yield bound.conn
                    return
        async with self.pool.acquire() as conn:
            yield conn

    async def fetch_one(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        async with self._conn() as conn:
            return await conn.fetchrow(pg_sql(sql), *args)

    async def fetch_all(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        async with self._conn() as conn:
            return list(await conn.fetch(pg_sql(sql), *args))

    async def write(self, *statements: Statement, counted: bool = False) -> list[int]:
        """The statements as one transaction, committed before returning; each statement's row count. The
        platform update being handled (PENDING_MARK) is recorded as taken in the same transaction as the first
        write of its handling: an answer and its update are durable together, on every worker."""
        mark = PENDING_MARK.get()
        todo, first = (list(statements), 0) if mark is None or mark.done else mark.around(list(statements))
        async with self._conn() as conn, conn.transaction():
            counts = [_count(await conn.execute(pg_sql(sql), *params)) for sql, params in todo]
        if mark is not None and not mark.done:
            mark.committed()
        return counts[first:first + len(statements)]

    async def finish_update(self, mark: UpdateMark) -> None:
        """Record the update as taken if no write did yet (a read-only reply), and stop marking writes."""
        PENDING_MARK.set(None)
        if not mark.done:
            async with self._conn() as conn, conn.transaction():
                for sql, params in mark.around([])[0]:
                    await conn.execute(pg_sql(sql), *params)
            mark.committed()

    async def write_returning(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        async with self._conn() as conn, conn.transaction():
            return list(await conn.fetch(pg_sql(sql), *args))

    async def migrate(self) -> int:
        """Apply the migrations newer than schema_version, each in its own transaction, under an advisory lock."""
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", lock_key(_MIGRATE_KEY))
            try:
                await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                version = await conn.fetchval("SELECT max(version) FROM schema_version") or 0
                for number, _name, sql in migrations(dialect="postgresql"):
                    if number <= version:
                        continue
                    async with conn.transaction():
                        await conn.execute(sql)
                        await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
                    version = number
                return int(version)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", lock_key(_MIGRATE_KEY))

    async def take_send(self, platform: str, chat: str, message: bool, per_window: int, window: float,
                        chat_burst: int, chat_window: float, chat_gap: float, group_per_window: int,
                        group_window: float, group: bool, flight: float) -> tuple[float, int | None, bool]:
        """Take a sending slot shared by every worker (brandcoach_take_send, 0012_inbox.pg.sql): (0, the slot's id,
        False) when taken, else (the seconds to wait before asking again, None, whether only this chat waits).
        Pass the id to send_done once the platform answered. On a pool of its own: a send must never wait for a
        connection held by a turn that waits for a send."""
        async with self.send_pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT wait, slot, chat_only FROM brandcoach_take_send($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                " $11, $12)", platform, chat, message, per_window, window, chat_burst, chat_window, chat_gap,
                group_per_window, group_window, group, flight)
        return float(row[0]), (None if row[1] is None else int(row[1])), bool(row[2])

    async def send_done(self, slots: list[int]) -> None:
        """The platform answered these sends: from now on they count until their answer leaves a window."""
        async with self.send_pool.acquire() as conn:
            await conn.execute("UPDATE sends SET done_at = extract(epoch FROM clock_timestamp())"
                               " WHERE id = ANY($1::bigint[])", slots)

    async def send_pause(self, platform: str, seconds: float) -> None:
        """The platform said 'too many requests': no worker sends on it for `seconds` (the database's clock)."""
        async with self.send_pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO send_pauses (platform, blocked_until) VALUES ($1, extract(epoch FROM clock_timestamp())"
                " + $2) ON CONFLICT (platform) DO UPDATE SET blocked_until = greatest(send_pauses.blocked_until,"
                " excluded.blocked_until)", platform, float(max(0.0, seconds)))

    async def user_tables(self) -> list[str]:
        rows = await self.fetch_all("SELECT table_name FROM information_schema.columns WHERE column_name = 'user_id'"
                                    " AND table_schema = current_schema()")
        return sorted(r[0] for r in rows)

    @asynccontextmanager
    async def exclusive(self, key: str) -> AsyncIterator[None]:
        """The block runs alone for `key` across every worker: a session advisory lock on a connection reserved
        for the block (its queries run on it too). A worker that dies drops its connection, and with it the lock."""
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", lock_key(key))
            bound = _Bound(conn)
            token = _bound.set(bound)
            try:
                yield
            finally:
                _bound.reset(token)
                async with bound.lock:
                    bound.open = False
                await conn.execute("SELECT pg_advisory_unlock($1)", lock_key(key))

    @asynccontextmanager
    async def try_exclusive(self, key: str) -> AsyncIterator[bool]:
        """As exclusive(), without waiting: yields False (and runs the block unlocked) when another holds `key`."""
        async with self.pool.acquire() as conn:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(key)):
                yield False
                return
            bound = _Bound(conn)
            token = _bound.set(bound)
            try:
                yield True
            finally:
                _bound.reset(token)
                async with bound.lock:
                    bound.open = False
                await conn.execute("SELECT pg_advisory_unlock($1)", lock_key(key))

    @asynccontextmanager
    async def leadership(self, name: str) -> AsyncIterator[None]:
        """Wait until this worker holds the role `name` (a session advisory lock on its own connection), hold it
        while the block runs. A leader that dies loses its connection, so another worker takes over."""
        conn = await asyncpg.connect(self.path)
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(f"brandcoach:role:{name}")):
                await asyncio.sleep(LEADER_RETRY)
            yield
        finally:
            await conn.close()
