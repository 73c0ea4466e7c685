"""Issue 22 item 4: the choices people actually use (WhatsApp, newsletters, podcasts, blogs; brand deals, clients,
sales, votes and support, invitations) are options, and everything that reads those steps follows them: labels in
both languages, everyday names, the plan, the calendar (never a format a platform cannot carry), ideas and nudges.

Generated from the content: a platform or purpose added to content/questionnaire.toml is covered without a change
here; the examples from the issue are checked as written."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

import answers as A
from bot.content import load_content
from bot.i18n import Catalog
from conftest import PERSONA_ID
from handlers import carry
from handlers import lexicon as L
from handlers import steps as S
from handlers.calendar import calendar_settings
from handlers.calendar.build import build_calendar
from handlers.plan import budget, build_plan
from handlers.reminders import content as NC

CATALOG = Catalog()
LANGS = ("id", "en")
PLATFORM_STEPS = ("platforms_now", "focus_platforms")
LIST_ROW = 24  # characters a WhatsApp list row shows


def step(step_id: str) -> S.Step:
    found = S.step_by_id(step_id)
    assert found is not None
    return found


def options(step_id: str) -> list[str]:
    s = step(step_id)
    return [v for v in s.options if v not in s.exclusive]


def labels(step_id: str) -> dict[str, list[str]]:
    return {v: [CATALOG.t(lang, f"opt.{step_id}.{v}") for lang in LANGS] for v in step(step_id).options}


def picked(step_id: str, text: str) -> list[str] | None:
    return S.match_options(step(step_id), {}, text, labels(step_id))


def translator(lang: str) -> Callable[..., str]:
    return lambda key, **p: CATALOG.t(lang, key, **p)


def plan_text(answers: dict[str, Any], lang: str) -> str:
    return "\n".join(line for sec in build_plan(answers, translator(lang)) for line in sec.lines)


CHOICE_STEPS = [s.id for s in S.all_steps() if s.kind in ("choice", "multi") and s.options]


# -- labels ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("step_id", CHOICE_STEPS)
def test_every_option_has_a_label_in_both_languages(step_id: str) -> None:
    for value in step(step_id).options:
        shown = [CATALOG.t(lang, f"opt.{step_id}.{value}") for lang in LANGS]
        assert all(text and f"opt.{step_id}" not in text for text in shown), (step_id, value, shown)


@pytest.mark.parametrize("step_id", PLATFORM_STEPS)
def test_platform_labels_fit_a_whatsapp_list_row(step_id: str) -> None:
    for value in step(step_id).options:
        assert len(CATALOG.t("id", f"opt.{step_id}.{value}")) <= LIST_ROW, value


# -- everyday names -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("step_id", [*PLATFORM_STEPS, "purposes"])
def test_every_everyday_name_typed_alone_picks_its_option(step_id: str) -> None:
    for value, names in L.aliases(step_id).items():
        for name in names:
            assert picked(step_id, name) == [value], (step_id, name)


@pytest.mark.parametrize("step_id", [*PLATFORM_STEPS, "purposes"])
def test_no_option_is_still_listed_as_not_an_option(step_id: str) -> None:
    assert not set(L.others(step_id)) & set(step(step_id).options)


@pytest.mark.parametrize("step_id, text, expected", [
    ("platforms_now", "fesbuk sm wa grup", ["facebook", "whatsapp"]),
    ("focus_platforms", "instagram + a weekly newsletter", ["instagram", "newsletter"]),
    ("focus_platforms", "podcast, mostly. And YouTube for the video version", ["podcast", "youtube"]),
    ("platforms_now", "IG, Tiktok. WA story juga", ["instagram", "tiktok", "whatsapp"]),
    ("platforms_now", "blog pribadi di medium sama substack", ["blog", "newsletter"]),
    ("purposes", "pengen grow di TikTok & dapet brand deal", ["exist", "deals"]),
    ("purposes", "Honestly I need retreat bookings, that's the whole point", ["clients"]),
    ("purposes", "supaya dapat suara di pilkades", ["support"]),
    ("purposes", "to sell more coffee, and for people to know my brand exists", ["sales", "exist"]),
    ("purposes", "biar sering diundang jadi pembicara", ["invites"]),
    ("purposes", "bukan buat jualan, lebih ke ngenalin diri", ["exist"]),
    ("purposes", "remind my old clients I'm still around", ["reminder"]),
])
def test_the_issue_examples_pick_the_new_options(step_id: str, text: str, expected: list[str]) -> None:
    assert sorted(picked(step_id, text) or []) == sorted(expected)


# -- the plan -------------------------------------------------------------------------------------------------------

def persona_answers(**over: Any) -> dict[str, Any]:
    return {**A.plan_answers(PERSONA_ID, "en"), "daily_minutes": "120", **over}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("step_id", [*PLATFORM_STEPS, "purposes"])
def test_every_option_shows_in_the_plan(step_id: str, lang: str) -> None:
    for value in options(step_id):
        text = plan_text(persona_answers(**{step_id: [value]}), lang)
        assert CATALOG.t(lang, f"opt.{step_id}.{value}") in text, (step_id, value)


def _line_keys(value: str, *sources: str) -> list[str]:
    """Plan lines whose condition tests for this option, on a step or a computed value among `sources`."""
    found = []
    for sec in load_content("plan")["sections"]:
        for line in sec.get("lines", []):
            for alt in [line, *line.get("one_of", [])]:
                when = alt.get("when") or {}
                if when.get("has") == value and (when.get("step") in sources or when.get("calc") in sources):
                    found.append(alt["text"])
    return found


PURPOSE_SOURCES = ("purposes", "role_purposes")  # the answer, or the purposes as the role reads them


@pytest.mark.parametrize("lang", LANGS)
def test_every_purpose_changes_the_plan(lang: str) -> None:
    """A purpose beyond the first four is not left to the generic lines: a plan line is written for it, and picking
    it adds advice that being known alone does not get."""
    base = persona_answers(purposes=["exist"])
    plain = set(plan_text(base, lang).splitlines())
    purposes_line = step("purposes")
    for value in options("purposes"):
        if value in ("exist", "reminder"):  # served together by one `in` line
            continue
        assert _line_keys(value, *PURPOSE_SOURCES), f"no plan line for purpose {value!r}"
        label = CATALOG.t(lang, f"opt.{purposes_line.id}.{value}")
        added = [line for line in plan_text({**base, "purposes": [value]}, lang).splitlines()
                 if line not in plain and label not in line]
        assert added, value


@pytest.mark.parametrize("value", ["whatsapp", "newsletter", "podcast", "blog"])
def test_a_kept_platform_that_is_not_a_feed_gets_its_own_line_and_a_waiting_one_does_not(value: str) -> None:
    keys = _line_keys(value, "focus_platforms", "kept_platforms")
    assert keys
    kept = plan_text(persona_answers(focus_platforms=[value, "instagram"]), "en")
    assert all(CATALOG.t("en", k) in kept for k in keys)
    # 15 minutes a day keeps one focus platform: the one that waits gets no line of its own
    waiting = plan_text(persona_answers(focus_platforms=["instagram", value], daily_minutes="15"), "en")
    assert not any(CATALOG.t("en", k) in waiting for k in keys)


# -- the calendar, ideas and nudges ---------------------------------------------------------------------------------

def calendar_of(answers: dict[str, Any]) -> list[Any]:
    settings = calendar_settings(answers, "Asia/Jakarta", {}, None, "seed")
    return [e for e in build_calendar(answers, settings, date(2026, 1, 5)) if e.kind == "post"]


def _combos() -> list[tuple[list[str], list[str]]]:
    platforms, formats = options("focus_platforms"), options("formats")
    out = [([p], [f]) for p in platforms for f in formats]
    out += [([p, q], formats) for p in platforms for q in platforms if p < q]
    out += [([p, "instagram"], ["short_video", "photo"]) for p in platforms if p != "instagram"]
    return out


@pytest.mark.parametrize("platforms, formats", _combos())
def test_the_calendar_never_puts_a_format_on_a_platform_that_cannot_carry_it(platforms: list[str],
                                                                              formats: list[str]) -> None:
    answers = persona_answers(focus_platforms=platforms, formats=formats, cadence="7")
    posts = calendar_of(answers)
    assert posts
    bad = [(e.day, e.platform, e.format) for e in posts if not carry.carries(e.platform, e.format)]
    assert not bad, bad
    kept = budget.kept_platforms(answers)
    assert {e.platform for e in posts} == set(kept)  # every kept platform gets posts, none of the others
    for e in posts:
        idea = next((i for i in NC.ideas() if i.id == e.idea), None)
        assert idea is None or idea.fits(e.format, [e.platform]), (e.idea, e.format, e.platform)


@pytest.mark.parametrize("weekly", sorted(load_content("calendar").get("per_week", {})))
def test_a_weekly_platform_is_not_posted_to_daily_when_there_is_another(weekly: str) -> None:
    cap = int(load_content("calendar")["per_week"][weekly])
    answers = persona_answers(focus_platforms=[weekly, "instagram"], formats=options("formats"), cadence="7")
    posts = calendar_of(answers)
    weeks: dict[tuple[int, int], int] = {}
    for e in posts:
        if e.platform == weekly:
            key = e.day.isocalendar()[:2]
            weeks[key] = weeks.get(key, 0) + 1
    assert weeks and max(weeks.values()) <= cap
    assert len(posts) == len([d for d in range(30) if (date(2026, 1, 5) + timedelta(days=d)).weekday() in
                              set(NC.plan_table("posting_days", answers))])  # the other days go elsewhere


@pytest.mark.parametrize("platform", options("focus_platforms"))
def test_every_platform_carries_its_home_format(platform: str) -> None:
    home = carry.home(platform)
    assert home in options("formats") and carry.carries(platform, home)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("platform", options("focus_platforms"))
def test_the_post_nudge_suggests_a_format_the_platform_carries(platform: str, lang: str) -> None:
    answers = persona_answers(focus_platforms=[platform], formats=["photo"])
    formats = carry.slot_formats(budget.kept_formats(answers), budget.kept_platforms(answers))
    assert formats and all(carry.carries(platform, f) for f in formats)
    for n in range(6):
        idea = NC.pick_idea(answers, [], f"seed-{n}")
        assert idea is not None and any(idea[0].fits(f, [platform]) for f in formats)


@pytest.mark.parametrize("purpose", options("purposes"))
def test_every_purpose_has_ideas_made_for_it(purpose: str) -> None:
    assert any(purpose in i.purposes for i in NC.ideas()), purpose


def test_the_issue_personas_get_a_coherent_plan() -> None:
    """The village-head candidate with WhatsApp groups, and the yoga teacher with a newsletter and bookings."""
    candidate = persona_answers(platforms_now=picked("platforms_now", "fesbuk sm wa grup"),
                                focus_platforms=["facebook", "whatsapp"], formats=["photo", "text", "stories"],
                                purposes=picked("purposes", "supaya dapat suara di pilkades"))
    text = plan_text(candidate, "id")
    for key in ("opt.platforms_now.whatsapp", "plan.rec.whatsapp", "plan.rec.support"):
        assert CATALOG.t("id", key) in text, key
    teacher = persona_answers(focus_platforms=["instagram", "newsletter"], formats=["short_video", "carousel"],
                              purposes=picked("purposes", "Honestly I need retreat bookings, that's the whole point"))
    text = plan_text(teacher, "en")
    for key in ("plan.rec.newsletter", "plan.rec.clients"):
        assert CATALOG.t("en", key) in text, key
    posts = calendar_of(teacher)
    assert any(e.platform == "newsletter" and e.format == "text" for e in posts)  # its home format, though unticked
    assert all(carry.carries(e.platform, e.format) for e in posts)
