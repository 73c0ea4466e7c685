"""One posting schedule (handlers/plan/posting.py): the plan's text, the card, the calendar, its .ics file, the "post"
reminders and /progress's target say the same weekly count, days and time, over generated answers; the calendar
opens with an introduction, keeps recaps for after a month and pairs every format with a platform that carries it;
the time follows the audience's routine in the audience's zone."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import icalendar
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.core import Core
from bot.i18n import LANGUAGES, Catalog
from handlers import carry
from handlers import steps as S
from handlers.calendar import calendar_settings
from handlers.calendar.build import KIND_POST, Entry, build_calendar
from handlers.calendar.ics import build_ics
from handlers.pictures.card import card_facts
from handlers.plan import budget as B
from handlers.plan import build_plan
from handlers.plan import posting as P
from handlers.plan.build import Schedule
from handlers.reminders import content as NC
from handlers.reminders.store import NudgeStore
from nudge_helpers import ANSWERS, cmd, done_user, tap

CATALOG = Catalog()
STEPS = {s.id: s for s in S.all_steps()}
ZONES = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Berlin", "America/New_York", "UTC+05:30"]
_, ROUTINES = P.content()
AUDIENCE_WORDS = sorted({w for r in ROUTINES.values() for w in r.words}) + ["semua orang", "komunitas musik indie"]
PLACES = [None, "Eropa", "Jepang", "London", "Surabaya", "Bali", "sama", "New York"]


def tr(lang: str) -> Callable[..., str]:
    return lambda key, **p: CATALOG.t(lang, key, **p)


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], str, date, tuple[int, ...] | None, tuple[str, ...] | None]:
    """Answers to every applicable step (options drawn from the content, audience words from content/posting.toml),
    the user's zone, a day, and sometimes their own reminder days and time."""
    answers: dict[str, Any] = {}
    for step in S.all_steps():
        if not S.applies(step, answers):
            continue
        if step.id == "audience_place":
            answers[step.id] = draw(st.sampled_from(PLACES))
        elif step.id == "segments":
            answers[step.id] = draw(st.lists(st.sampled_from(AUDIENCE_WORDS), min_size=1, max_size=3, unique=True))
        elif step.options_from:
            answers[step.id] = draw(st.sampled_from(answers[step.options_from]))
        elif step.kind == "choice":
            answers[step.id] = draw(st.sampled_from(step.options))
        elif step.kind == "multi":
            pool = [o for o in step.options if o not in step.exclusive]
            answers[step.id] = draw(st.lists(st.sampled_from(pool), min_size=max(1, step.min_items), max_size=4,
                                             unique=True))
        elif step.kind == "list":
            answers[step.id] = draw(st.lists(st.sampled_from(["musik akustik", "resep rumahan", "tips kuliah",
                                                              "kabar desa", "yoga pagi", "review produk lokal"]),
                                             min_size=max(1, step.min_items), max_size=5, unique=True))
        else:
            answers[step.id] = draw(st.sampled_from(["pas jam kantor", "Manggung di kafe tiap bulan",
                                                     "Saya ingin berbagi cerita jujur setiap minggu"]))
    zone = draw(st.sampled_from(ZONES))
    on = date(2026, 1, 5) + timedelta(days=draw(st.integers(0, 364)))
    own = draw(st.booleans())
    days = tuple(sorted(draw(st.sets(st.integers(0, 6), min_size=1)))) if own else None
    times = (f"{draw(st.integers(6, 22)):02d}:{draw(st.sampled_from(['00', '30']))}",) if own and draw(
        st.booleans()) else None
    return answers, zone, on, days, times


def weeks_of(entries: list[Entry], monday: date, weeks: int) -> list[list[Entry]]:
    posts = [e for e in entries if e.kind == KIND_POST]
    return [[e for e in posts if monday + timedelta(weeks=w) <= e.day < monday + timedelta(weeks=w + 1)]
            for w in range(weeks)]


