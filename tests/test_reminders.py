"""/reminders, snooze and weekly check-in buttons, typed settings, /progress and the streak."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.clock import FakeClock
from bot.core import Core
from handlers.reminders import schedule as S
from handlers.reminders.store import NudgeStore
from conftest import ANSWERS_ID, RecordingAdapter
from handlers.reminders.commands import streak
from nudge_helpers import cmd, done_user, keys, say, series, service, tap


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


async def test_reminders_needs_a_finished_plan(core: Core) -> None:
    user = await core.storage.get_or_create_user("fake", "new")
    assert keys(await cmd(core, user, "reminders")) == ["rem.need_plan"]


async def test_finishing_the_plan_creates_the_default_nudges(core: Core, tmp_path: Path) -> None:
    console = ConsoleAdapter(core, user_id="sari", stdin=io.StringIO("".join(line + "\n" for line in ANSWERS_ID)),
                             stdout=io.StringIO(), files_dir=str(tmp_path))
    await console.listen()
    user = await core.storage.find_user("console", "sari")
    assert user is not None
    kinds = {n.kind: n for n in await NudgeStore(core.storage).series(user.id)}
    assert set(kinds) == {"respond", "post", "weekly", "reputation", "monthly"}
    assert kinds["respond"].times == ["09:00", "12:00", "15:00", "18:00", "21:00"]  # 3-hour target
    assert kinds["post"].days == [0, 2, 4] and all(n.active for n in kinds.values())  # 3 posts a week


async def test_main_menu_zone_buttons_and_typed_zone(core: Core, clock: FakeClock) -> None:
    user = await done_user(core, lang="en")
    out = await cmd(core, user, "reminders")
    assert out[0].key == "rem.title" and "WIB (Asia/Jakarta)" in out[0].text
    values = [c.value for c in out[0].choices]
    assert {"r:k:respond", "r:k:post", "r:k:weekly", "r:k:monthly", "r:z", "r:q", "r:p:1", "r:s"} <= set(values)
    assert all(len(v.encode()) < 64 for v in values)
    out = await tap(core, user, "r:z")
    assert {"r:z:WIB", "r:z:WITA", "r:z:WIT", "r:z:type"} <= {c.value for c in out[0].choices}
    before = (await series(core, user, "respond")).due_at
    out = await tap(core, user, "r:z:WIT")
    assert out[0].key == "rem.zone_set" and "Asia/Jayapura" in out[0].text
    assert (await series(core, user, "respond")).due_at != before
    await tap(core, user, "r:z:type")
    out = await say(core, user, "europe/berlin")
    assert out[0].key == "rem.zone_set"
    settings = await NudgeStore(core.storage).get_settings(user.id)
    assert settings is not None and settings.tz == "Europe/Berlin"
    await tap(core, user, "r:z:type")
    assert keys(await say(core, user, "UTC+8")) == ["rem.zone_set"]
    await tap(core, user, "r:z:type")
    out = await say(core, user, "Narnia/Cair Paravel")
    assert keys(out) == ["rem.bad_zone"] and "Narnia/Cair Paravel" in out[0].text and len(out[0].text) > 40
    # the question stays open after a mistake: the next try is read as a zone
    assert keys(await say(core, user, "Asia/Jakarta")) == ["rem.zone_set"]
    # nothing awaited any more: text goes back to the usual handler
    assert keys(await say(core, user, "Asia/Jakarta")) == ["plan.ready_menu"]


async def test_kind_on_off_times_and_default(core: Core) -> None:
    user = await done_user(core)
    out = await tap(core, user, "r:k:respond")
    assert out[0].key == "rem.kind_title" and "08:00, 19:00" in out[0].text
    await tap(core, user, "r:t:respond")
    assert keys(await say(core, user, "7.30, 21:00")) == ["rem.times_set"]
    n = await series(core, user, "respond")
    assert n.times == ["07:30", "21:00"] and n.custom
    await tap(core, user, "r:t:respond")
    assert keys(await say(core, user, "jam tujuh")) == ["rem.bad_times"]
    await tap(core, user, "r:d:respond")
    n = await series(core, user, "respond")
    assert n.times == ["08:00", "19:00"] and not n.custom
    await tap(core, user, "r:o:post:0")
    post = await series(core, user, "post")
    assert not post.enabled and not post.active
    await tap(core, user, "r:o:post:1")
    assert (await series(core, user, "post")).active
    for forged in ("r:o:nope:1", "r:k:", "r:o:post:2", "r:zz", "r:z:MARS", "r:q:0000-2400"):
        assert keys(await tap(core, user, forged)) == ["err.stale_button"], forged


async def test_quiet_hours_pause_resume_stop_and_all_on(core: Core, clock: FakeClock,
                                                        recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 1, 5, 0, 0))
    user = await done_user(core)
    await tap(core, user, "r:q:2200-0700")
    settings = await NudgeStore(core.storage).get_settings(user.id)
    assert settings is not None and (settings.quiet_start, settings.quiet_end) == ("22:00", "07:00")
    await tap(core, user, "r:q:type")
    assert keys(await say(core, user, "23-6")) == ["rem.quiet_set"]
    assert keys(await tap(core, user, "r:q:off")) == ["rem.quiet_cleared"]
    assert keys(await tap(core, user, "r:p:1")) == ["rem.paused"]
    assert not any(n.active for n in await NudgeStore(core.storage).series(user.id))
    svc = service(core)
    clock.set(utc(2026, 1, 5, 1, 0))  # 08:00 WIB
    await svc.tick()
    assert recorder.sent == []
    assert keys(await tap(core, user, "r:p:0")) == ["rem.resumed"]
    clock.set(utc(2026, 1, 5, 12, 0))  # 19:00 WIB: from the next scheduled time, no backlog
    await svc.tick()
    assert len(recorder.sent) == 1
    assert keys(await tap(core, user, "r:s")) == ["rem.confirm_stop"]
    assert keys(await tap(core, user, "r:s:yes")) == ["rem.stopped"]
    assert not any(n.enabled or n.active for n in await NudgeStore(core.storage).series(user.id))
    out = await tap(core, user, "r:a")
    assert out[0].key == "rem.all_on"
    assert all(n.enabled and n.active for n in await NudgeStore(core.storage).series(user.id))


async def test_weekly_check_in_stores_answers_and_counts_a_streak(core: Core, clock: FakeClock,
                                                                  recorder: RecordingAdapter) -> None:
    core.add_adapter(recorder)
    clock.set(utc(2026, 1, 11, 11, 0))  # Sunday 18:00 WIB
    user = await done_user(core, lang="en")
    store = NudgeStore(core.storage)
    await store.save_checkin(user.id, "2025-W52", posts="3-4", on_time=1)
    await store.save_checkin(user.id, "2026-W01", posts="1-2", on_time=0)
    clock.set(utc(2026, 1, 11, 12, 0))  # 19:00 WIB: the weekly review
    await service(core).tick()
    weekly = next(m for _, (m,) in recorder.sent if m.key.split(".")[1] == "weekly")
    posts = [c.value for c in weekly.choices if c.value.startswith("w:")]
    assert posts == ["w:2026-W02:p:0", "w:2026-W02:p:1-2", "w:2026-W02:p:3-4", "w:2026-W02:p:5+"]
    out = await tap(core, user, "w:2026-W02:p:3-4")
    assert [c.value for c in out[0].choices] == ["w:2026-W02:r:1", "w:2026-W02:r:0"]
    out = await tap(core, user, "w:2026-W02:r:1")
    assert out[0].key == "checkin.ask_win"
    out = await say(core, user, "A new song passed 1,000 listeners")
    assert out[0].key == "checkin.saved" and "3 weeks" in out[0].text
    rows = await store.checkins(user.id)
    assert rows[0] == {"week": "2026-W02", "posts": "3-4", "on_time": 1, "win": "A new song passed 1,000 listeners"}
    out = await cmd(core, user, "progress")
    assert "Streak: 3 weeks" in out[0].text and "2026-W02" in out[0].text and "1,000 listeners" in out[0].text
    # old or forged check-in buttons are stale
    for forged in ("w:2025-W40:p:0", "w:2026-W02:p:9", "w:nope:p:0", "w:2026-W02:r:maybe"):
        assert keys(await tap(core, user, forged)) == ["err.stale_button"], forged


def test_streak_counts_weeks_in_a_row_with_posts() -> None:
    rows = [{"week": "2026-W03", "posts": "1-2"}, {"week": "2026-W02", "posts": "0"},
            {"week": "2026-W01", "posts": "5+"}, {"week": "2025-W52", "posts": "5+"}]
    assert streak(rows, "2026-W03") == 1
    assert streak(rows, "2026-W04") == 1  # this week not checked in yet: counts from last week
    assert streak(rows[2:], "2026-W02") == 2  # across the year boundary
    assert streak([], "2026-W02") == 0


async def test_progress_without_check_ins_says_when_the_review_comes(core: Core) -> None:
    user = await done_user(core, lang="en")
    out = await cmd(core, user, "progress")
    assert "No weekly check-ins yet" in out[0].text and "Sunday at 19:00" in out[0].text


async def test_awaited_input_never_swallows_a_questionnaire_answer(core: Core) -> None:
    user = await done_user(core)
    await tap(core, user, "r:t:respond")
    await cmd(core, user, "edit", "name")  # back in the questionnaire
    out = await say(core, user, "Sari Baru")
    assert "rem.times_set" not in keys(out) and "rem.bad_times" not in keys(out)
    assert (await core.storage.answers(user.id))["name"] == "Sari Baru"


def test_zone_label_aliases() -> None:
    assert S.parse_zone("WIB") == "Asia/Jakarta"


async def test_reset_holds_the_nudges_until_the_new_plan_is_confirmed(core: Core, tmp_path: Path) -> None:
    lines = ANSWERS_ID + ["/reset"]
    console = ConsoleAdapter(core, user_id="sari", stdin=io.StringIO("".join(line + "\n" for line in lines) + "1\n"),
                             stdout=io.StringIO(), files_dir=str(tmp_path))
    await console.listen()
    user = await core.storage.find_user("console", "sari")
    assert user is not None and await core.storage.answers(user.id) == {}
    store = NudgeStore(core.storage)
    assert not any(n.active for n in await store.series(user.id))  # no nudge speaks from an erased plan
    again = ConsoleAdapter(core, user_id="sari", stdin=io.StringIO("".join(line + "\n" for line in ANSWERS_ID)),
                           stdout=io.StringIO(), files_dir=str(tmp_path), auto_start=False)
    await again.listen()
    assert all(n.active for n in await store.series(user.id))
    assert (await store.get_settings(user.id)) is not None  # the settings (zone, quiet hours) stayed


async def test_one_text_message_reads_the_reminder_settings_once(core: Core, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    user = await done_user(core)
    calls = []
    real = NudgeStore.get_settings

    async def counting(self, user_id):  # type: ignore[no-untyped-def]
        calls.append(user_id)
        return await real(self, user_id)

    monkeypatch.setattr(NudgeStore, "get_settings", counting)
    await say(core, user, "halo, apa kabar semuanya hari ini")
    assert len(calls) <= 1  # language evidence and the text handler never read the settings twice
