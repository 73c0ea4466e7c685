"""Done buttons on daily nudges (posted / replied): stored per day, counted in /progress with a day streak."""
from __future__ import annotations

from datetime import date, datetime, timezone

from bot.clock import FakeClock
from bot.core import Core
from conftest import RecordingAdapter
from handlers.reminders.done import day_streak
from nudge_helpers import cmd, done_user, keys, only, service, tap

BACKENDS = ("sqlite", "postgresql")  # the Done taps' table (0007_nudge_done) on both backends


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


async def _nudge(core: Core, recorder: RecordingAdapter, clock: FakeClock, user_kind: str, at: datetime):
    clock.set(at)
    await service(core).tick()
    return next(m for _, (m,) in recorder.sent if m.key.split(".")[1] == user_kind)


async def test_post_and_reply_nudges_carry_a_done_button_that_counts(core: Core, clock: FakeClock,
                                                                       recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 1, 11, 20, 0))  # Monday 03:00 WIB
    user = await done_user(core, lang="en")
    await only(core, user, "post", times=["09:00"], days=[0, 1, 2, 3, 4, 5, 6])
    post = await _nudge(core, recorder, clock, "post", utc(2026, 1, 12, 2, 0))  # Monday 09:00 WIB
    done = [c for c in post.choices if c.value.startswith("dn:")]
    assert [c.value for c in done] == ["dn:posted:20260112"] and done[0].label == "✅ Posted"
    assert any(c.value.startswith("n:") for c in post.choices)  # snooze stays
    out = await tap(core, user, "dn:posted:20260112")
    assert keys(out) == ["done.saved_posted", "common.answered"] and "1 days" in out[0].text
    assert keys(await tap(core, user, "dn:posted:20260112"))[0] == "done.saved_posted"  # once per day
    clock.set(utc(2026, 1, 13, 3, 0))  # Tuesday
    await tap(core, user, "dn:posted:20260113")
    await tap(core, user, "dn:replied:20260113")
    out = await cmd(core, user, "progress")
    assert "posted on 2 days, replied on 1 days" in out[0].text and "2 days in a row" in out[0].text
    rows = (await core.storage.export_user(user.id))["nudge_done"]
    assert sorted((r["day"], r["kind"]) for r in rows) == [("2026-01-12", "posted"), ("2026-01-13", "posted"),
                                                           ("2026-01-13", "replied")]


async def test_respond_nudges_have_a_replied_button(core: Core, clock: FakeClock, recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 1, 11, 20, 0))
    user = await done_user(core, lang="id")
    await only(core, user, "respond", times=["08:00"])
    msg = await _nudge(core, recorder, clock, "respond", utc(2026, 1, 12, 1, 0))
    assert [c.value for c in msg.choices if c.value.startswith("dn:")] == ["dn:replied:20260112"]


async def test_old_future_or_forged_done_taps_are_stale(core: Core, clock: FakeClock) -> None:
    clock.set(utc(2026, 1, 14, 3, 0))
    user = await done_user(core, lang="en")
    for forged in ("dn:posted:20260110", "dn:posted:20260115", "dn:cooked:20260114", "dn:posted:2026011",
                   "dn:posted:20261340"):
        assert keys(await tap(core, user, forged)) == ["err.stale_button"], forged
    assert keys(await tap(core, user, "dn:replied:20260112"))[0] == "done.saved_replied"  # two days late is fine


def test_day_streak() -> None:
    days = {date(2026, 1, d) for d in (5, 6, 7, 9, 10)}
    assert day_streak(days, date(2026, 1, 10)) == 2
    assert day_streak(days, date(2026, 1, 11)) == 2  # today not done yet
    assert day_streak(days, date(2026, 1, 12)) == 0