def ics_posts(entries: list[Entry], zone: str) -> list[tuple[date, str]]:
    data = build_ics(entries, zone, lambda e: ("post", "idea"), stamp=datetime(2026, 1, 1, tzinfo=timezone.utc),
                     uid_seed="u", name="cal")
    tz = P._tz(zone)
    out = []
    for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        if "-post-" in str(event["UID"]):
            local = event.decoded("DTSTART").astimezone(tz)
            out.append((local.date(), local.strftime("%H:%M")))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_one_weekly_count_one_set_of_days_and_one_time_everywhere(
        case: tuple[dict[str, Any], str, date, tuple[int, ...] | None, tuple[str, ...] | None]) -> None:
    answers, zone, on, own_days, own_times = case
    when = P.decide(answers, zone, on, own_days, own_times)
    assert when.posts == len(when.days) >= 1 and re.fullmatch(r"\d\d:\d\d", when.time)
    if own_days:
        assert when.days == own_days
    if own_times:
        assert when.time == own_times[0]
    for lang in LANGUAGES:
        t = tr(lang)
        # the plan's text
        lines = [line for sec in build_plan(answers, t, Schedule(None, own_days, own_times, zone, on))
                 for line in sec.lines]
        cadence = t("plan.cadence", posts_text=P.how_often(when, t), days=P.days_text(when.days, t),
                    post_time=when.time, post_zone=P.zone_label(zone))
        assert cadence in lines, (cadence, lines)
        assert P.why_line(when, t) in lines
        # the card
        facts = card_facts(B.kept_answers(answers), t, when)
        assert P.summary(when, t) in facts.cadence and when.time in facts.cadence
        # /progress's target line
        target = t("posting.target", often=P.how_often(when, t), days=P.days_text(when.days, t))
        assert str(when.posts) in target or when.posts == 7
    # the "post" reminders the plan sets up (the user's own days and time are theirs already)
    post_kind = next(k for k in NC.kinds().values() if k.days_from == "cadence")
    if not own_days and not own_times:
        assert NC.default_schedule(post_kind, answers, zone, on)[:2] == ([when.time], list(when.days))
    # the calendar and its .ics file: four whole weeks from the Monday after `on`
    series = {"post": (list(own_times or []), list(own_days or []))}
    cal = calendar_settings(answers, zone, series, on, "seed", on)
    monday = on + timedelta(days=7 - on.weekday())
    entries = build_calendar(answers, cal, monday, 28)
    for week in weeks_of(entries, monday, 4):
        assert len(week) == when.posts and {e.day.weekday() for e in week} == set(when.days)
        assert {e.time for e in week} == {when.time}
    posted = ics_posts(entries, zone)
    assert sorted(posted) == sorted((e.day, e.time) for e in entries if e.kind == KIND_POST)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_calendar_starts_like_a_person_would(
        case: tuple[dict[str, Any], str, date, tuple[int, ...] | None, tuple[str, ...] | None]) -> None:
    """Week 1 opens with an introduction, no recap in the first four weeks, no impossible platform x format pair."""
    answers, zone, on, own_days, own_times = case
    cal = calendar_settings(answers, zone, {"post": (list(own_times or []), list(own_days or []))}, on, "s", on)
    entries = build_calendar(answers, cal, on, 60)
    posts = [e for e in entries if e.kind == KIND_POST]
    assert posts and posts[0].opening and (posts[0].day - on).days < 7 and not any(e.opening for e in posts[1:])
    if posts[0].opening != "none":  # pinned: on a platform that pins
        assert posts[0].platform in (P.load_content("calendar").get("pin") or {})
    later = (P.load_content("calendar").get("opening") or {}).get("later_ideas") or {}
    for e in posts:
        assert e.idea not in later or (e.day - posts[0].day).days >= int(later[e.idea]) >= 28
        if e.platform:
            assert carry.carries(e.platform, e.format), e
            for lang in LANGUAGES:  # a format whose label names a platform ("(YouTube)") goes only there
                label = CATALOG.t(lang, f"opt.formats.{e.format}")
                named = [p for p in STEPS["focus_platforms"].options
                         if f"({CATALOG.t(lang, f'opt.focus_platforms.{p}')})" in label]
                assert not named or e.platform in named, (e, label)


# ---- the audience's clock and routine --------------------------------------------------------------------------

BASE = {**ANSWERS, "cadence": "5", "daily_minutes": "60", "response_time": "24"}


def test_a_teacher_in_bali_with_an_audience_in_europe_does_not_post_at_two_in_the_morning_there() -> None:
    answers = {**BASE, "role": "professional", "segments": ["wisatawan Eropa", "peserta retreat yoga"],
               "priority_segment": "peserta retreat yoga", "audience_place": "Eropa"}
    when = P.decide(answers, "Asia/Makassar", date(2026, 1, 15))
    there, _ = P.convert(when.time, "Asia/Makassar", "Europe/Berlin", date(2026, 1, 15))
    assert "08:00" <= there <= "22:00" and "06:00" <= when.time <= "22:00" and when.time != "09:00"
    assert when.audience_zone == "Europe/Berlin" and when.audience_time == there
    for lang in LANGUAGES:
        line = P.why_line(when, tr(lang))
        assert when.time in line and "WITA" in line and there in line and "Eropa" in line


