"""Per-user jitter of nudge times: a few minutes at most, stable per user and day, never into quiet hours."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.clock import FakeClock
from bot.core import Core
from conftest import RecordingAdapter
from handlers.reminders import schedule as S
from handlers.reminders.manage import next_slot
from nudge_helpers import done_user, only, service

UTC = timezone.utc
JKT = S.zone("Asia/Jakarta")


@pytest.fixture(autouse=True)
def jitter_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(S, "JITTER_MAX", 180)


def test_jitter_is_bounded_stable_per_user_and_day_and_spreads_users() -> None:
    day = date(2026, 5, 4)
    values = [S.jitter(uid, day) for uid in range(1, 2001)]
    assert all(0 <= v < 180 for v in values)
    assert [S.jitter(uid, day) for uid in range(1, 2001)] == values  # stable (not Python's salted hash)
    assert len(set(values)) > 150                                  # spread over the window
    assert max(values) > 150 and min(values) < 30
    assert sum(S.jitter(uid, day) != S.jitter(uid, day + timedelta(days=1)) for uid in range(1, 101)) > 80
    assert S.jitter(7, day, limit=0) == 0


def test_jitter_delays_the_send_time_but_not_the_slot() -> None:
    after = datetime(2026, 5, 4, 0, 0, tzinfo=UTC)  # 07:00 in Jakarta
    slot, sched = next_slot(["09:00"], list(range(7)), None, "Asia/Jakarta", None, None, after, user_id=42)
    plain_slot, plain = next_slot(["09:00"], list(range(7)), None, "Asia/Jakarta", None, None, after)
    assert slot == plain_slot == plain
    assert sched is not None and slot is not None
    assert sched - slot == S.jitter(42, date(2026, 5, 4))


def test_jitter_never_lands_in_quiet_hours() -> None:
    """A send time just before quiet hours keeps its exact time rather than slipping into them."""
    when = datetime(2026, 5, 4, 14, 59, tzinfo=UTC)  # 21:59 in Jakarta; quiet from 22:00
    users = [uid for uid in range(1, 500) if S.jitter(uid, date(2026, 5, 4)) > 60]
    assert users
    for uid in users[:50]:
        sent = S.jittered(when, uid, JKT, "22:00", "07:00")
        assert sent == when
        assert not S.in_quiet(sent, JKT, "22:00", "07:00")
    outside = S.jittered(datetime(2026, 5, 4, 3, 0, tzinfo=UTC), users[0], JKT, "22:00", "07:00")
    assert outside > datetime(2026, 5, 4, 3, 0, tzinfo=UTC)  # elsewhere the jitter applies


async def test_the_scheduler_sends_within_the_jitter_window(core: Core, clock: FakeClock,
                                                             recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(datetime(2026, 5, 3, 12, tzinfo=UTC))
    user = await done_user(core, tz="Asia/Jakarta")
    await only(core, user, "respond", times=["09:00"])
    svc = service(core)
    sent: list[datetime] = []

    async def send(uid: str, messages: list) -> None:  # type: ignore[type-arg]
        sent.append(clock.now())
    recorder.send = send  # type: ignore[method-assign]
    end = datetime(2026, 5, 6, 12, tzinfo=UTC)
    while clock.now() < end:
        clock.advance(timedelta(seconds=30))
        await svc.tick()
    assert len(sent) == 3
    for at in sent:
        local = at.astimezone(JKT)
        nominal = local.replace(hour=9, minute=0, second=0, microsecond=0)
        due = nominal + timedelta(seconds=S.jitter(user.id, local.date()))
        assert due <= local < due + timedelta(seconds=30)  # the first tick at or after the jittered time


@pytest.mark.parametrize(("late", "sent"), [(timedelta(hours=6, minutes=1), False),
                                            (timedelta(hours=5, minutes=59), True)])
async def test_lateness_counts_from_the_users_time_not_the_jittered_one(
        core: Core, clock: FakeClock, recorder: RecordingAdapter, late: timedelta, sent: bool) -> None:
    """The grace window (6 h) is measured from the time the user chose: a nudge 6 h 1 min after it is too late
    even though its jittered send time (a minute or more later) is less than 6 h ago."""
    core.add_adapter(recorder)
    clock.set(datetime(2026, 5, 3, 12, tzinfo=UTC))
    user = await done_user(core, tz="Asia/Jakarta")
    day = next(date(2026, 5, 4) + timedelta(days=d) for d in range(60)
               if S.jitter(user.id, date(2026, 5, 4) + timedelta(days=d)) >= 90)
    clock.set(datetime.combine(day - timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=12))
    nudge = await only(core, user, "respond", times=["09:00"])
    slot = datetime.combine(day, datetime.min.time(), JKT).replace(hour=9)
    assert nudge.slot_at == S.to_ts(slot) and nudge.sched_at is not None and nudge.sched_at - S.to_ts(slot) >= 90
    svc = service(core, grace_hours=6)
    clock.set(slot + late)
    stats = await svc.tick()
    assert (len(recorder.sent) == 1) is sent
    assert stats.skipped == (0 if sent else 1)
