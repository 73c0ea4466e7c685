"""The plan is consistent by construction: over every combination of the options that feed it (and random text
answers), its minutes fit the time budget, its platform advice agrees with itself, each warning shows once with a
positive alternative, and the stakeholder map says something different per group."""
from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import answers as A
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nudge_helpers import ANSWERS as NUDGE_ANSWERS
from nudge_helpers import cmd, done_user, only

from bot.core import Core
from bot.i18n import LANGUAGES, Catalog
from handlers import steps as S
from handlers.plan import build_plan, plan_rules
from handlers.plan import budget as B
from handlers.plan import office
from handlers.plan import posting as P
from handlers.plan.build import Schedule, computed, risky_tactics
from handlers.reminders import content as NC
from handlers.reminders.store import NudgeStore

CATALOG = Catalog()
STEPS = {s.id: s for s in S.all_steps()}
RULES = plan_rules()
NARROWING = ("plan.rec.one_platform", "plan.rec.fewer_platforms")


def marker(key: str, **params: Any) -> str:
    return key + "|" + repr(sorted(params.items()))


def translator(lang: str) -> Callable[..., str]:
    return lambda key, **p: CATALOG.t(lang, key, **p)


def lines_of(answers: dict[str, Any], t: Callable[..., str], schedule: Schedule | None = None) -> list[str]:
    return [line for sec in build_plan(answers, t, schedule) for line in sec.lines]


def check(answers: dict[str, Any], schedule: Schedule | None = None) -> None:
    """Every invariant of one plan."""
    calcs = computed(RULES, STEPS, answers, marker, schedule)
    marked = lines_of(answers, marker, schedule)
    keys = [m.split("|", 1)[0] for m in marked]
    # minutes: the split adds up, the reply routine never promises more than the interaction minutes
    minutes = int(answers["daily_minutes"])
    assert calcs["create"] + calcs["interact"] == minutes
    routine = [k for k in keys if k.startswith("plan.reply_routine")]
    assert len(routine) == 1, routine
    if routine[0] != "plan.reply_routine_tight":
        assert calcs["reply_count"] * calcs["reply_minutes"] <= calcs["interact"]
    if schedule is None or schedule.reply_times is None:  # the defaults are fitted to the budget
        assert routine[0] != "plan.reply_routine_tight"
        assert calcs["reply_count"] <= B.rounds_allowed(calcs["interact"], RULES.min_reply_minutes)
        assert calcs["reply_minutes"] >= RULES.min_reply_minutes or calcs["reply_count"] == 1
        # the "respond" reminders are created with the very same windows
        respond = next(k for k in NC.kinds().values() if k.times_from == "response_time")
        assert ", ".join(NC.default_schedule(respond, answers)[0]) == calcs["reply_times"]
    else:
        assert calcs["reply_times"] == ", ".join(schedule.reply_times)
    # office hours (content/office_hours.toml): the default windows keep inside them, and the plan says so once
    hours = office.of_answers(answers)
    said = [k for k in keys if k == "plan.office_hours"]
    if hours is not None and (schedule is None or schedule.reply_times is None):
        assert all(hours.start <= w <= hours.last_window for w in calcs["reply_times"].split(", "))
        assert len(said) == 1
    else:
        assert not said
    shorts = [k for k in keys if k.startswith("plan.rec.reply_short")]
    assert len(shorts) == (1 if calcs.get("reply_short") else 0)
    if shorts:  # the user's own reply times are named as their choice, not as what the minutes pay for
        custom = schedule is not None and schedule.reply_times is not None
        assert shorts[0] == ("plan.rec.reply_short_chosen" if custom else "plan.rec.reply_short")
    # posting days: the one posting schedule (the user's own days, else the cadence's, fewer when the minutes pay
    # for fewer, on office days when replies happen in office hours)
    when = P.decide(answers, None, None, schedule.post_days if schedule else None)
    assert calcs["days"] == P.days_text(when.days, marker) and calcs["posts"] == len(when.days) == when.posts
    if schedule and schedule.post_days:
        assert when.days == tuple(sorted(set(schedule.post_days)))
    else:
        assert 1 <= when.posts <= len(RULES.posting_days.get(answers["cadence"]))
    # platform advice: one statement, never "focus on X" next to "focus on X and Y"
    platform_lines = [k for k in keys if k in (*NARROWING, "plan.platforms")]
    assert len(platform_lines) == 1, platform_lines
    if platform_lines[0] in NARROWING:
        assert "plan.rec.add_youtube" not in keys and "plan.rec.video" not in keys
    # reputation: the warning once, one line per tactic, the risky way to get noticed not listed as the strategy
    tactics = risky_tactics(STEPS, answers)
    assert keys.count("plan.rec.guard_warning") == (1 if tactics else 0)
    assert [k for k in keys if k == "plan.risk"] == ["plan.risk"] * len(tactics)
    if S.courts_controversy(STEPS["get_noticed"], answers.get("get_noticed")):
        assert "plan.get_noticed" not in keys and "plan.get_noticed_risky" in keys
    # stakeholders: one line per segment, each different, the priority one marked
    segments = list(dict.fromkeys(answers["segments"]))
    people = [m for m, k in zip(marked, keys, strict=True) if k.startswith("plan.stakeholder.")
              and k not in ("plan.stakeholder.competitors", "plan.stakeholder.offline")]
    assert len(people) == len(segments) and len(set(people)) == len(people)
    assert sum(m.startswith("plan.stakeholder.priority") for m in people) == 1
    # rendered in both languages: nothing unfilled, nothing said twice, the platform line names every platform
    for lang in LANGUAGES:
        t = translator(lang)
        text = lines_of(answers, t, schedule)
        assert len(text) == len(set(text)) and not [x for x in text if "{" in x]
        platform = text[keys.index(platform_lines[0])]
        assert all(t(f"opt.focus_platforms.{p}") in platform for p in answers["focus_platforms"]), platform


