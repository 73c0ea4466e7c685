"""The storage interface on both backends, and what several workers on one PostgreSQL database rely on: the
update de-dup, per-user exclusion, leadership, SKIP LOCKED nudge batches, the shared sending limits, the copy
from SQLite."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot import pg
from bot.clock import FakeClock
from bot.copydb import copy
from bot.core import Core
from bot.backends import open_storage
from bot.storage import Storage, migrations
from bot.ratelimit import NUDGE, Limit, SharedRateLimiter
from bot.types import Inbound, UserRef
from handlers.reminders.store import NudgeStore
from nudge_helpers import done_user

BACKENDS = ("sqlite", "postgresql")


async def test_write_and_fetch_through_one_interface(core: Core) -> None:
    s = core.storage
    user = await s.get_or_create_user("fake", "42", "Ana")
    counts = await s.write(("UPDATE users SET display_name = ? WHERE id = ?", ("Ana B", user.id)),
                           ("UPDATE users SET locale_hint = ? WHERE id = ?", ("id", -1)), counted=True)
    assert counts == [1, 0]
    row = await s.fetch_one("SELECT display_name, locale_hint FROM users WHERE id = ?", (user.id,))
    assert (row[0], row["locale_hint"]) == ("Ana B", None)
    rows = await s.write_returning("UPDATE users SET reachable = 0 WHERE id = ? RETURNING id", (user.id,))
    assert [r[0] for r in rows] == [user.id]
    assert "nudges" in await s.user_tables()


async def test_a_failing_write_leaves_nothing(core: Core) -> None:
    s = core.storage
    user = await s.get_or_create_user("fake", "7")
    with pytest.raises(Exception):
        await s.write(("UPDATE users SET display_name = ? WHERE id = ?", ("half", user.id)),
                      ("INSERT INTO no_such_table VALUES (?)", (1,)))
    assert (await s.fetch_one("SELECT display_name FROM users WHERE id = ?", (user.id,)))[0] == ""


def test_postgresql_variants_replace_their_portable_migration() -> None:
    lite = {n: sql for n, _, sql in migrations()}
    pgm = {n: sql for n, _, sql in migrations(dialect="postgresql")}
    assert lite.keys() == pgm.keys()  # one numbering
    assert "IDENTITY" in pgm[1] and "IDENTITY" not in lite[1]
    assert "brandcoach_send_slot" in pgm[8] and "brandcoach_send_slot" not in lite[8]
    assert pgm[4] == lite[4]  # portable where no variant exists


def test_placeholders_outside_strings_become_numbered() -> None:
    assert pg.pg_sql("SELECT '?', x FROM t WHERE a = ? AND b = ?") == "SELECT '?', x FROM t WHERE a = $1 AND b = $2"


# -- several workers on one PostgreSQL database ------------------------------------------------------------------
@pytest.fixture
async def workers(db_path: str, backend: str, clock: FakeClock) -> Any:
    """Three storages on one database, as three worker processes would have."""
    if backend != "postgresql":
        pytest.skip("several workers share a PostgreSQL database only")
    out = [open_storage(db_path, clock=clock) for _ in range(3)]
    for s in out:
        await s.open()
    yield out
    for s in out:
        await s.close()


async def test_an_update_handed_to_several_workers_is_answered_once(workers: list[Storage],
                                                                   clock: FakeClock) -> None:
    cores = [Core(s, clock=clock) for s in workers]
    user = UserRef("telegram", "5", "Ana")
    for update_id in range(100, 110):  # a first /start among them: the user is created under the per-user lock
        inbound = Inbound(user, "command", command="start", update_id=update_id)
        replies = await asyncio.gather(*(c.handle(inbound) for c in cores * 2))
        assert sum(1 for r in replies if r) == 1, update_id  # the de-dup row commits with the answer
    rows = await workers[0].fetch_all("SELECT update_id FROM inbox WHERE handled_at IS NOT NULL ORDER BY update_id")
    assert [r[0] for r in rows] == list(range(100, 110))


async def test_one_user_runs_alone_across_workers(workers: list[Storage]) -> None:
    inside: list[int] = []
    overlaps = 0

    async def request(s: Storage, n: int) -> None:
        nonlocal overlaps
        async with s.exclusive("user:telegram:9"):
            inside.append(n)
            overlaps += len(inside) > 1
            await s.fetch_one("SELECT pg_sleep(0.01)")  # runs on the connection that holds the lock
            inside.remove(n)

    await asyncio.gather(*(request(s, i) for i, s in enumerate(workers * 4)))
    assert overlaps == 0
    async with workers[0].exclusive("user:telegram:9"), workers[1].exclusive("user:telegram:10"):
        pass  # other users are not held up


async def test_one_leader_and_a_successor_when_it_goes(workers: list[Storage], monkeypatch: Any) -> None:
    monkeypatch.setattr(pg, "LEADER_RETRY", 0.01)
    first = workers[0].leadership("discord")
    await first.__aenter__()
    second = asyncio.ensure_future(workers[1].leadership("discord").__aenter__())
    await asyncio.sleep(0.1)
    assert not second.done()  # the role is held
    await first.__aexit__(None, None, None)  # the leader goes (its connection closes)
    await asyncio.wait_for(second, 10)


async def test_due_nudges_are_split_between_workers(workers: list[Storage], clock: FakeClock) -> None:
    core = Core(workers[0], clock=clock)
    for i in range(30):
        await done_user(core, uid=f"w{i}")
    far = 2 ** 40
    batches = await asyncio.gather(*(NudgeStore(s).due(far - 100, 20) for s in workers))
    ids = [d.nudge.id for batch in batches for d in batch]
    assert ids and len(ids) == len(set(ids))  # SKIP LOCKED + reservation: no row in two batches
    again = await NudgeStore(workers[0]).due(far - 100, 1000)
    assert not {d.nudge.id for d in again} & set(ids)  # reserved until the lease ends
    assert {d.nudge.id for d in await NudgeStore(workers[1]).due(far - 100 + 61, 1000)} >= set(ids)  # expired


async def test_sending_limits_are_shared_by_every_worker(workers: list[Storage]) -> None:
    limits = {"telegram": Limit(per_window=4, window=0.2, chat_burst=1, chat_window=0.15)}
    limiters = [SharedRateLimiter(s, limits) for s in workers]  # type: ignore[arg-type]  # PgStorage: a slot source

    async def send(lim: SharedRateLimiter, chat: str) -> None:
        async with lim.slot("telegram", chat, NUDGE):
            pass  # the request: the platform answered at once

    await asyncio.gather(*(send(lim, f"c{i % 3}") for i in range(4) for lim in limiters))
    rows = await workers[0].fetch_all("SELECT chat, at FROM sends ORDER BY at")
    times = [r[1] for r in rows]
    assert len(times) == 12
    assert all(times[i + 4] - times[i] >= 0.2 - 1e-6 for i in range(len(times) - 4))  # never 5 in a window
    for chat in ("c0", "c1", "c2"):
        mine = [r[1] for r in rows if r[0] == chat]
        assert all(b - a >= 0.15 - 1e-6 for a, b in zip(mine, mine[1:]))


async def test_copy_from_sqlite_is_complete_and_idempotent(backend: str, db_path: str, tmp_path: Path,
                                                           clock: FakeClock) -> None:
    if backend != "postgresql":
        pytest.skip("copies into PostgreSQL")
    lite = str(tmp_path / "old.sqlite3")
    core = Core(Storage(lite, clock=clock), clock=clock)
    await core.start()
    users = [await done_user(core, uid=f"c{i}") for i in range(3)]
    await core.storage.write(("INSERT INTO idea_log (user_id, idea, sent_at) VALUES (?, ?, ?)", (users[0].id, "x", 1)))
    before = {t: (await core.storage.fetch_one(f"SELECT count(*) FROM {t}"))[0] for t in await core.storage.user_tables()}
    answers = await core.storage.answers(users[1].id)
    await core.stop()
    first = await copy(lite, db_path, report=lambda _: None)
    second = await copy(lite, db_path, report=lambda _: None)
    assert sum(first.values()) > 0 and sum(second.values()) == 0
    dst = open_storage(db_path, clock=clock)
    await dst.open()
    try:
        after = {t: (await dst.fetch_one(f"SELECT count(*) FROM {t}"))[0] for t in await dst.user_tables()}
        assert {t: after[t] for t in before} == before
        assert await dst.answers(users[1].id) == answers
        new = await dst.get_or_create_user("fake", "new")  # identities continue after the copied ids
        assert new.id > max(u.id for u in users)
    finally:
        await dst.close()
