"""Regressions from the QA run through the console: the plan, its calendar, ideas, stakeholder map and feedback
say the same thing (reply minutes, kept platforms and formats), warnings say what they are, and texts bound for
the PDF use glyphs the shipped font has. Expectations come from the content, in both languages."""
from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path
from typing import Any

import answers as A
import pytest
from nudge_helpers import ANSWERS, cmd, done_user

from bot.content import load_content
from bot.core import Core
from bot.i18n import LANGUAGES, Catalog
from handlers import feedback as F
from handlers import ideas as I
from handlers import steps as S
from handlers.calendar import calendar_settings
from handlers.calendar.build import build_calendar
from handlers.plan import build_plan, plan_rules
from handlers.plan import budget as B
from handlers.plan.build import Schedule, computed
from handlers.reminders import content as NC

CATALOG = Catalog()
STEPS = {s.id: s for s in S.all_steps()}
PLAN = load_content("plan")
SIX = ["instagram", "tiktok", "youtube", "x", "facebook", "linkedin"]


def t_of(lang: str) -> Any:
    return lambda key, **p: CATALOG.t(lang, key, **p)


def number_in(template_key: str, lang: str, name: str, text: str) -> int | None:
    """The number filled into {name} of a catalog template, found in a text (other placeholders: anything)."""
    template = CATALOG.messages[lang][template_key]
    pattern = re.escape(template)
    for ph in re.findall(r"\\\{(\w+)\\\}", pattern):
        pattern = pattern.replace(r"\{" + ph + r"\}", r"(?P<%s>\d+)" % ph if ph == name else ".*?", 1)
    found = re.search(pattern, text)
    return int(found.group(name)) if found else None


def qa(lang: str, **over: Any) -> dict[str, Any]:
    return A.plan_answers({"focus_platforms": SIX, "formats": ["long_video", "short_video", "photo"],
                           "purposes": ["explain", "engage"], "cadence": "3", "daily_minutes": "15", **over}, lang)


# 1. the calendar's reply minutes are the plan's --------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_calendar_says_the_plans_reply_minutes(lang: str) -> None:
    for minutes, target in itertools.product(STEPS["daily_minutes"].options, STEPS["response_time"].options):
        answers = qa(lang, daily_minutes=minutes, response_time=target)
        for schedule in (None, Schedule(("09:00", "19:00"))):
            calcs = computed(plan_rules(), STEPS, answers, t_of(lang), schedule)
            series = {"respond": (list(schedule.reply_times), [])} if schedule else {}
            cal = calendar_settings(answers, "Asia/Jakarta", series, None, "s")
            replies = [e for e in build_calendar(answers, cal, date(2026, 1, 5), 7) if e.kind == "reply"]
            assert ", ".join(sorted({e.time for e in replies})) == calcs["reply_times"]
            assert {e.minutes for e in replies} == {calcs["reply_minutes"]}, (minutes, target, schedule)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_plan_text_and_its_calendar_section_agree_on_minutes(core: Core, lang: str) -> None:
    answers = {**ANSWERS, "daily_minutes": "60", "response_time": "1", "segments": ["mahasiswa"],
               "priority_segment": "mahasiswa", "focus_platforms": ["instagram"]}
    user = await done_user(core, lang=lang, answers=answers)
    text = (await cmd(core, user, "plan"))[0].text
    plan = number_in("plan.reply_routine", lang, "reply_minutes", text)
    cal = number_in("cal.reply_line", lang, "minutes", text)
    assert plan is not None and plan == cal == 24 // 7


# 2. the stakeholder map, calendar, ideas and pillars use what the plan keeps ---------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_downstream_uses_the_kept_platforms_and_formats(lang: str) -> None:
    answers = qa(lang, segments=["pembeli", "kolektor", "turis"], priority_segment="pembeli")
    kept_p, kept_f = B.kept_platforms(answers), B.kept_formats(answers)
    assert kept_p == SIX[:1] and "long_video" not in kept_f and kept_f
    t = t_of(lang)
    sections = build_plan(answers, t)
    wait = [t(f"opt.formats.{f}") for f in answers["formats"] if f not in kept_f]
    for sec in sections:
        if sec.title in (t("plan.sec.stakeholders"), t("plan.sec.pillars")):
            assert not [line for line in sec.lines for w in wait if w in line], sec.lines
    cal = calendar_settings(answers, "Asia/Jakarta", {}, None, "s")
    posts = [e for e in build_calendar(answers, cal, date(2026, 1, 5)) if e.kind == "post"]
    assert posts and {e.platform for e in posts} <= set(kept_p) and {e.format for e in posts} <= set(kept_f)
    assert set(I.user_formats(answers)) == set(kept_f)


