"""The reply routine's minutes add up: the interaction minutes the plan shows are the reply rounds times the minutes
each, the creating minutes are the rest of the day's budget, and the calendar says the same. Over every time budget
and reply-time target of content/questionnaire.toml (read from the content, not copied)."""
from __future__ import annotations

import re
from typing import Any

import pytest

from bot.i18n import Catalog
from handlers import steps as S
from handlers.calendar.build import content as calendar_content
from handlers.calendar.build import minutes_split
from handlers.plan import build_plan, plan_rules
from handlers.plan.build import computed
from nudge_helpers import ANSWERS

CATALOG = Catalog()
STEPS = {s.id: s for s in S.all_steps()}
RULES = plan_rules()
BUDGETS = STEPS[RULES.budget_step].options
TARGETS = STEPS[RULES.reply_windows.step].options
CAL = calendar_content()
COMBOS = [(m, r) for m in BUDGETS for r in TARGETS]


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", re.sub(r"\d\d:\d\d", "", text))]


@pytest.mark.parametrize("minutes, target", COMBOS)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_interaction_minutes_are_rounds_times_minutes_each(minutes: str, target: str, lang: str) -> None:
    answers: dict[str, Any] = {**ANSWERS, RULES.budget_step: minutes, RULES.reply_windows.step: target}

    def t(key: str, **p: Any) -> str:
        return CATALOG.t(lang, key, **p)
    calcs = computed(RULES, STEPS, answers, t)
    rounds, each = calcs["reply_count"], calcs["reply_minutes"]
    assert calcs["create"] + calcs["interact"] == int(minutes)
    if each > 0:
        assert calcs["interact"] == rounds * each, calcs
    text = "\n".join(line for sec in build_plan(answers, t) for line in sec.lines)
    split_line = t("plan.time_split", minutes=int(minutes), create=calcs["create"], interact=calcs["interact"])
    assert split_line in text
    assert _numbers(split_line)[-1] == calcs["interact"]  # the figure a user reads is the one that adds up
    cal_create, cal_each = minutes_split(answers)
    assert cal_each == each
    assert cal_create == max(calcs["create"], int(CAL.get("min_minutes", 5)))  # the calendar says what the plan says
