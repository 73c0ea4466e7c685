"""Nudge kinds and post ideas from content/*.toml, schedules from content/plan.toml, and message rendering."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.content import load_content
from bot.i18n import Catalog
from bot.types import Choice, Outbound

# How many of the last ideas sent to a user are not repeated.
NO_REPEAT = 8
POSTS_OPTIONS = ("0", "1-2", "3-4", "5+")


@dataclass(frozen=True)
class Kind:
    id: str
    order: int
    times: tuple[str, ...]
    times_from: str | None
    days: tuple[int, ...]
    days_from: str | None
    monthday: int | None
    idea: bool
    checkin: bool
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Idea:
    id: str
    purposes: tuple[str, ...]
    themes: tuple[str, ...]


def kinds() -> dict[str, Kind]:
    """Every nudge kind, in display order."""
    raw = load_content("nudges")["kinds"]
    out = [Kind(id=k, order=int(v.get("order", 99)), times=tuple(v.get("times", ())), times_from=v.get("times_from"),
                days=tuple(int(d) for d in v.get("days", ())), days_from=v.get("days_from"),
                monthday=v.get("monthday"), idea=bool(v.get("idea")), checkin=bool(v.get("checkin")),
                variants=tuple(v.get("variants", ("a",))))
           for k, v in raw.items()]
    return {k.id: k for k in sorted(out, key=lambda k: (k.order, k.id))}


def ideas() -> list[Idea]:
    return [Idea(i["id"], tuple(i.get("purposes", ())), tuple(i.get("themes", ())))
            for i in load_content("ideas").get("ideas", [])]


def themes() -> dict[str, tuple[str, ...]]:
    return {k: tuple(w.lower() for w in v) for k, v in load_content("ideas").get("themes", {}).items()}


def plan_table(name: str, answers: dict[str, Any]) -> list[Any]:
    """The entry of a per-option table in content/plan.toml (reply_windows, posting_days) for the user's answer."""
    table = load_content("plan")[name]
    by_option = table["options"]
    return list(by_option.get(str(answers.get(table["step"])), by_option[table["default"]]))


def default_schedule(kind: Kind, answers: dict[str, Any]) -> tuple[list[str], list[int], int | None]:
    """(times, days, monthday) for a kind, written from the user's plan answers."""
    times = plan_table("reply_windows", answers) if kind.times_from == "response_time" else list(kind.times)
    days = plan_table("posting_days", answers) if kind.days_from == "cadence" else list(kind.days)
    return times, [int(d) for d in days], kind.monthday


# A theme word matches a whole word of the pillar, allowing common endings ("lagunya", "recipes", "cooking"),
# so "band" does not match "Bandung" nor "desa" "desain".
_ENDINGS = r"(?:nya|ku|mu|an|kan|s|es|ies|y|ing|er|ers)?"


@lru_cache(maxsize=1)
def _theme_patterns() -> dict[str, re.Pattern[str]]:
    return {theme: re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w.lower()) for w in words) + r")" + _ENDINGS
                              + r"(?!\w)") for theme, words in themes().items() if words}


def pillar_themes(pillar: str) -> set[str]:
    """The themes whose words stand as whole words (give or take an ending) in a content pillar."""
    low = pillar.lower()
    return {theme for theme, pattern in _theme_patterns().items() if pattern.search(low)}


