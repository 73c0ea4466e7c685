"""Nudges due together for one user go out as one delivery: one message with each one's text and buttons where the
channel shows them all, as few as it can where not; and every guarantee of a single nudge holds for each of them (a
failure mid-delivery repeats none and loses none). Time only moves through FakeClock.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any

import pytest

from bot.adapters.base import DeliveryUnknown, RetryLater, UserUnreachable
from bot.capabilities import Capabilities
from bot.clock import FakeClock
from bot.core import Core
from bot.storage import User
from bot.types import Outbound
from conftest import RecordingAdapter
from handlers.reminders import content as C
from handlers.reminders.actions import Snooze
from handlers.reminders.dispatch import Dispatcher
from handlers.reminders.manage import reschedule_user
from handlers.reminders.store import NudgeStore
from nudge_helpers import done_user, service

BACKENDS = ("sqlite", "postgresql")
UTC = timezone.utc
FOUR = 4


class Crash(BaseException):
    """The process dies (not an error the dispatcher handles)."""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def four_due(core: Core, clock: FakeClock) -> tuple[User, list[int]]:
    """A user with four nudges due at 08:00 WIB: the kinds that offer buttons (not a check-in that awaits an answer),
    snoozed copies of the first filling up to four whatever the content holds; the clock at 07:00 WIB."""
    clock.set(utc(2026, 1, 5, 0, 0))
    user = await done_user(core)
    store = NudgeStore(core.storage)
    ids = []
    for n in await store.series(user.id):
        if C.kinds()[n.kind].checkin or len(ids) == FOUR:
            await store.update(n.id, enabled=False)
            continue
        await store.update(n.id, times=["08:00"], days=list(range(7)), monthday=None, custom=True, enabled=True)
        ids.append(n.id)
    await reschedule_user(core.storage, user.id)
    at = int(utc(2026, 1, 5, 1, 0).timestamp())
    src = await store.get(ids[0])
    assert src is not None
    while len(ids) < FOUR:
        ids.append(await store.upsert_snooze(src, at - 86400 * len(ids), at, True))
    return user, ids


async def expected(core: Core) -> dict[int, Outbound]:
    """Each due nudge's own message (as the dispatcher renders it), at the clock's time; read without reserving
    them (PostgreSQL's due batch would hold them from the tick)."""
    d = Dispatcher(core)
    return {due.nudge.id: await d.render(due) for due in await d.store.stale(d.now() + 1, 100)}


def buttons_of(messages: list[Outbound]) -> Counter[int]:
    """How many messages carry each nudge's snooze buttons."""
    return Counter(c.action.nudge for m in messages for c in m.choices
                   if isinstance(c.action, Snooze) and c.action.delay == "h")


async def sent_counts(core: Core, ids: list[int]) -> list[int]:
    store = NudgeStore(core.storage)
    rows = [await store.get(i) for i in ids]
    return [row.sent_count if row is not None else -1 for row in rows]


async def test_four_nudges_due_together_are_one_message_with_each_ones_text_and_buttons(
        core: Core, clock: FakeClock, recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    core.declare(recorder.platform, Capabilities(buttons=25))
    user, ids = await four_due(core, clock)
    clock.set(utc(2026, 1, 5, 1, 0))  # 08:00 WIB
    alone = await expected(core)
    assert sorted(alone) == sorted(ids)
    stats = await service(core).tick()
    assert stats.sent == FOUR
    assert len(recorder.sent) == 1  # one delivery...
    [(_, messages)] = recorder.sent
    assert len(messages) == 1  # ...shown as one message
    [message] = messages
    for nudge_id, own in alone.items():
        assert own.text in message.text
        assert all(c in message.choices for c in own.choices)
    assert buttons_of(messages) == Counter({i: 1 for i in ids})
    assert await sent_counts(core, ids) == [1] * FOUR
    await service(core).tick()
    assert len(recorder.sent) == 1


async def test_where_the_buttons_do_not_fit_one_message_fewer_messages_still_carry_each(
        core: Core, clock: FakeClock, recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    user, ids = await four_due(core, clock)
    clock.set(utc(2026, 1, 5, 1, 0))
    alone = await expected(core)
    widest = max(len(m.choices) for m in alone.values())
    assert sum(len(m.choices) for m in alone.values()) > 2 * widest  # they cannot all share one message
    caps = Capabilities(buttons=2 * widest)
    core.declare(recorder.platform, caps)
    await service(core).tick()
    assert len(recorder.sent) == 1
    [(_, messages)] = recorder.sent
    assert 1 < len(messages) < FOUR
    assert all(len(m.choices) <= caps.buttons for m in messages)
    assert buttons_of(messages) == Counter({i: 1 for i in ids})
    text = "\n\n".join(m.text for m in messages)
    assert all(own.text in text for own in alone.values())
    assert await sent_counts(core, ids) == [1] * FOUR


class PartlyThere:
    """A platform whose first delivery fails for now after its first message reached the user (RetryLater with
    delivered=1); later ones go through. It shows the user only what the skip leaves."""

    platform = "fake"

    def __init__(self) -> None:
        self.shown: list[Outbound] = []
        self.calls: list[tuple[int, int]] = []  # (messages handed over, skip)

    async def connect(self) -> None:
        return None

    async def listen(self) -> None:
        return None

    async def send(self, user_id: str, messages: list[Outbound], skip: int = 0) -> None:
        self.calls.append((len(messages), skip))
        if len(self.calls) == 1:
            self.shown.extend(messages[:1])
            raise RetryLater(5.0, "flood", delivered=1)
        self.shown.extend(messages[skip:])

    async def disconnect(self) -> None:
        return None


async def test_a_retry_after_part_of_a_delivery_reached_the_user_sends_only_the_rest(
        core: Core, clock: FakeClock) -> None:
    platform = PartlyThere()
    core.add_adapter(platform)  # type: ignore[arg-type]
    user, ids = await four_due(core, clock)
    clock.set(utc(2026, 1, 5, 1, 0))
    alone = await expected(core)
    widest = max(len(m.choices) for m in alone.values())
    core.declare(platform.platform, Capabilities(buttons=2 * widest))
    svc = service(core)
    stats = await svc.tick()
    assert stats.retried == FOUR and stats.sent == 0 and len(platform.shown) == 1
    store = NudgeStore(core.storage)
    for i in ids:
        row = await store.get(i)
        assert row is not None and row.claimed_at is None and row.parts_sent == 1 and row.sent_count == 0
    clock.advance(seconds=6)
    stats = await svc.tick()
    assert stats.sent == FOUR
    assert platform.calls[1][1] == 1  # the same delivery again, its first part left out
    assert buttons_of(platform.shown) == Counter({i: 1 for i in ids})  # each nudge exactly once, none lost
    assert await sent_counts(core, ids) == [1] * FOUR
    clock.advance(minutes=10)
    await svc.tick()
    assert len(platform.calls) == 2


async def test_a_crash_while_closing_a_delivery_sends_none_of_it_again(
        core: Core, clock: FakeClock, recorder: RecordingAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    core.add_adapter(recorder)
    core.declare(recorder.platform, Capabilities(buttons=25))
    user, ids = await four_due(core, clock)
    original = Dispatcher._move_on
    closed: list[int] = []

    async def crash(self: Dispatcher, due: Any, *, sent_at: int | None, skipped: int = 0) -> bool:
        if sent_at is not None and len(closed) == 1:  # the first nudge is marked sent, then the process dies
            raise Crash()
        closed.append(due.nudge.id)
        return await original(self, due, sent_at=sent_at, skipped=skipped)

    monkeypatch.setattr(Dispatcher, "_move_on", crash)
    clock.set(utc(2026, 1, 5, 1, 0))
    with pytest.raises(Crash):
        await service(core).tick()
    monkeypatch.setattr(Dispatcher, "_move_on", original)
    assert len(recorder.sent) == 1
    svc = service(core)  # a new process
    await svc.tick()
    assert len(recorder.sent) == 1  # still claimed: not sent again
    clock.advance(minutes=10)  # past the lease: delivery unknown, never sent again
    stats = await svc.tick()
    assert stats.unknown == FOUR - 1 and len(recorder.sent) == 1
    store = NudgeStore(core.storage)
    rows = [await store.get(i) for i in ids]
    assert all(r is not None and r.claimed_at is None for r in rows)
    assert sorted(r.sent_count for r in rows if r is not None) == [0] * (FOUR - 1) + [1]


@pytest.mark.parametrize("failure", ["unknown", "unreachable"])
async def test_a_delivery_unknown_closes_all_of_it_and_an_unreachable_user_parks_all(
        core: Core, clock: FakeClock, recorder: RecordingAdapter, failure: str) -> None:
    core.add_adapter(recorder)
    core.declare(recorder.platform, Capabilities(buttons=25))
    user, ids = await four_due(core, clock)
    recorder.fail = DeliveryUnknown("timeout") if failure == "unknown" else UserUnreachable("blocked")
    clock.set(utc(2026, 1, 5, 1, 0))
    svc = service(core)
    stats = await svc.tick()
    store = NudgeStore(core.storage)
    rows = [await store.get(i) for i in ids]
    if failure == "unknown":
        assert stats.unknown == FOUR
        assert all(r is not None and r.claimed_at is None and r.due_at is not None
                   and r.due_at > int(clock.now().timestamp()) for r in rows)
    else:
        assert stats.unreachable == FOUR
        assert await store.parked(user.id) >= FOUR
    recorder.fail = None
    clock.advance(minutes=10)
    await svc.tick()
    assert recorder.sent == []  # neither sent again nor sent to a user who refused it