def test_a_student_audience_is_not_told_to_post_in_class() -> None:
    answers = {**BASE, "segments": ["mahasiswa", "anak SMA"], "priority_segment": "mahasiswa"}
    when = P.decide(answers, "Asia/Jakarta")
    assert when.routine == "students" and not "07:00" <= when.time <= "15:00"
    line = P.why_line(when, tr("id"))
    assert line.startswith(f"Jam posting {when.time} WIB karena audiensmu") and "kelas" in line


def test_workers_get_the_evening_and_the_plan_says_why_in_one_line() -> None:
    answers = {**BASE, "segments": ["pekerja muda"], "priority_segment": "pekerja muda", "response_time": "1"}
    when = P.decide(answers, "Asia/Jakarta")
    assert when.routine == "workers" and when.time.startswith("19")
    text = "\n".join(line for sec in build_plan(answers, tr("id")) for line in sec.lines)
    assert f"Jam posting {when.time} WIB karena audiensmu pekerja: mereka buka HP sepulang kerja." in text


def test_an_audience_named_in_the_segments_sets_the_zone_and_a_crossing_of_midnight_moves_the_days() -> None:
    answers = {**BASE, "segments": ["pekerja kantoran di New York"], "priority_segment": "pekerja kantoran di New York"}
    when = P.decide(answers, "Asia/Jakarta", date(2026, 1, 15))
    assert when.audience_zone == "America/New_York" and when.audience_time is not None
    cadence_days = set(B.load_content("plan")["posting_days"]["options"]["5"])
    shift = {(d + 1) % 7 for d in cadence_days}
    assert set(when.days) in (cadence_days, shift)


def test_the_users_own_reminder_time_wins_and_the_plan_says_it_is_theirs() -> None:
    when = P.decide(BASE, "Asia/Jakarta", None, (1, 3), ("07:30",))
    assert (when.posts, when.days, when.time, when.custom) == (2, (1, 3), "07:30", True)
    assert "/reminders" in P.why_line(when, tr("en"))


# ---- through the bot: /plan, the card, /calendar, .ics, reminders and /progress -------------------------------

async def test_the_bot_says_one_schedule_everywhere(core: Core, clock: FakeClock) -> None:
    clock.set(datetime(2026, 1, 14, 3, 0, tzinfo=timezone.utc))
    answers = {**ANSWERS, "cadence": "7", "daily_minutes": "15", "formats": ["carousel"],
               "segments": ["mahasiswa"], "priority_segment": "mahasiswa", "audience_place": "Jepang"}
    user = await done_user(core, lang="id", tz="Asia/Makassar", answers=answers)
    await tap(core, user, "r:z:WITA")  # the zone set through /reminders: defaults follow the audience's clock
    when = P.decide(answers, "Asia/Makassar", date(2026, 1, 14))
    assert when.posts < 7  # 15 minutes a day do not pay for a carousel every day
    t = tr("id")
    plan = (await cmd(core, user, "plan"))[0].text
    assert f"Jadwal posting: {P.how_often(when, t)} ({P.days_text(when.days, t)}), jam {when.time} WITA" in plan
    assert "Setiap hari" not in plan
    post = next(n for n in await NudgeStore(core.storage).series(user.id) if n.kind == "post")
    assert (post.times, post.days) == ([when.time], list(when.days))
    progress = (await cmd(core, user, "progress"))[0].text
    assert t("posting.target", often=P.how_often(when, t), days=P.days_text(when.days, t)) in progress
    calendar = (await cmd(core, user, "calendar"))[0].text
    times = set(re.findall(r"\d\d/\d\d (\d\d:\d\d) ·", calendar))
    assert times == {when.time}
    ics = (await cmd(core, user, "calendar", "ics"))[0].file
    assert ics is not None
    events = [e for e in icalendar.Calendar.from_ical(ics.data).walk("VEVENT") if "-post-" in str(e["UID"])]
    local = [e.decoded("DTSTART").astimezone(P._tz("Asia/Makassar")) for e in events]
    assert {d.strftime("%H:%M") for d in local} == {when.time} and {d.weekday() for d in local} == set(when.days)