# 3. the reply warning says what it is ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_chosen_reply_times_are_named_as_the_users_choice(lang: str) -> None:
    answers = qa(lang, daily_minutes="60", response_time="1")
    marker = lambda key, **p: key  # noqa: E731
    chosen = [line for sec in build_plan(answers, marker, Schedule(("09:00", "19:00"))) for line in sec.lines]
    assert "plan.rec.reply_short_chosen" in chosen and "plan.rec.reply_short" not in chosen
    text = "\n".join(line for sec in build_plan(answers, t_of(lang), Schedule(("09:00", "19:00"))) for line in sec.lines)
    assert "/reminders" in text and "09:00, 19:00" in text
    # default reminders: the 1-hour target's windows all fit 24 interaction minutes: no warning at all
    default = [line for sec in build_plan(answers, marker) for line in sec.lines]
    assert not [k for k in default if k.startswith("plan.rec.reply_short")]
    calcs = computed(plan_rules(), STEPS, answers, marker)
    assert calcs["reply_count"] == len(PLAN["reply_windows"]["options"]["1"])


# 4. formats cost minutes: one concrete recommendation when the budget cannot make them -----------------------

def test_the_content_budget_gives_one_recommendation_whenever_it_is_short() -> None:
    costs = PLAN["content_budget"]["minutes_per_post"]
    advice = ("plan.rec.content_formats", "plan.rec.content_fewer", "plan.rec.content_batch")
    for minutes, cadence, n in itertools.product(STEPS["daily_minutes"].options, STEPS["cadence"].options, (1, 2, 3)):
        for formats in itertools.combinations(STEPS["formats"].options, n):
            answers = qa("en", daily_minutes=minutes, cadence=cadence, formats=list(formats))
            keys = [line for sec in build_plan(answers, lambda key, **p: key) for line in sec.lines]
            weekly = B.split(int(minutes), PLAN["budget"]["create_share"])[0] * 7
            posts = len(PLAN["posting_days"]["options"][cadence])
            need = round(posts * sum(costs[f] for f in formats) / len(formats))
            shown = [k for k in keys if k in advice]
            assert len(shown) == (1 if need > weekly else 0), (minutes, cadence, formats)
            fit = B.content_fit(answers)
            if shown == ["plan.rec.content_formats"]:
                assert posts * sum(costs[f] for f in fit["kept"]) / len(fit["kept"]) <= weekly


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fifteen_minutes_three_posts_and_long_video_get_advice(lang: str) -> None:
    t = t_of(lang)
    text = "\n".join(line for sec in build_plan(qa(lang), t) for line in sec.lines)
    long_video = t("opt.formats.long_video")
    advice = next(line for line in text.splitlines() if str(B.content_fit(qa(lang))["weekly"]) in line)
    assert long_video in advice and t("opt.formats.photo") in advice


# 5. vision and goal coaching --------------------------------------------------------------------------------

@pytest.mark.parametrize("vision", ["mau terkenal", "pengen viral bgt dong", "I want to be famous", "pengen populer",
                                    "ingin dikenal banyak orang"])
def test_a_fame_only_vision_gets_the_fame_suggestion(vision: str) -> None:
    tip = F.review("vision", vision, {})
    assert tip is not None and tip.rule == "vision_fame"


def test_a_different_rule_still_speaks_on_the_second_answer() -> None:
    assert F.review("vision", "musik", {}).rule == "vision_short"  # type: ignore[union-attr]
    tip = F.review("vision", "pengen viral bgt dong", {}, previous="musik")
    assert tip is not None and tip.rule == "vision_fame"
    assert F.review("vision", "pengen viral bgt dong", {}, previous="mau terkenal") is None  # heard it already