def pick_idea(answers: dict[str, Any], recent: list[str], seed: str) -> tuple[Idea, str] | None:
    """An idea for one of the user's pillars and purposes that is not among the recent ones."""
    pillars = [str(p) for p in (answers.get("pillars") or [])] or [""]
    purposes = set(answers.get("purposes") or [])
    digest = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    pillar = pillars[digest % len(pillars)]
    fits = pillar_themes(pillar)
    pool = [i for i in ideas() if (not i.purposes or not purposes or purposes & set(i.purposes))
            and (not i.themes or fits & set(i.themes))]
    if not pool:
        return None
    themed = [i for i in pool if i.themes]
    fresh = [i for i in pool if i.id not in recent[:NO_REPEAT]]
    fresh_themed = [i for i in themed if i.id not in recent[:NO_REPEAT]]
    if fresh_themed and digest % 2 == 0:
        candidates = fresh_themed
    elif fresh:
        candidates = fresh
    else:  # everything was sent lately: the one sent longest ago
        order = {idea: n for n, idea in enumerate(recent)}
        candidates = [max(pool, key=lambda i: order.get(i.id, len(recent) + 1))]
    return candidates[(digest // 2) % len(candidates)], pillar


def params(catalog: Catalog, lang: str, answers: dict[str, Any], times: list[str], days: list[int]) -> dict[str, Any]:
    """Placeholders every nudge text may use, from the plan answers."""
    def opt(step: str, value: Any, default: str) -> str:
        return catalog.t(lang, f"opt.{step}.{value if value is not None else default}")

    minutes = int(answers.get("daily_minutes") or 30)
    pillars = [str(p) for p in (answers.get("pillars") or [])]
    dash = "-"
    return {
        "name": str(answers.get("name") or "").strip() or catalog.t(lang, "nudge.friend"),
        "target": opt("response_time", answers.get("response_time"), "24"),
        "times": ", ".join(times),
        "minutes": minutes - round(minutes * 0.6),
        "replier": answers.get("team_replier") or catalog.t(lang, "nudge.you"),
        "pillar": pillars[0] if pillars else dash,
        "pillars": ", ".join(pillars) or dash,
        "cadence": opt("cadence", answers.get("cadence"), "3"),
        "days": ", ".join(catalog.t(lang, f"day.{d}") for d in days),
        "vision": answers.get("vision") or dash,
        "mission": answers.get("mission") or dash,
        "goal_5y": answers.get("goal_5y") or dash,
        "goal_10y": answers.get("goal_10y") or catalog.t(lang, "nudge.no_goal_10y"),
        "offline": answers.get("offline") or dash,
        "creative_angle": answers.get("creative_angle") or dash,
        "quality": answers.get("quality") or dash,
        "criticism": opt("criticism", answers.get("criticism"), "calm"),
    }


def snooze_choices(catalog: Catalog, lang: str, nudge_id: int, slot: int) -> list[Choice]:
    ref = f"n:{nudge_id}:{slot:x}"
    return [Choice(f"{ref}:h", catalog.t(lang, "nudge.btn.snooze_hour")),
            Choice(f"{ref}:d", catalog.t(lang, "nudge.btn.snooze_tomorrow")),
            Choice(f"{ref}:w", catalog.t(lang, "nudge.btn.snooze_week"))]


def posts_choices(catalog: Catalog, lang: str, week: str) -> list[Choice]:
    return [Choice(f"w:{week}:p:{o}", catalog.t(lang, f"checkin.posts.{o}")) for o in POSTS_OPTIONS]


def render(catalog: Catalog, lang: str, kind: Kind, *, nudge_id: int, slot: int, sent_count: int,
           answers: dict[str, Any], times: list[str], days: list[int], week: str,
           idea: tuple[Idea, str] | None) -> Outbound:
    """One nudge message: the kind's next variant, a post idea or check-in buttons, and snooze buttons."""
    p = params(catalog, lang, answers, times, days)
    variant = kind.variants[sent_count % len(kind.variants)] if kind.variants else "a"
    key = f"nudge.{kind.id}.{variant}"
    parts = [catalog.t(lang, key, **p)]
    choices: list[Choice] = []
    if kind.idea and idea is not None:
        chosen, pillar = idea
        formats = answers.get("formats") or ["photo"]
        chosen_format = formats[slot % len(formats)]
        # mid-sentence wording of the format ("video pendek"), falling back to the option label
        fmt = catalog.t(lang, f"idea_format.{chosen_format}") if catalog.has(f"idea_format.{chosen_format}", lang) \
            else catalog.t(lang, f"opt.formats.{chosen_format}")
        parts.append(catalog.t(lang, "nudge.idea", idea=catalog.t(lang, f"idea.{chosen.id}", pillar=pillar or p["pillar"],
                                                                    format=fmt)))
    if kind.checkin:
        parts.append(catalog.t(lang, "checkin.ask_posts"))
        choices.extend(posts_choices(catalog, lang, week))
    choices.extend(snooze_choices(catalog, lang, nudge_id, slot))
    meta: dict[str, Any] = {"lang": lang, "nudge": kind.id}
    if kind.idea and idea is not None:
        meta["idea"] = idea[0].id
    return Outbound(text="\n\n".join(parts), key=key, choices=tuple(choices), private=True,
                    expects="choice" if kind.checkin else "", meta=meta)