def _subsets(options: tuple[str, ...]) -> list[list[str]]:
    """For one, two, three and every platform, the subset with YouTube and the one without (the platform rules look
    at the count and YouTube; every size in between grew the grid past minutes once the platforms became eleven)."""
    out = []
    others = [o for o in options if o != "youtube"]
    for size in sorted({1, 2, 3, len(options)}):
        if size <= len(others):
            out.append(others[:size])
        if "youtube" in options:
            out.append(["youtube", *others[:size - 1]])
    return out


def test_every_combination_of_the_budget_cadence_target_and_platform_options() -> None:
    base = A.plan_answers({"segments": ["mahasiswa", "pekerja muda", "guru sekolah"], "priority_segment": "guru sekolah"})
    grid = itertools.product(STEPS["daily_minutes"].options, STEPS["response_time"].options, STEPS["cadence"].options,
                             _subsets(STEPS["focus_platforms"].options), (["exist"], ["explain", "engage"]))
    count = 0
    for minutes, target, cadence, platforms, purposes in grid:
        check({**base, "daily_minutes": minutes, "response_time": target, "cadence": cadence,
               "focus_platforms": platforms, "purposes": purposes})
        count += 1
    assert count >= 4 * 4 * 4 * 7


def test_every_combination_of_the_guard_options() -> None:
    base = A.plan_answers()
    for criticism, controversy, noticed in itertools.product(
            STEPS["criticism"].options, STEPS["controversy"].options,
            (None, "bikin sensasi", "Aku tidak mau pakai sensasi", "konten edukasi tentang hoaks", "rage bait")):
        check({**base, "criticism": criticism, "controversy": controversy, "get_noticed": noticed})


TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="{}"),
               min_size=1, max_size=60) \
    .map(S.clean_text).filter(bool)
WORDS = st.sampled_from(["sensasi", "tidak", "hoaks", "tentang", "clickbait", "never", "drama", "tapi", "semua orang",
                         "resep", "data", "viral", "2030", "ribu",
                         *office.content()[1].phrases[:4], *office.content()[1].negations[:3]])
