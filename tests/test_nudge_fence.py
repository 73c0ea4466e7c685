"""A nudge is sent at most once when two dispatchers (two workers) hold the same due row: the first one's reservation
ran out while it was still working on it (a stalled or slow worker), another worker reserved the row again, and both
deliver. Time only moves through FakeClock; the order of the two deliveries is chosen, not raced.

The double send this reproduces (before the fence): the row was a catch-up (a series whose earlier occurrence was
missed), so each dispatcher moved it from its stale copy to the latest occurrence before claiming it. The one that
came second moved the row back from "sent, next one tomorrow" to the occurrence the first had just sent, and its
claim (conditional only on that due time) then succeeded: the same nudge, twice, within milliseconds.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import pytest

from bot.backends import open_storage
from bot.clock import FakeClock
from bot.core import Core
from conftest import RecordingAdapter
from handlers.reminders.dispatch import Dispatcher, TickStats
from handlers.reminders.store import NudgeStore
from nudge_helpers import done_user, only

BACKENDS = ("sqlite", "postgresql")
UTC = timezone.utc


@pytest.fixture
async def two(db_path: str, backend: str, clock: FakeClock) -> AsyncIterator[list[tuple[Core, RecordingAdapter]]]:
    """Two dispatching workers on one database: two cores on PostgreSQL; on SQLite (one process per database) two
    dispatchers of one core, which read the same rows just as well."""
    clock.set(datetime(2026, 1, 5, 0, 30, tzinfo=UTC))  # 07:30 in Jakarta (the default zone)
    cores = [Core(open_storage(db_path, clock=clock), clock=clock)]
    if backend == "postgresql":
        cores.append(Core(open_storage(db_path, clock=clock), clock=clock))
    out = []
    for core in cores:
        await core.start()
        rec = RecordingAdapter()
        core.add_adapter(rec)
        out.append((core, rec))
    yield out if len(out) == 2 else out * 2
    for core in cores:
        await core.stop()


def sent(two: list[tuple[Core, RecordingAdapter]]) -> int:
    """Messages sent by both workers (one adapter counted once where they share it)."""
    return sum(len(rec.sent) for rec in {id(rec): rec for _, rec in two}.values())


@pytest.mark.parametrize("first", ["stale", "fresh"])
async def test_a_lease_that_runs_out_mid_delivery_never_sends_a_nudge_twice(
        two: list[tuple[Core, RecordingAdapter]], clock: FakeClock, first: str) -> None:
    (core_a, _), (core_b, _) = two
    user = await done_user(core_a)
    nudge = await only(core_a, user, "post", times=["08:00", "09:00"], days=list(range(7)))
    a, b = Dispatcher(core_a), Dispatcher(core_b)
    clock.set(datetime(2026, 1, 5, 2, 5, tzinfo=UTC))  # 09:05: 08:00 was missed, 09:00 is the one to send
    now = a.now()
    rows_a = await a.store.due(now, 10)
    assert [d.nudge.id for d in rows_a] == [nudge.id]
    clock.advance(seconds=a.store.reserve + 1)  # worker A stalls past its reservation...
    rows_b = await b.store.due(b.now(), 10)  # ...and worker B takes the row over
    assert [d.nudge.id for d in rows_b] == [nudge.id]
    order: list[tuple[Dispatcher, Any]] = [(a, rows_a[0]), (b, rows_b[0])]
    for dispatcher, due in order if first == "stale" else order[::-1]:
        await dispatcher.deliver(due, TickStats())
    assert sent(two) == 1
    row = await NudgeStore(core_a.storage).get(nudge.id)
    assert row is not None and row.sent_count == 1 and row.claimed_at is None
    assert row.last_slot == int(datetime(2026, 1, 5, 2, 0, tzinfo=UTC).timestamp())  # the 09:00 occurrence
    assert row.due_at == int(datetime(2026, 1, 6, 1, 0, tzinfo=UTC).timestamp())  # next: tomorrow 08:00
    # and later ticks of either worker do not send it again
    for dispatcher in (a, b):
        await dispatcher.tick()
    assert sent(two) == 1


async def test_a_claim_needs_the_reservation_it_was_read_under(two: list[tuple[Core, RecordingAdapter]],
                                                               clock: FakeClock, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("reservations are PostgreSQL's (several workers)")
    (core_a, _), (core_b, _) = two
    user = await done_user(core_a)
    nudge = await only(core_a, user, "post", times=["08:00"], days=list(range(7)))
    store_a, store_b = NudgeStore(core_a.storage), NudgeStore(core_b.storage)
    clock.set(datetime(2026, 1, 5, 1, 1, tzinfo=UTC))
    now = int(clock.now().timestamp())
    [due_a] = await store_a.due(now, 10)
    [due_b] = await store_b.due(now + store_a.reserve + 1, 10)  # A's reservation ran out; B's token now
    assert due_a.token != due_b.token
    assert not await store_a.claim(due_a, now + 62)  # A's copy is no longer ours: refused, nothing changed
    assert await store_b.claim(due_b, now + 62)
    assert not await store_a.revise(due_a, due_at=now)  # nor can A move the row it lost
    row = await store_a.get(nudge.id)
    assert row is not None and row.claimed_at == now + 62 and row.due_at == due_b.nudge.due_at
