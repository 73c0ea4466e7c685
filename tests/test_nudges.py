"""Nudge schedules and delivery: DST, quiet hours, snooze, grace window after downtime, crash policy,
blocked users, retries, two zones, rate limits, post ideas. Time only moves through FakeClock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.base import RetryLater, UserUnreachable
from bot.clock import FakeClock
from bot.core import Core
from bot.i18n import LANGUAGES, Catalog, placeholders
from handlers.reminders import content as C
from handlers.reminders import schedule as S
from handlers.reminders.dispatch import Dispatcher
from bot.ratelimit import Limit, RateLimiter
from handlers.reminders.store import NudgeStore
from bot.backends import open_storage
from conftest import RecordingAdapter
from nudge_helpers import ANSWERS, cmd, done_user, only, series, service, tap

BACKENDS = ("sqlite", "postgresql")  # every test on a core runs on both storage backends

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- pure schedule ---------------------------------------------------------------------

@pytest.mark.parametrize("start,days", [(utc(2026, 3, 27, 12), 4), (utc(2026, 10, 23, 12), 4)])
def test_wall_clock_series_across_dst_neither_skips_nor_doubles(start: datetime, days: int) -> None:
    after, got = start, []
    while True:
        nxt = S.next_occurrence(after, BERLIN, ["02:30", "09:00"], list(range(7)))
        assert nxt is not None and nxt > after
        if nxt > start + timedelta(days=days):
            break
        got.append(nxt.astimezone(BERLIN))
        after = nxt
    per_day: dict[object, list[str]] = {}
    for t in got:
        per_day.setdefault(t.date(), []).append(t.strftime("%H:%M"))
    assert all(len(v) == 2 for v in per_day.values()), per_day
    assert all("09:00" in v for v in per_day.values())
    # spring forward: 02:30 does not exist on 29 March, it comes right after the gap (03:30 CEST)
    if start.month == 3:
        assert per_day[datetime(2026, 3, 29).date()] == ["03:30", "09:00"]
    else:  # fall back: 02:30 happens twice on 25 October, sent once (the first)
        assert per_day[datetime(2026, 10, 25).date()] == ["02:30", "09:00"]
        first = [t for t in got if t.date() == datetime(2026, 10, 25).date()][0]
        assert first.utcoffset() == timedelta(hours=2)


def test_quiet_hours_move_to_their_end_and_wrap_midnight() -> None:
    jkt = S.zone("Asia/Jakarta")
    late = utc(2026, 1, 5, 16)  # 23:00 WIB
    assert S.apply_quiet(late, jkt, "22:00", "07:00").astimezone(jkt).strftime("%d %H:%M") == "06 07:00"
    early = utc(2026, 1, 5, 22)  # 05:00 WIB on the 6th
    assert S.apply_quiet(early, jkt, "22:00", "07:00").astimezone(jkt).strftime("%d %H:%M") == "06 07:00"
    assert S.apply_quiet(utc(2026, 1, 5, 3), jkt, "22:00", "07:00") == utc(2026, 1, 5, 3)  # 10:00: untouched
    assert S.apply_quiet(late, jkt, None, None) == late


def test_zone_parsing() -> None:
    assert S.parse_zone("wita") == "Asia/Makassar"
    assert S.parse_zone("europe/berlin") == "Europe/Berlin"
    assert S.parse_zone("UTC+7") == "UTC+07:00"
    assert S.parse_zone("GMT-03:30") == "UTC-03:30"
    assert S.parse_zone("Mars/Olympus") is None and S.parse_zone("UTC+15") is None
    assert S.zone("UTC+05:30").utcoffset(None) == timedelta(hours=5, minutes=30)
    assert S.parse_times("8, 19.30 08:00") == ["08:00", "19:30"]
    assert S.parse_times("25:00") is None
    assert S.parse_quiet("22-7") == ("22:00", "07:00")


def test_monthly_on_the_31st_falls_on_the_last_day_of_short_months() -> None:
    nxt = S.next_occurrence(utc(2026, 2, 1), S.zone("UTC"), ["10:00"], [], 31)
    assert nxt == utc(2026, 2, 28, 10)


# -- delivery through the service --------------------------------------------------------

async def run_until(svc, clock: FakeClock, end: datetime, step: timedelta = timedelta(minutes=15)) -> None:  # type: ignore[no-untyped-def]
    while clock.now() < end:
        clock.advance(step)
        await svc.tick()


async def test_dst_change_through_the_tick(core: Core, clock: FakeClock, recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 3, 27, 12))
    user = await done_user(core, tz="Europe/Berlin")
    await only(core, user, "respond", times=["02:30"])
    svc = service(core)
    sent_at: list[datetime] = []

    async def send(uid: str, messages: list) -> None:  # type: ignore[type-arg]
        sent_at.append(clock.now().astimezone(BERLIN))
    recorder.send = send  # type: ignore[method-assign]
    await run_until(svc, clock, utc(2026, 3, 31, 12))
    assert [t.strftime("%d %H:%M") for t in sent_at] == ["28 02:30", "29 03:30", "30 02:30", "31 02:30"]


async def quiet_user(core: Core, time: str):  # type: ignore[no-untyped-def]
    """A finished user (WIB) with one 'respond' nudge at `time` and quiet hours 22:00-07:00; (nudge, store, service)."""
    from handlers.reminders.manage import reschedule_user

    user = await done_user(core)
    n = await only(core, user, "respond", times=[time])
    store = NudgeStore(core.storage)
    await store.update_settings(user.id, quiet_start="22:00", quiet_end="07:00")
    await reschedule_user(core.storage, user.id)
    return n, store, service(core)


async def test_quiet_hours_wait_for_their_end(core: Core, clock: FakeClock, recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 1, 5, 12))  # 19:00 WIB
    n, store, svc = await quiet_user(core, "23:00")
    clock.set(utc(2026, 1, 5, 16, 5))  # 23:05 WIB: the nominal time has passed, but it is quiet
    await svc.tick()
    assert recorder.sent == []
    clock.set(utc(2026, 1, 5, 23, 59))  # 06:59 WIB
    await svc.tick()
    assert recorder.sent == []
    clock.set(utc(2026, 1, 6, 0, 0))  # 07:00 WIB: quiet hours are over
    await svc.tick()
    assert len(recorder.sent) == 1
    row = await store.get(n.id)
    assert row is not None and row.skipped == 0
    assert S.from_ts(row.slot_at).astimezone(S.zone("Asia/Jakarta")).strftime("%d %H:%M") == "06 23:00"  # type: ignore[arg-type]


async def test_snooze_one_occurrence_keeps_the_series(core: Core, clock: FakeClock,
                                                     recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 1, 5, 0, 0))  # 07:00 WIB Monday
    user = await done_user(core)
    n = await only(core, user, "respond", times=["08:00", "19:00"])
    svc = service(core)
    clock.set(utc(2026, 1, 5, 1, 0))  # 08:00 WIB
    await svc.tick()
    assert len(recorder.sent) == 1
    msg = recorder.sent[0][1][0]
    values = [c.value for c in msg.choices if not c.value.startswith("dn:")]  # the Done button: tests/test_done.py
    assert len(values) == 3 and all(v.startswith("n:") and len(v.encode()) < 64 for v in values)
    out = await tap(core, user, next(v for v in values if v.endswith(":h")))
    assert out[0].key == "rem.snoozed" and "09:00" in out[0].text
    series_row = await store_get(core, n.id)
    assert S.from_ts(series_row.due_at).astimezone(S.zone("Asia/Jakarta")).strftime("%H:%M") == "19:00"  # type: ignore[arg-type]
    clock.set(utc(2026, 1, 5, 1, 59))
    await svc.tick()
    assert len(recorder.sent) == 1
    clock.set(utc(2026, 1, 5, 2, 0))  # 09:00 WIB: the snoozed copy, once
    await svc.tick()
    await svc.tick()
    assert len(recorder.sent) == 2
    clock.set(utc(2026, 1, 5, 12, 0))  # 19:00 WIB: the series goes on as before
    await svc.tick()
    assert len(recorder.sent) == 3
    # snooze "tomorrow" from the evening message: tomorrow at 19:00; the series still sends 08:00 and 19:00
    evening = recorder.sent[2][1][0]
    out = await tap(core, user, next(c.value for c in evening.choices if c.value.endswith(":d")))
    assert "19:00" in out[0].text
    clock.set(utc(2026, 1, 6, 1, 0))  # next day 08:00: the series
    await svc.tick()
    clock.set(utc(2026, 1, 6, 12, 0))  # next day 19:00: the series' 19:00 and the snoozed copy
    await svc.tick()
    assert len(recorder.sent[3:]) == 3
    # a forged snooze (someone else's nudge, or a slot never sent) is stale and changes nothing
    other = await done_user(core, uid="u2")
    forged = await tap(core, other, values[0])
    assert forged[0].key == "err.stale_button"
    future_slot = f"n:{n.id}:{S.to_ts(clock.now()) + 999999:x}:h"
    assert (await tap(core, user, future_slot))[0].key == "err.stale_button"


async def store_get(core: Core, nudge_id: int):  # type: ignore[no-untyped-def]
    row = await NudgeStore(core.storage).get(nudge_id)
    assert row is not None
    return row


async def test_restart_sends_overdue_inside_grace_once_and_skips_outside(db_path: str, clock: FakeClock) -> None:
    clock.set(utc(2026, 1, 5, 0, 0))  # 07:00 WIB
    core = Core(open_storage(db_path, clock=clock), clock=clock)
    await core.start()
    a = await done_user(core, uid="a")
    b = await done_user(core, uid="b")
    na = await only(core, a, "respond", times=["08:00"])
    nb = await only(core, b, "respond", times=["02:00"])  # 02:00 WIB tomorrow... set the clock accordingly
    await core.stop()
    # downtime: the process is down from 07:00 WIB until 11:00 WIB the next day
    clock.set(utc(2026, 1, 6, 4, 0))  # a's 08:00 WIB (01:00 UTC) today is 3 h late; b's 02:00 WIB is 9 h late
    core = Core(open_storage(db_path, clock=clock), clock=clock)
    await core.start()
    rec = RecordingAdapter()
    core.add_adapter(rec)
    svc = service(core, grace_hours=6)
    stats = await svc.tick()
    again = await svc.tick()
    assert [uid for uid, _ in rec.sent] == ["a"]  # once, not twice
    assert stats.skipped == 2 and again.sent == 0  # a's 08:00 of day one (27 h late), b's 02:00 (9 h late)
    row_a, row_b = await store_get(core, na.id), await store_get(core, nb.id)
    assert row_b.skipped == 1 and row_b.sent_count == 0
    assert row_a.sent_count == 1 and row_a.skipped == 1
    assert row_b.due_at > S.to_ts(clock.now()) and row_a.due_at > S.to_ts(clock.now())
    await core.stop()


class Crash(BaseException):
    """The process dies (not an Exception: nothing in the dispatcher catches it)."""


async def test_crash_between_send_and_mark_never_sends_twice(db_path: str, clock: FakeClock,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    clock.set(utc(2026, 1, 5, 0, 0))
    core = Core(open_storage(db_path, clock=clock), clock=clock)
    await core.start()
    rec = RecordingAdapter()
    core.add_adapter(rec)
    user = await done_user(core)
    n = await only(core, user, "respond", times=["08:00", "19:00"])
    svc = service(core)
    original = Dispatcher._move_on

    async def crash(self, due, *, sent_at, skipped=0):  # type: ignore[no-untyped-def]
        if sent_at is not None:
            raise Crash()
        await original(self, due, sent_at=sent_at, skipped=skipped)
    monkeypatch.setattr(Dispatcher, "_move_on", crash)
    clock.set(utc(2026, 1, 5, 1, 0))
    with pytest.raises(Crash):
        await svc.tick()
    assert len(rec.sent) == 1  # it went out, but was never marked sent
    row = await store_get(core, n.id)
    assert row.claimed_at is not None and row.attempts == 1
    await core.stop()
    monkeypatch.setattr(Dispatcher, "_move_on", original)
    # restart right away, and after the lease: the claimed nudge is not sent again
    core = Core(open_storage(db_path, clock=clock), clock=clock)
    await core.start()
    core.add_adapter(rec)
    svc = service(core)
    await svc.tick()
    assert len(rec.sent) == 1
    clock.advance(minutes=10)
    stats = await svc.tick()
    assert stats.unknown == 1 and len(rec.sent) == 1
    row = await store_get(core, n.id)
    assert row.claimed_at is None and row.skipped == 1
    clock.set(utc(2026, 1, 5, 12, 0))  # 19:00 WIB: the series carries on
    await svc.tick()
    assert len(rec.sent) == 2
    await core.stop()


async def test_blocked_user_pauses_until_they_write_again(core: Core, clock: FakeClock,
                                                          recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 1, 5, 0, 0))
    user = await done_user(core)
    await only(core, user, "respond", times=["08:00", "19:00"])
    svc = service(core)
    recorder.fail = UserUnreachable("blocked")
    clock.set(utc(2026, 1, 5, 1, 0))
    stats = await svc.tick()
    assert stats.unreachable == 1
    found = await core.storage.user_by_id(user.id)
    assert found is not None and not found.reachable
    recorder.fail = None
    for hour in (2, 12, 13):  # later ticks, the 19:00 slot included: nothing for a blocked user
        clock.set(utc(2026, 1, 5, hour, 0))
        await svc.tick()
    assert recorder.sent == []
    out = await cmd(core, user, "progress")  # the user writes again: reachable, nudges resume
    assert out[0].key == "reach.back"
    clock.set(utc(2026, 1, 5, 13, 30))
    await svc.tick()
    assert len(recorder.sent) == 1  # the 19:00 one, 30 min late: inside the grace window
    await svc.tick()
    assert len(recorder.sent) == 1


async def test_retry_later_and_other_failures_are_retried_not_lost(core: Core, clock: FakeClock,
                                                                   recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 1, 5, 0, 0))
    user = await done_user(core)
    n = await only(core, user, "respond", times=["08:00"])
    svc = service(core)
    core.limiter = RateLimiter({})
    recorder.fail = RetryLater(30)
    clock.set(utc(2026, 1, 5, 1, 0))
    assert (await svc.tick()).retried == 1
    row = await store_get(core, n.id)
    assert row.due_at == S.to_ts(clock.now()) + 30 and row.claimed_at is None
    recorder.fail = ConnectionError("network down")
    clock.advance(seconds=30)
    assert (await svc.tick()).retried == 1
    row = await store_get(core, n.id)
    assert row.due_at > S.to_ts(clock.now())
    recorder.fail = None
    clock.advance(minutes=5)
    assert (await svc.tick()).sent == 1
    assert len(recorder.sent) == 1


async def test_two_users_in_different_zones(core: Core, clock: FakeClock, recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 1, 5, 0, 0))
    jkt = await done_user(core, uid="jkt")
    ber = await done_user(core, uid="ber", tz="Europe/Berlin", lang="en")
    await only(core, jkt, "respond", times=["08:00"])
    await only(core, ber, "respond", times=["08:00"])
    svc = service(core)
    log: list[tuple[str, str]] = []
    for hour in range(1, 9):
        clock.set(utc(2026, 1, 5, hour, 0))
        await svc.tick()
        log.extend((uid, clock.now().strftime("%H:%M")) for uid, _ in recorder.sent[len(log):])
    assert log == [("jkt", "01:00"), ("ber", "07:00")]  # 08:00 WIB = 01:00 UTC; 08:00 CET = 07:00 UTC
    assert recorder.sent[0][1][0].lang == "id" and recorder.sent[1][1][0].lang == "en"


async def test_every_kind_renders_from_the_plan_with_snooze_buttons(core: Core, clock: FakeClock,
                                                                   recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 1, 1, 0, 0))  # Thursday 1 January: monthly too
    user = await done_user(core, lang="en")
    svc = service(core)
    await run_until(svc, clock, utc(2026, 1, 8, 0, 0), timedelta(hours=1))
    kinds = {m[0].key.split(".")[1] for _, m in recorder.sent}
    assert kinds == set(C.kinds())
    for _, (msg,) in recorder.sent:
        assert "{" not in msg.text and msg.text.strip()
        assert sum(c.value.startswith("n:") for c in msg.choices) == 3
        assert all(len(c.value.encode()) < 64 for c in msg.choices)
    respond = [m for _, (m,) in recorder.sent if m.key.split(".")[1] == "respond"]
    assert len(respond) == 7 * 2  # response target 12 h -> 08:00 and 19:00 every day
    post = [m for _, (m,) in recorder.sent if m.key.split(".")[1] == "post"]
    assert len(post) == 3 and all("Post idea for today" in m.text for m in post)  # Mon, Wed, Fri
    weekly = [m for _, (m,) in recorder.sent if m.key.split(".")[1] == "weekly"]
    assert len(weekly) == 1 and any(c.value.startswith("w:2026-W01:p:") for c in weekly[0].choices)
    monthly = [m for _, (m,) in recorder.sent if m.key.split(".")[1] == "monthly"]
    assert len(monthly) == 1 and ANSWERS["vision"] in monthly[0].text
    assert user.id


def test_ideas_do_not_repeat_the_last_ones_sent() -> None:
    recent: list[str] = []
    for i in range(30):
        got = C.pick_idea(ANSWERS, recent, f"seed{i}")
        assert got is not None
        idea, pillar = got
        assert pillar in ANSWERS["pillars"]
        assert idea.id not in recent[:C.NO_REPEAT]
        assert not idea.purposes or set(idea.purposes) & set(ANSWERS["purposes"])
        recent.insert(0, idea.id)


def test_pillar_themes_pick_themed_ideas() -> None:
    assert "music" in C.pillar_themes("Musik akustik")
    ids = {C.pick_idea({"pillars": ["resep kue"], "purposes": ["exist"]}, [], f"s{i}")[0].id  # type: ignore[index]
           for i in range(40)}
    assert "recipe" in ids and "song_story" not in ids


def test_nudge_and_idea_texts_exist_in_both_languages() -> None:
    cat = Catalog()
    for lang in LANGUAGES:
        for kind in C.kinds().values():
            assert cat.has(f"nudge.kind.{kind.id}", lang)
            for v in kind.variants:
                assert cat.has(f"nudge.{kind.id}.{v}", lang), (lang, kind.id, v)
        for idea in C.ideas():
            assert cat.has(f"idea.{idea.id}", lang), (lang, idea.id)
            assert placeholders(cat.messages[lang][f"idea.{idea.id}"]) <= C.IDEA_FILLS
    themes = C.themes()
    assert all(set(i.themes) <= set(themes) for i in C.ideas())


async def test_sliding_window_limiter_never_exceeds_thirty_in_any_second() -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter({"telegram": Limit(30, 1.02, 1, 1.05)}, monotonic=lambda: now[0], sleep=sleep)
    stamps: list[float] = []
    for i in range(300):
        await limiter.acquire("telegram", f"chat{i % 200}")
        stamps.append(now[0])
    for i, t in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s - t < 1.0) <= 30
    assert 300 / stamps[-1] >= 29  # and it still sustains 29+ messages a second
    same: list[float] = []
    for _ in range(3):  # one chat: at most one a second
        await limiter.acquire("telegram", "one")
        same.append(now[0])
    assert same[1] - same[0] >= 1.0 and same[2] - same[1] >= 1.0
    limiter.pause("telegram", 5)
    before = now[0]
    await limiter.acquire("telegram", "x")
    assert now[0] - before >= 5 - 1e-9


async def test_defaults_come_from_the_plan_and_the_tick_creates_missing_ones(core: Core, clock: FakeClock) -> None:
    from bot.storage import Flow
    user = await core.storage.get_or_create_user("fake", "late")
    for step, value in ANSWERS.items():
        await core.storage.save_answer(user.id, step, value)
    await core.storage.save_flow(Flow(user.id, "done", None, None, [], None))
    svc = service(core)
    stats = await svc.tick()
    assert stats.created == 1
    respond = await series(core, user, "respond")
    post = await series(core, user, "post")
    assert respond.times == ["08:00", "19:00"] and post.days == [0, 2, 4]
    assert (await svc.tick()).created == 0


async def test_delete_erases_nudges_and_checkins(core: Core) -> None:
    user = await done_user(core)
    await NudgeStore(core.storage).save_checkin(user.id, "2026-W01", posts="1-2")
    await core.storage.delete_user(user.id)
    for table in ("nudges", "nudge_settings", "checkins", "idea_log"):
        assert (await core.storage.fetch_one(f"SELECT count(*) FROM {table}"))[0] == 0, table


async def test_service_runs_one_interval_job(core: Core) -> None:
    svc = service(core)
    await svc.start()
    try:
        assert svc.scheduler is not None
        jobs = svc.scheduler.get_jobs()
        assert len(jobs) == 1 and jobs[0].id == "nudge-tick"
    finally:
        await svc.stop()


async def test_a_retry_that_falls_in_quiet_hours_waits_for_their_end(core: Core, clock: FakeClock,
                                                                     recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 1, 5, 14, 0))  # 21:00 WIB
    n, store, svc = await quiet_user(core, "21:50")
    clock.set(utc(2026, 1, 5, 14, 50))  # 21:50 WIB: due, but the platform says wait
    recorder.fail = RetryLater(after=30 * 60)
    await svc.tick()
    assert recorder.sent == []
    recorder.fail = None
    clock.set(utc(2026, 1, 5, 15, 25))  # 22:25 WIB: the retry is due, but it is quiet now
    stats = await svc.tick()
    assert recorder.sent == [] and stats.deferred == 1
    row = await store.get(n.id)
    assert row is not None and S.from_ts(row.due_at).astimezone(S.zone("Asia/Jakarta")).strftime("%H:%M") == "07:00"  # type: ignore[arg-type]
    # 07:00 WIB: 9 h after its slot, but it was inside the grace window when quiet hours deferred it, so its
    # lateness counts from the deferred time: sent once now, not skipped (issue 11)
    clock.set(utc(2026, 1, 6, 0, 0))
    await svc.tick()
    await svc.tick()
    assert len(recorder.sent) == 1
    row = await store.get(n.id)
    assert row is not None and row.skipped == 0 and row.sent_count == 1
    assert S.from_ts(row.due_at).astimezone(S.zone("Asia/Jakarta")).strftime("%d %H:%M") == "06 21:50"  # type: ignore[arg-type]


def test_pillar_themes_match_whole_words_not_fragments() -> None:
    assert C.pillar_themes("Kuliner Bandung") == {"food"}      # not music ("band")
    assert "public" not in C.pillar_themes("Desain grafis")    # not "desa"
    assert "music" not in C.pillar_themes("kesehatan gigi")     # not "gig"
    assert "music" in C.pillar_themes("lagunya sendiri") and "food" in C.pillar_themes("masakan rumahan")