PHRASE = st.lists(st.one_of(WORDS, TEXT), min_size=1, max_size=6).map(" ".join)


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[dict[str, Any], Schedule | None]:
    answers: dict[str, Any] = {}
    for step in S.all_steps():
        if not S.applies(step, answers):
            continue
        if not step.required and draw(st.booleans()):
            answers[step.id] = None
        elif step.options_from:
            answers[step.id] = draw(st.sampled_from(answers[step.options_from]))
        elif step.kind == "choice":
            answers[step.id] = draw(st.sampled_from(step.options))
        elif step.kind == "multi":
            answers[step.id] = draw(st.lists(st.sampled_from(step.options), min_size=max(1, step.min_items),
                                             unique=True))
        elif step.kind == "list":
            answers[step.id] = draw(st.lists(PHRASE, min_size=step.min_items, max_size=step.max_items or 5))
        else:
            answers[step.id] = draw(PHRASE)
    schedule = draw(st.one_of(st.none(), st.builds(
        Schedule, st.lists(st.sampled_from([f"{h:02d}:00" for h in range(6, 23)]), min_size=1, max_size=9,
                           unique=True).map(lambda x: tuple(sorted(x))),
        st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True).map(lambda x: tuple(sorted(x))))))
    return answers, schedule


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets())
def test_random_answers_and_reminder_settings_keep_the_invariants(case: tuple[dict[str, Any], Schedule | None]) -> None:
    check(*case)


def test_fifteen_minutes_and_a_one_hour_target_make_a_routine_that_fits() -> None:
    answers = A.plan_answers({"daily_minutes": "15", "response_time": "1"}, "en")
    calcs = computed(RULES, STEPS, answers, marker)
    assert calcs["reply_count"] * calcs["reply_minutes"] <= calcs["interact"] == 6
    text = "\n".join(lines_of(answers, translator("en")))
    assert f"Reply routine: {calcs['reply_count']} times a day" in text
    assert "about 9 minutes to create and post, 6 minutes to interact" in text
    assert "7 reply rounds a day; your time pays for 3" in text  # the honest note about the 1-hour target
    assert "7 times a day" not in text


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_plan_follows_the_reminder_times_the_user_set(core: Core, lang: str) -> None:
    user = await done_user(core, lang=lang, answers={**NUDGE_ANSWERS, "response_time": "1", "daily_minutes": "60",
                                                     "segments": ["mahasiswa"], "priority_segment": "mahasiswa",
                                                     "focus_platforms": ["instagram"], "needs": "lagu akustik"})
    await only(core, user, "respond")  # reminders that follow the answers: the plan's own (fitted) windows
    out = await cmd(core, user, "plan")
    before = out[0].text
    assert "7" in re.search(r"(\d+) (kali|times) (sehari|a day)", before).group(1)  # type: ignore[union-attr]
    await only(core, user, "respond", times=["09:00", "19:00"])
    after = (await cmd(core, user, "plan"))[0].text
    assert re.search(r"\b2 (kali|times) (sehari|a day)", after)
    assert CATALOG.t(lang, "pb.and").join(("09:00 ", " 19:00")) in after  # the times read as prose
    store = NudgeStore(core.storage)
    post = next(n for n in await store.series(user.id) if n.kind == "post")
    await store.update(post.id, days=[1, 3], enabled=True, custom=True)
    days = (await cmd(core, user, "plan"))[0].text
    assert re.search(r"\b2 (kali|times) (sehari|a day)", days)
    head = CATALOG.t(lang, "plan.cadence", posts_text="\x00", days="", post_time="", post_zone="").split("\x00")[0]
    line = next(x for x in days.splitlines() if head in x)
    assert CATALOG.t(lang, "day.1") in line and CATALOG.t(lang, "day.3") in line and CATALOG.t(lang, "day.0") not in line


# Words that count what follows: a format's label is plural ("Carousels / infographics"), so never right after one.
COUNTERS = {"en": {"one", "a", "an", "joint", "single"}, "id": {"satu", "sebuah", "seorang"}}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_format_label_is_never_counted_in_the_plan(lang: str) -> None:
    """No 'one Carousels / infographics a week', no 'a joint Photos': every format, as the only one the plan keeps,
    with enough segments for every stakeholder variant."""
    cat = Catalog()
    t = lambda key, **p: cat.t(lang, key, **p)  # noqa: E731
    formats = next(s for s in S.all_steps() if s.id == "formats").options
    labels = [t(f"opt.formats.{f}") for f in formats]
    segments = A.ITEMS[lang][:5]
    for fmt in formats:
        answers = A.plan_answers({"formats": [fmt], "segments": segments, "priority_segment": segments[0]}, lang)
        assert fmt in B.kept_formats(answers)
        text = "\n".join(line for sec in build_plan(answers, t) for line in sec.lines)
        assert t(f"opt.formats.{fmt}") in text  # the label is used
        for label in labels:
            for before in re.findall(r"(\w+)\W+" + re.escape(label), text):
                assert before.lower() not in COUNTERS[lang], (fmt, before, label)