@pytest.mark.parametrize("lang", LANGUAGES)
def test_goal_examples_fit_the_role(lang: str) -> None:
    texts = {}
    for role in STEPS["role"].options:
        tip = F.review("goal_5y", "jadi besar", {"role": role})
        assert tip is not None
        texts[role] = F.render(tip, t_of(lang))
        assert CATALOG.t(lang, f"fb.examples.goal_measure.{role}") in texts[role]
    assert len(set(texts.values())) == len(texts)
    seller = texts["seller"].lower()
    assert not re.search(r"konser|kursi|concert|seat|buku|book", seller)


# 6. ideas fit the formats and platforms they are drawn for --------------------------------------------------

def test_every_idea_is_drawn_only_for_formats_and_platforms_it_fits() -> None:
    options = STEPS["formats"].options
    for fmt in options:
        fitting = [i for i in NC.ideas() if i.fits(fmt)]
        assert len([i for i in fitting if not i.themes]) >= 10, fmt  # enough generic ideas for every format
        for pillar in ("musik akustik", "sejarah batik", "OOTD batik kerja"):
            idea = I.pick(pillar, ["engage", "explain"], [], "s", fmt, ["youtube"])
            assert idea is not None and idea.fits(fmt, ["youtube"])
    reply_video = next(i for i in NC.ideas() if i.id == "reply_video")
    assert not reply_video.fits("live") and not reply_video.fits("short_video", ["youtube"])
    for cadence, formats in itertools.product(("7", "3"), (["live", "text"], ["short_video", "long_video"])):
        answers = {**ANSWERS, "daily_minutes": "120", "cadence": cadence, "formats": formats,
                   "focus_platforms": ["youtube", "tiktok", "instagram"]}
        cal = calendar_settings(answers, "Asia/Jakarta", {}, None, "s")
        for e in build_calendar(answers, cal, date(2026, 1, 5)):
            if e.kind == "post" and not e.opening:  # the opening post is the introduction, not an idea
                assert next(i for i in NC.ideas() if i.id == e.idea).fits(e.format, [e.platform]), e


def test_weak_words_do_not_give_a_pillar_a_theme() -> None:
    assert "style" not in NC.pillar_themes("sejarah batik")
    assert "career" not in NC.pillar_themes("OOTD batik kerja") and "style" in NC.pillar_themes("OOTD batik kerja")


# 7. PDF glyphs, the post/reply clash, /progress before a plan ---------------------------------------------

def test_priority_marks_use_a_glyph_the_pdf_font_has() -> None:
    from fontTools.ttLib import TTFont

    font = Path(__file__).parents[1] / "handlers" / "pictures" / "fonts" / "DejaVuSans.ttf"
    cmap = TTFont(str(font)).getBestCmap()
    for lang in LANGUAGES:
        for key in ("plan.segment_priority", "plan.stakeholder.priority"):
            text = CATALOG.messages[lang][key]
            assert all(ord(ch) in cmap for ch in text), (lang, key)
            assert "( )" not in text and "()" not in text


def test_the_first_post_never_clashes_with_a_reply_round() -> None:
    for target in STEPS["response_time"].options:
        answers = {**ANSWERS, "response_time": target, "daily_minutes": "60"}
        cal = calendar_settings(answers, "Asia/Jakarta", {}, None, "s")
        entries = build_calendar(answers, cal, date(2026, 1, 5), 7)
        replies = {e.time for e in entries if e.kind == "reply"}
        assert not {e.time for e in entries if e.kind == "post"} & replies, target


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_progress_before_a_plan_says_to_finish_the_plan(core: Core, lang: str) -> None:
    from bot.types import Inbound, UserRef

    user = await core.storage.get_or_create_user("fake", "p1", "P")
    await core.storage.update_user(user.id, language=lang, language_pinned=1)
    out = await core.handle(Inbound(UserRef("fake", "p1"), "command", command="progress"))
    text = "\n".join(o.text for o in out)
    assert CATALOG.t(lang, "progress.empty_no_plan") in text
    assert CATALOG.t(lang, "progress.empty_no_review") not in text



@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_card_shows_the_platforms_the_plan_keeps(lang: str) -> None:
    from handlers.pictures.card import card_facts

    facts = card_facts(B.kept_answers(qa(lang)), t_of(lang))
    assert facts.platforms == CATALOG.t(lang, f"opt.focus_platforms.{SIX[0]}")
