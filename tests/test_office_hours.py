"""Office hours (content/office_hours.toml): an answer saying replies happen during office hours keeps the plan's
reply windows and the default "respond" reminders inside those hours, and the plan says so; a negated or stretched
mention changes nothing. Every phrase, negation and hour comes from the content file."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

import answers as A
from bot.content import load_content
from bot.core import Core
from bot.i18n import LANGUAGES, Catalog
from bot.types import Inbound, UserRef
from handlers import steps as S
from handlers.plan import build_plan, plan_rules
from handlers.plan import office
from handlers.plan.build import computed
from handlers.reminders import content as NC
from handlers.reminders.store import NudgeStore

CATALOG = Catalog()
STEPS = {s.id: s for s in S.all_steps()}
RAW = load_content("office_hours")
HOURS, WORDS = office.content()
PHRASES: list[str] = RAW["words"]["phrases"]
NEGATIONS: list[str] = RAW["words"]["negations"]
EXTENSIONS: list[str] = RAW["words"].get("extensions", [])
# How an official's team answer reads around a phrase (the test's own words: none is a negation or an extension).
SAYS = {"id": "Asisten saya Rina membalas pesan pas {}", "en": "My assistant Rina answers messages during {}"}
RESPOND = next(k for k in NC.kinds().values() if k.times_from == "response_time")
LINE_KEYS = ("plan.office_hours",)


def translator(lang: str) -> Callable[..., str]:
    return lambda key, **p: CATALOG.t(lang, key, **p)


def marker(key: str, **params: Any) -> str:
    return key


def official(replier: str, lang: str = "id", **more: Any) -> dict[str, Any]:
    """A public official with a team; enough minutes a day that the office hours, not the budget, set the windows."""
    return {"role": "official", "team": "team", "team_replier": replier,
            "daily_minutes": max(STEPS["daily_minutes"].options, key=int), **more}


def office_line(lang: str) -> str:
    """The plan's office-hours line as the content and catalog make it."""
    days = "–".join(CATALOG.t(lang, f"day.{d}") for d in (min(HOURS.days), max(HOURS.days))) \
        if len(HOURS.days) >= 3 and max(HOURS.days) - min(HOURS.days) == len(HOURS.days) - 1 \
        else ", ".join(CATALOG.t(lang, f"day.{d}") for d in sorted(HOURS.days))
    after = CATALOG.t(lang, "plan.office_evening", time=HOURS.evening) if HOURS.evening \
        else CATALOG.t(lang, "plan.office_wait")
    return CATALOG.t(lang, "plan.office_hours", office_start=HOURS.start, office_end=HOURS.end, office_days=days,
                     office_after=after)


def test_the_content_file_passes_its_check_and_a_broken_one_does_not() -> None:
    assert office.check() == []
    free = [s.id for s in S.all_steps() if s.kind in office.FREE_TEXT]
    broken = {"hours": {**RAW["hours"], "last_window": RAW["hours"]["end"]},
              "words": {**RAW["words"], "steps": ["response_time"], "negations": [*NEGATIONS, PHRASES[0]]}}
    paths = {p for p, _ in office.findings(broken, free)}
    assert {"hours.last_window", "words.steps", "words.negations"} <= paths
    with pytest.raises(ValueError, match="office_hours"):
        office.parse({"hours": {**RAW["hours"], "start": "25:00"}, "words": RAW["words"]})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_phrase_is_recognised_and_keeps_every_reply_window_inside_the_hours(lang: str) -> None:
    t = translator(lang)
    for phrase in PHRASES:
        for target in STEPS["response_time"].options:
            answers = A.plan_answers(official(SAYS[lang].format(phrase), lang, response_time=target), lang)
            assert office.of_answers(answers) == HOURS, phrase
            calcs = computed(plan_rules(), STEPS, answers, t)
            times = calcs["reply_times"].split(", ")
            assert all(HOURS.start <= w <= HOURS.last_window < HOURS.end for w in times), (phrase, target, times)
            assert NC.default_schedule(RESPOND, answers)[0] == times  # the reminders say the same
            assert calcs.get("reply_short") is False  # the office hours are the user's choice, not a short budget
            text = [line for sec in build_plan(answers, t) for line in sec.lines]
            assert office_line(lang) in text and sum(k in LINE_KEYS for k in
                                                     [x for sec in build_plan(answers, marker) for x in sec.lines]) == 1
            if HOURS.evening:  # a suggestion in words only: never a reply window nor a reminder time
                assert HOURS.evening not in times


