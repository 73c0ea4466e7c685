"""The plan's memos (handlers/plan/memo.py, the per-text caches, the plan kept for its pictures): a plan is the same
with them as without, they stay bounded, and a changed answer is a changed plan, never a remembered one."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

import answers as A
from bot.content import load_content
from bot.i18n import Catalog
from conftest import PERSONA_EN, PERSONA_ID
from handlers import hashtags, playbook
from handlers.calendar import build_calendar, calendar_settings
from handlers.plan import JustSent, Schedule, Section, build_plan
from handlers.plan import memo as M
from handlers.plan import office, posting

CATALOG = Catalog()
PER_TEXT = [(office, "mentions"), (posting, "_place_zone"), (hashtags, "_niche"), (hashtags, "_broad"),
            (playbook, "_offline_events")]


def translator(lang: str) -> Callable[..., str]:
    return lambda key, **p: CATALOG.t(lang, key, **p)


def office_answers(lang: str) -> dict[str, Any]:
    """An answer that says replies happen in office hours (the content's first phrase)."""
    phrase = load_content("office_hours")["words"]["phrases"][0]
    return dict(A.plan_answers(PERSONA_ID if lang == "id" else PERSONA_EN, lang), team_replier=f"Rina, {phrase}")


def people() -> list[tuple[dict[str, Any], str]]:
    abroad = dict(A.plan_answers(PERSONA_EN, "en"), audience_place="London")
    return [(A.plan_answers(PERSONA_ID, "id"), "id"), (A.plan_answers(PERSONA_EN, "en"), "en"),
            (A.plan_answers(None, "id"), "id"), (office_answers("id"), "id"), (office_answers("en"), "en"),
            (abroad, "en")]


SCHEDULES = [None, Schedule(zone="Europe/London", on=date(2026, 7, 1)),
             Schedule(reply_times=("08:00", "20:00"), post_days=(1, 3), post_times=("18:30",), zone="Asia/Makassar",
                      on=date(2026, 1, 15))]


def shown(sections: list[Section]) -> list[tuple[str, list[str]]]:
    return [(s.title, list(s.lines)) for s in sections]


def everything(answers: dict[str, Any], lang: str) -> list[Any]:
    """What the memos feed: the plan with each schedule, the posting schedule, the calendar, the office hours."""
    on = date(2026, 3, 2)
    cal = calendar_settings(answers, "Asia/Jakarta", {}, on, "seed", on)
    return [*(shown(build_plan(answers, translator(lang), s)) for s in SCHEDULES),
            posting.decide(answers), posting.decide(answers, "Europe/Berlin", date(2026, 7, 1)),
            posting.audience_zone(answers), office.of_answers(answers), build_calendar(answers, cal, on, 14)]


@pytest.fixture(autouse=True)
def cold() -> None:
    M.clear_all()
    for module, name in PER_TEXT:
        getattr(module, name).cache_clear()


def test_the_plan_is_the_same_with_the_memos_as_without(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(M.Memo, "get", lambda self, key, compute: compute())
        for module, name in PER_TEXT:
            patch.setattr(module, name, getattr(module, name).__wrapped__)
        without = [everything(answers, lang) for answers, lang in people()]
    first = [everything(answers, lang) for answers, lang in people()]
    again = [everything(answers, lang) for answers, lang in reversed(people())][::-1]  # every result remembered
    assert first == without
    assert again == without
    assert sum(m.hits for m in M.MEMOS.values()) > 0  # the second round was served from the memos


def test_a_changed_answer_is_a_changed_plan() -> None:
    base = A.plan_answers(PERSONA_EN, "en")
    t = translator("en")
    before, when = shown(build_plan(base, t)), posting.decide(base)
    abroad = dict(base, audience_place="London")
    assert posting.decide(abroad) != when
    assert shown(build_plan(abroad, t)) != before
    assert office.of_answers(base) is None
    assert office.of_answers(office_answers("en")) is not None
    other = dict(base, pillars=["resep masakan rumahan", "tips dapur hemat"])
    assert shown(build_plan(other, t)) != before
    assert shown(build_plan(base, t)) == before  # and back: the first answers' plan, as it was


def test_the_memos_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    for m in M.MEMOS.values():
        monkeypatch.setattr(m, "size", 2)
    for answers, lang in people():
        everything(answers, lang)
    assert M.MEMOS and all(len(m) <= 2 for m in M.MEMOS.values()), {n: len(m) for n, m in M.MEMOS.items()}
    assert all(getattr(module, name).cache_info().maxsize for module, name in PER_TEXT)


def test_a_memo_keeps_the_most_recently_used() -> None:
    memo: M.Memo[int] = M.Memo("test", 3)
    for n in range(5):
        memo.get(lambda n=n: n, lambda n=n: n * 10)
    memo.get(lambda: 2, lambda: -1)  # 2 is used again: it stays, 3 goes next
    memo.get(lambda: 9, lambda: 90)
    assert len(memo) == 3
    assert memo.get(lambda: 2, lambda: -1) == 20 and memo.get(lambda: 4, lambda: -1) == 40
    assert memo.get(lambda: 3, lambda: -3) == -3  # forgotten: computed again


def test_frozen_tells_apart_what_code_may_treat_apart() -> None:
    keys = [M.frozen(v) for v in ({"a": [1]}, {"a": (1,)}, {"a": 1}, {"a": True}, {"a": 1.0}, {"a": "1"},
                                  {"a": None}, {"b": 1}, {"a": 1, "b": 2}, {"b": 2, "a": 1})]
    assert len(set(keys)) == len(keys)
    assert M.frozen({"a": [1, {"b": date(2026, 1, 1)}]}) == M.frozen({"a": [1, {"b": date(2026, 1, 1)}]})
    with pytest.raises(TypeError):
        M.frozen({"a": object()})


def test_what_cannot_be_keyed_is_computed_each_time() -> None:
    memo: M.Memo[int] = M.Memo("test", 3)
    calls: list[int] = []
    for _ in range(2):
        assert memo.get(lambda: M.frozen([object()]), lambda: calls.append(1) or len(calls)) == len(calls)
    assert calls == [1, 1] and len(memo) == 0


def test_own_rules_are_not_remembered() -> None:
    answers = A.plan_answers(PERSONA_ID, "id")
    rules = dict(load_content("plan"))
    posting.decide(answers, plan=rules)
    assert len(posting._DECIDE) == 0
    posting.decide(answers)
    assert len(posting._DECIDE) == 1


def test_the_pictures_take_the_plan_just_sent_once_for_the_same_answers() -> None:
    answers = A.plan_answers(PERSONA_ID, "id")
    sections = [Section("Judul", ["satu", "dua"])]
    kept = JustSent(2)
    kept.keep(1, answers, "id", "T", sections)
    assert kept.take(1, answers, "id") == ("T", sections)
    assert kept.take(1, answers, "id") is None  # taken once: a second drawing builds its own
    kept.keep(1, answers, "id", "T", sections)
    assert kept.take(1, dict(answers, pillars=["lain"]), "id") is None  # changed meanwhile: built again
    kept.keep(1, answers, "id", "T", sections)
    assert kept.take(1, answers, "en") is None  # another language
    for user in (1, 2, 3):
        kept.keep(user, answers, "id", f"T{user}", sections)
    assert len(kept) == 2 and kept.take(1, answers, "id") is None  # bounded: the oldest went
    assert kept.take(3, answers, "id") == ("T3", sections)
