"""The 30-day content calendar: pure entries, /calendar, the .ics round trip through icalendar, the plan section."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar

from bot.clock import FakeClock
from bot.core import Core
from handlers.calendar import calendar_settings
from handlers.calendar.build import CalendarSettings, build_calendar
from handlers.plan import posting as P
from handlers.reminders import content as NC
from handlers.reminders.store import NudgeStore
from nudge_helpers import ANSWERS, cmd, done_user, keys, tap


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_thirty_days_of_posts_on_the_posting_days_without_repeated_ideas() -> None:
    for cadence, per_week in (("7", 7), ("5", 5), ("3", 3), ("1", 1)):
        answers = {**ANSWERS, "cadence": cadence, "focus_platforms": ["instagram", "tiktok", "youtube"],
                   "formats": ["short_video", "photo", "long_video"]}
        settings = calendar_settings(answers, "Asia/Jakarta", {}, None, "seed")
        start = date(2026, 1, 5)  # a Monday
        entries = build_calendar(answers, settings, start)
        posts = [e for e in entries if e.kind == "post"]
        assert {e.day for e in entries} <= {start + timedelta(days=n) for n in range(30)}
        days = set(NC.plan_table("posting_days", answers))
        assert len(days) == per_week
        assert [e.day for e in posts] == [start + timedelta(days=n) for n in range(30)
                                          if (start + timedelta(days=n)).weekday() in days]
        assert posts[0].opening and not posts[0].idea  # week 1 opens with the introduction
        ideas = [e.idea for e in posts[1:]]
        assert all(ideas) and len(set(ideas)) == len(ideas), cadence
        assert {e.pillar for e in posts} == set(answers["pillars"]) or len(posts) < 3
        for e in posts[1:]:
            idea = next(i for i in NC.ideas() if i.id == e.idea)
            assert not idea.themes or set(idea.themes) & NC.pillar_themes(e.pillar)  # matched to the pillar
            assert e.platform in answers["focus_platforms"]
            if e.format == "long_video":
                assert e.platform == "youtube"
        replies = [e for e in entries if e.kind == "reply"]
        assert len(replies) == 30 * len(settings.reply_times)


def test_the_calendar_of_a_day_stays_the_same_from_one_day_to_the_next() -> None:
    settings = CalendarSettings(post_days=(0, 2, 4), reply_times=("19:00",), anchor=date(2026, 1, 1), seed="u1")
    a = build_calendar(ANSWERS, settings, date(2026, 1, 10))
    b = build_calendar(ANSWERS, settings, date(2026, 1, 12))
    overlap = [e for e in a if e.day >= date(2026, 1, 12)]
    assert overlap and overlap == [e for e in b if e.day < date(2026, 2, 9)]


def test_the_users_reminder_times_and_zone_drive_the_calendar() -> None:
    settings = calendar_settings(ANSWERS, "Asia/Makassar", {"post": (["07:30"], [1, 3]), "respond": (["09:00"], [])},
                                 None, "x")
    entries = build_calendar(ANSWERS, settings, date(2026, 1, 5))
    assert {e.time for e in entries if e.kind == "post"} == {"07:30"}
    assert {e.day.weekday() for e in entries if e.kind == "post"} == {1, 3}
    assert {e.time for e in entries if e.kind == "reply"} == {"09:00"}


async def test_calendar_command_and_ics_round_trip(core: Core, clock: FakeClock) -> None:
    clock.set(utc(2026, 1, 14, 3, 0))  # Wednesday 11:00 in Makassar (WITA)
    user = await done_user(core, lang="en", tz="Asia/Makassar")
    out = await cmd(core, user, "calendar")
    assert keys(out) == ["cal.title"] and "This week" in out[0].text and "Next week" in out[0].text
    assert "Wednesday 14/01" in out[0].text and "Monday 19/01" in out[0].text and "Monday 12/01" not in out[0].text
    assert [c.value for c in out[0].choices][:1] == ["cal:ics"]
    out = await tap(core, user, "cal:ics")
    assert keys(out) == ["cal.file_caption"] and out[0].file is not None
    assert out[0].file.name.endswith(".ics") and out[0].file.mime == "text/calendar"
    cal = icalendar.Calendar.from_ical(out[0].file.data)
    events = list(cal.walk("VEVENT"))
    posts = [e for e in events if "RRULE" not in e]
    replies = [e for e in events if "RRULE" in e]
    assert len(posts) == 13  # Mon/Wed/Fri over 30 days from a Wednesday
    zone = ZoneInfo("Asia/Makassar")
    starts = [e.decoded("DTSTART") for e in posts]
    assert all(s.tzinfo is not None and s.utcoffset() == timedelta(hours=8) for s in starts)
    when = P.decide(ANSWERS, "Asia/Makassar", date(2026, 1, 14))  # the one posting schedule
    assert {s.astimezone(zone).strftime("%H:%M") for s in starts} == {when.time}
    assert min(s.date() for s in starts) == date(2026, 1, 14) and max(s.date() for s in starts) <= date(2026, 2, 12)
    assert {r["RRULE"]["COUNT"][0] for r in replies} == {30}
    assert sorted(r.decoded("DTSTART").astimezone(zone).strftime("%H:%M") for r in replies) == ["08:00", "19:00"]
    assert any(c.get("TZID") == "Asia/Makassar" for c in cal.walk("VTIMEZONE"))
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert all(str(e["SUMMARY"]) and str(e.get("DESCRIPTION", "")) for e in events)
    same = await cmd(core, user, "calendar", "ics")
    assert same[0].file is not None and same[0].file.data == out[0].file.data


async def test_a_fixed_offset_zone_is_written_in_utc(core: Core, clock: FakeClock) -> None:
    clock.set(utc(2026, 1, 14, 3, 0))
    user = await done_user(core, lang="id", tz="UTC+05:30")
    out = await tap(core, user, "cal:ics")
    cal = icalendar.Calendar.from_ical(out[0].file.data)  # type: ignore[union-attr]
    starts = [e.decoded("DTSTART") for e in cal.walk("VEVENT") if "RRULE" not in e]
    assert starts and {s.utcoffset() for s in starts} == {timedelta(0)}
    assert {s.astimezone(timezone(timedelta(hours=5, minutes=30))).strftime("%H:%M") for s in starts} \
        == {P.decide(ANSWERS, "UTC+05:30", date(2026, 1, 14)).time}


async def test_calendar_needs_a_plan_and_weeks_buttons(core: Core, clock: FakeClock) -> None:
    newcomer = await core.storage.get_or_create_user("fake", "new")
    assert keys(await cmd(core, newcomer, "calendar")) == ["cal.need_plan"]
    assert keys(await tap(core, newcomer, "cal:ics")) == ["err.stale_button"]
    user = await done_user(core, lang="id")
    out = await tap(core, user, "cal:w:2")
    assert keys(out) == ["cal.title"] and "Minggu mulai" in out[0].text
    assert keys(await tap(core, user, "cal:w:9")) == ["err.stale_button"]


async def test_custom_reminder_days_show_in_the_calendar(core: Core, clock: FakeClock) -> None:
    clock.set(utc(2026, 1, 12, 1, 0))  # Monday
    user = await done_user(core, lang="en")
    store = NudgeStore(core.storage)
    post = next(n for n in await store.series(user.id) if n.kind == "post")
    await store.update(post.id, times=["20:15"], days=[5, 6], custom=True)
    out = await cmd(core, user, "calendar")
    assert "Saturday 17/01 20:15" in out[0].text and "Monday 12/01" not in out[0].text


async def test_the_plan_has_a_calendar_section(core: Core, clock: FakeClock) -> None:
    user = await done_user(core, lang="en")
    out = await cmd(core, user, "plan")
    assert "Content calendar: your first week" in out[0].text and "/calendar" in out[0].text
    md = next(m for m in out if m.file is not None)
    assert md.file is not None and b"Content calendar" in md.file.data


async def test_each_calendar_line_names_its_pillar_once(core: Core, clock: FakeClock) -> None:
    """The idea quotes the pillar ("about “GRWM kuliah”"), so the line does not say it again before it; a pillar
    too long to quote (the idea reads "this theme") is still named once, before the idea; the introduction that
    opens week 1 carries no pillar label."""
    clock.set(utc(2026, 1, 12, 1, 0))  # Monday
    long = "cerita keseharian musisi indie di Surabaya yang manggung tiap akhir pekan"
    for lang in ("id", "en"):
        user = await done_user(core, uid=f"once-{lang}", lang=lang,
                               answers={**ANSWERS, "pillars": ["GRWM kuliah", long], "cadence": "7"})
        text = (await cmd(core, user, "calendar"))[0].text
        lines = [line for line in text.splitlines() if line.startswith("• ") and " · " in line]
        assert len(lines) >= 7
        for line in lines:
            assert line.count("GRWM kuliah") <= 1 and line.count(long) <= 1, line
        assert sum("GRWM kuliah" in line for line in lines) >= 2 and any(long in line for line in lines)
        assert not any(p in lines[0] for p in ("GRWM kuliah", long)), lines[0]  # the introduction


async def test_an_idea_right_after_the_dot_starts_with_a_capital(core: Core, clock: FakeClock) -> None:
    """'… · Video · Tanya satu pertanyaan tentang “GRWM kuliah”…', not '· tanya …'; after 'pillar:' it stays."""
    clock.set(utc(2026, 1, 12, 1, 0))  # Monday
    pillars = ["GRWM kuliah", "musik akustik"]
    for lang in ("id", "en"):
        user = await done_user(core, uid=f"cap-{lang}", lang=lang, answers={**ANSWERS, "pillars": pillars, "cadence": "7"})
        text = (await cmd(core, user, "calendar"))[0].text
        ideas = [line.rsplit(" · ", 1)[1] for line in text.splitlines() if line.startswith("• ") and " · " in line]
        after_dot = [i for i in ideas if not any(i.startswith(f"{p}:") for p in pillars)]
        assert len(after_dot) >= 2, ideas
        for idea in after_dot:
            first = next(c for c in idea if c.isalpha())
            assert first.isupper(), idea