def test_the_evening_window_of_the_once_a_day_target_moves_into_the_hours() -> None:
    """The target whose windows all lie after the office end (the once-a-day evening round) still gets one round."""
    table = load_content("plan")["reply_windows"]["options"]
    late = [o for o, ws in table.items() if all(w > HOURS.last_window for w in ws)]
    assert late, "the content has no reply target that lies wholly after the office hours"
    answers = A.plan_answers(official(SAYS["en"].format(PHRASES[0]), "en", response_time=late[0]), "en")
    assert computed(plan_rules(), STEPS, answers, marker)["reply_times"] == HOURS.last_window


@pytest.mark.parametrize("lang", LANGUAGES)
def test_negated_or_stretched_office_hours_change_nothing(lang: str) -> None:
    baseline = A.plan_answers(official(A.FILLER[lang], lang, response_time="3"), lang)
    plain = computed(plan_rules(), STEPS, baseline, marker)
    said = [f"{neg} {phrase}" for phrase in PHRASES for neg in NEGATIONS]
    said += [f"{phrase} {ext}" for phrase in PHRASES for ext in EXTENSIONS]
    for text in said:
        answers = {**baseline, "team_replier": SAYS[lang].format(text)}
        assert office.of_answers(answers) is None, text
    for text in said[:: max(1, len(said) // 12)]:  # a sample through the whole plan: the same windows, no line
        answers = {**baseline, "team_replier": SAYS[lang].format(text)}
        calcs = computed(plan_rules(), STEPS, answers, marker)
        assert calcs["reply_times"] == plain["reply_times"] and "office_start" not in calcs
        assert NC.default_schedule(RESPOND, answers)[:2] == NC.default_schedule(RESPOND, baseline)[:2]
        keys = [x for sec in build_plan(answers, marker) for x in sec.lines]
        assert not set(keys) & set(LINE_KEYS)


def test_a_negation_in_another_clause_does_not_undo_the_phrase_and_a_mixed_answer_does_not_count() -> None:
    phrase, neg = PHRASES[0], NEGATIONS[0]
    assert office.mentions(f"{neg}, {SAYS['en'].format(phrase)}", WORDS) is True
    assert office.mentions(f"{SAYS['id'].format(phrase)}. {neg} {phrase}", WORDS) is False
    two = A.plan_answers(official(SAYS["id"].format(phrase), "id"), "id")
    free = next(s.id for s in S.all_steps() if s.kind == "text" and s.id != "team_replier" and two.get(s.id))
    assert office.of_answers(two) == HOURS
    assert office.of_answers({**two, free: f"{neg} {phrase}"}) is None


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_reminders_made_on_confirming_keep_to_the_office_hours(core: Core, lang: str) -> None:
    user = UserRef("console", f"official-{lang}", "Rina")
    persona = official(SAYS[lang].format(PHRASES[-1]), lang, response_time=max(STEPS["response_time"].options,
                                                                                 key=lambda o: -int(o)))
    await A.walk(core, user, persona, lang=lang, locale=lang)
    out = await core.handle(Inbound(user, "choice", choice=A.CONFIRM_TAP))
    plan_text = next(m.text for m in out if m.key == "plan.title")
    assert office_line(lang) in plan_text
    found = await core.storage.find_user(user.platform, user.user_id)
    assert found is not None
    answers = await core.storage.answers(found.id)
    respond = next(n for n in await NudgeStore(core.storage).series(found.id) if n.kind == RESPOND.id)
    assert respond.times and all(HOURS.start <= w <= HOURS.last_window for w in respond.times), respond.times
    assert ", ".join(respond.times) == computed(plan_rules(), STEPS, answers, translator(lang))["reply_times"]
    assert set(respond.days) <= set(HOURS.days) and respond.days
    assert HOURS.evening is None or HOURS.evening not in respond.times


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_evening_check_is_suggested_only_when_the_content_names_one(lang: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    answers = A.plan_answers(official(SAYS[lang].format(PHRASES[0]), lang), lang)
    t = translator(lang)
    for evening in (None, HOURS.evening or "19:30"):
        monkeypatch.setattr(office, "content", lambda evening=evening: (replace(HOURS, evening=evening), WORDS))
        line = next(x for sec in build_plan(answers, t) for x in sec.lines
                    if x.startswith(CATALOG.t(lang, "plan.office_hours", office_start="\x00", office_end="\x00",
                                              office_days="\x00", office_after="\x00").split("\x00")[0]))
        suggestion = CATALOG.t(lang, "plan.office_evening", time=evening) if evening else None
        assert (suggestion is not None and line.endswith(suggestion)) or \
            (suggestion is None and line.endswith(CATALOG.t(lang, "plan.office_wait")))
