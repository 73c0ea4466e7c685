"""The group-commit writer: failure isolation, cancellation, ordering, close; and upgrading an old database."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.clock import FakeClock
from bot.storage import Storage, migrations
from bot.writer import GroupCommitWriter, Statement

INSERT = "INSERT INTO t (k, v) VALUES (?, ?)"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    con = await aiosqlite.connect(str(tmp_path / "w.sqlite3"))
    await con.execute("PRAGMA journal_mode=WAL")
    await con.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    await con.commit()
    try:
        yield con
    finally:
        await con.close()


async def rows(con: aiosqlite.Connection) -> dict[int, str]:
    async with con.execute("SELECT k, v FROM t") as cur:
        return {k: v for k, v in await cur.fetchall()}


def ins(k: int, v: str | None = "x") -> Statement:
    return (INSERT, (k, v))


async def test_a_bad_transaction_in_a_batch_fails_alone(db: aiosqlite.Connection) -> None:
    w = GroupCommitWriter(db)
    await w.write([ins(1)])
    # the first of these runs at once, the others queue into one batch; #3 breaks a constraint half-way
    results = await asyncio.gather(
        w.write([ins(10)]), w.write([ins(20)]), w.write([ins(30), ins(1)]), w.write([ins(40)]),
        w.write([ins(50), ins(51)]), return_exceptions=True)
    assert isinstance(results[2], sqlite3.IntegrityError)
    assert [r for i, r in enumerate(results) if i != 2 and isinstance(r, BaseException)] == []
    assert await rows(db) == {1: "x", 10: "x", 20: "x", 40: "x", 50: "x", 51: "x"}  # 30 rolled back with #3
    await w.close()


async def test_a_bad_transaction_alone_raises_and_leaves_nothing(db: aiosqlite.Connection) -> None:
    w = GroupCommitWriter(db)
    with pytest.raises(sqlite3.IntegrityError):
        await w.write([ins(1), ins(2, None)])
    assert await rows(db) == {}
    assert await w.write([ins(3)], counted=True) == [1]  # the connection is usable after the failure
    await w.close()


async def test_writes_apply_in_the_order_they_were_made(db: aiosqlite.Connection) -> None:
    w = GroupCommitWriter(db)
    await w.write([ins(1, "start")])
    update = "UPDATE t SET v = v || ? WHERE k = 1"
    await asyncio.gather(*(w.write([(update, (f",{i}",))]) for i in range(12)))
    assert (await rows(db))[1] == "start," + ",".join(str(i) for i in range(12))
    assert w.batches < w.transactions  # the queued ones really shared a commit
    await w.close()


async def test_a_cancelled_write_rolls_back_and_others_commit(db: aiosqlite.Connection) -> None:
    w = GroupCommitWriter(db)
    first = asyncio.create_task(w.write([ins(1), ins(2), ins(3)]))
    await asyncio.sleep(0)  # it is now applying its transaction on the connection
    others = [asyncio.create_task(w.write([ins(k)])) for k in (10, 11)]
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.gather(*others)
    assert await rows(db) == {10: "x", 11: "x"}
    await w.close()


async def test_a_write_cancelled_while_queued_is_not_applied(db: aiosqlite.Connection) -> None:
    w = GroupCommitWriter(db)
    running = asyncio.create_task(w.write([ins(1)]))
    await asyncio.sleep(0)
    queued = asyncio.create_task(w.write([ins(2)]))
    kept = asyncio.create_task(w.write([ins(3)]))
    await asyncio.sleep(0)
    queued.cancel()
    await asyncio.gather(running, kept)
    with pytest.raises(asyncio.CancelledError):
        await queued
    await w.close()
    assert await rows(db) == {1: "x", 3: "x"}  # the caller was told it failed: nothing of it was committed


async def test_close_waits_for_the_batch_in_flight(db: aiosqlite.Connection) -> None:
    w = GroupCommitWriter(db)
    tasks = [asyncio.create_task(w.write([ins(k)])) for k in range(20)]
    await asyncio.sleep(0)
    await w.close()
    assert all(t.done() and not t.cancelled() and t.exception() is None for t in tasks)
    assert await rows(db) == {k: "x" for k in range(20)}


# -- upgrading a database that holds data ------------------------------------------------------

def test_an_old_database_with_data_upgrades_and_keeps_it(tmp_path: Path) -> None:
    all_migrations = migrations()
    assert all_migrations[0][0] == 1 and len(all_migrations) >= 2
    path = str(tmp_path / "old.sqlite3")
    con = sqlite3.connect(path)
    con.executescript(f"BEGIN;\n{all_migrations[0][2]}\nPRAGMA user_version=1;\nCOMMIT;")
    now = "2025-06-01T08:00:00+00:00"
    con.execute("INSERT INTO users (id, platform, platform_user_id, display_name, language, created_at, updated_at)"
                " VALUES (1, 'telegram', '42', 'Sari', 'id', ?, ?)", (now, now))
    con.execute("INSERT INTO flows (user_id, status, step, updated_at) VALUES (1, 'active', 'vision', ?)", (now,))
    old = {"name": "Sari Musik", "role": "artist", "platforms_now": ["instagram", "tiktok"]}
    con.executemany("INSERT INTO answers (user_id, step, value, updated_at) VALUES (1, ?, ?, ?)",
                    [(k, json.dumps(v), now) for k, v in old.items()])
    con.commit()
    con.close()

    async def upgrade() -> None:
        clock = FakeClock()
        storage = Storage(path, clock=clock)
        await storage.open()
        try:
            async with storage.db.execute("PRAGMA user_version") as cur:
                assert (await cur.fetchone())[0] == all_migrations[-1][0]  # type: ignore[index]
            user = await storage.find_user("telegram", "42")
            assert user is not None and user.display_name == "Sari" and user.language == "id"
            assert await storage.answers(user.id) == old
            flow = await storage.get_flow(user.id)
            assert flow is not None and flow.step == "vision" and flow.status == "active"
            await storage.save_answer(user.id, "vision", "Musisi indie")  # and it takes new writes
            assert (await storage.answers(user.id))["vision"] == "Musisi indie"
            async with storage.db.execute("PRAGMA foreign_key_check") as cur:
                assert await cur.fetchall() == []
            async with storage.db.execute("PRAGMA integrity_check") as cur:
                assert (await cur.fetchone())[0] == "ok"  # type: ignore[index]
        finally:
            await storage.close()

    asyncio.run(upgrade())
