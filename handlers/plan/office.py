"""Office hours (content/office_hours.toml): answers that say replies happen during office hours, and the reply
windows kept inside those hours. Pure, given the content; shared by the plan and the reminders."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot import schema
from bot.content import content_doc, load_content
from handlers.lexicon import fold
from handlers.plan.memo import frozen, memo

CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d"
SCHEMA = schema.Table({
    "hours": schema.Field(schema.Table({
        "start": schema.Field(str, required=True, pattern=CLOCK),
        "end": schema.Field(str, required=True, pattern=CLOCK),
        "last_window": schema.Field(str, required=True, pattern=CLOCK),
        "days": schema.Field(schema.ListOf(int), required=True, min=0, max=6),
        "evening_check": schema.Field(str, pattern=CLOCK),
    }), required=True),
    "words": schema.Field(schema.Table({
        "phrases": schema.Field(schema.ListOf(str), required=True),
        "negations": schema.Field(schema.ListOf(str), required=True),
        "extensions": schema.Field(schema.ListOf(str)),
        "window": schema.Field(int, min=1, max=10),
        "steps": schema.Field(schema.ListOf(str)),
    }), required=True),
})
FREE_TEXT = ("text", "list")  # the kinds of answer read for office hours
_CLAUSE = re.compile(r"[,;.!?:()\n]+|\s[-–—]\s")  # a negation does not reach across these


@dataclass(frozen=True)
class Hours:
    """The office hours an answer means: clock times "HH:MM", office days (0 = Monday), optional evening check."""

    start: str
    end: str
    last_window: str
    days: tuple[int, ...]
    evening: str | None = None


@dataclass(frozen=True)
class Words:
    phrases: tuple[str, ...]
    negations: tuple[str, ...]
    extensions: tuple[str, ...]
    window: int
    steps: tuple[str, ...]  # () = every free-text answer


def findings(data: Mapping[str, Any], free_steps: Sequence[str] | None) -> list[schema.Finding]:
    """Schema violations, hours that do not make a working day, empty phrases, unknown or non-text steps."""
    found = schema.validate(data, SCHEMA)
    if found:
        return found
    hours, words = data["hours"], data["words"]
    if not hours["start"] < hours["end"]:
        found.append(("hours.end", f"{hours['end']!r} must be after start {hours['start']!r}"))
    if not hours["start"] <= hours["last_window"] < hours["end"]:
        found.append(("hours.last_window", f"{hours['last_window']!r} must lie in [start, end)"))
    if not hours["days"] or len(set(hours["days"])) != len(hours["days"]):
        found.append(("hours.days", "list each office day once (at least one)"))
    if "evening_check" in hours and not hours["evening_check"] > hours["end"]:
        found.append(("hours.evening_check", f"{hours['evening_check']!r} must be after end {hours['end']!r}"))
    for name in ("phrases", "negations", "extensions"):
        found += [(f"words.{name}", f"{w!r} is empty once folded") for w in words.get(name, []) if not fold(w)]
    if not words["phrases"]:
        found.append(("words.phrases", "at least one phrase is needed"))
    both = {fold(p) for p in words["phrases"]} & {fold(n) for n in words["negations"]}
    found += [("words.negations", f"{w!r} is both a phrase and a negation") for w in sorted(both)]
    if free_steps is not None:
        found += [("words.steps", f"{s!r} is not a text or list step of content/questionnaire.toml")
                  for s in words.get("steps", []) if s not in free_steps]
    return found


def _free_steps() -> list[str] | None:
    raws = load_content("questionnaire").get("steps")
    if not isinstance(raws, list):
        return None
    return [r["id"] for r in raws if isinstance(r, dict) and r.get("kind") in FREE_TEXT and "id" in r]


def check() -> list[schema.Issue]:
    """Every problem in content/office_hours.toml."""
    doc = content_doc("office_hours")
    return doc.issues(findings(doc.data, _free_steps()))


schema.register_check("office_hours", check)


def parse(data: Mapping[str, Any]) -> tuple[Hours, Words]:
    """The hours and words of content/office_hours.toml (a ValueError when the content is bad)."""
    found = findings(data, None)
    if found:
        raise ValueError("content/office_hours.toml: " + "; ".join(f"{p}: {m}" for p, m in found))
    h, w = data["hours"], data["words"]
    hours = Hours(h["start"], h["end"], h["last_window"], tuple(h["days"]), h.get("evening_check"))
    words = Words(tuple(fold(p) for p in w["phrases"]), tuple(fold(n) for n in w["negations"]),
                  tuple(fold(x) for x in w.get("extensions", [])), int(w.get("window", 3)), tuple(w.get("steps", [])))
    return hours, words


@lru_cache(maxsize=1)
def content() -> tuple[Hours, Words]:
    """content/office_hours.toml, checked."""
    return parse(load_content("office_hours"))


def _has(tokens: Sequence[str], phrases: Sequence[str]) -> bool:
    padded = f" {' '.join(tokens)} "
    return any(f" {p} " in padded for p in phrases)


@lru_cache(maxsize=4096)
def mentions(text: str, words: Words) -> bool | None:
    """True when the text says office hours ('pas jam kantor', 'during office hours'), False when it says the
    opposite ('bukan jam kantor', 'not only office hours', 'jam kerja sampai malam'), None when it says neither.
    A text with both kinds of mention is False: the answers must say office hours without a doubt. Remembered per
    text and words (bounded): a plan asks it of every free-text answer some twenty times."""
    said: bool | None = None
    for clause in _CLAUSE.split(text):
        tokens = fold(clause).split()
        padded = f" {' '.join(tokens)} "
        for phrase in words.phrases:
            if phrase and phrase.strip() == phrase and f" {phrase} " not in padded:
                continue  # not in this clause: no need to look for it at every word
            size = len(phrase.split())
            for i in range(len(tokens) - size + 1):
                if " ".join(tokens[i:i + size]) != phrase:
                    continue
                before, after = tokens[max(0, i - words.window):i], tokens[i + size:i + size + words.window]
                if _has(before, words.negations) or _has(after, words.extensions):
                    return False
                said = True
    return said


def recognised(answers: Mapping[str, Any], kinds: Mapping[str, str],
               data: tuple[Hours, Words] | None = None) -> Hours | None:
    """The office hours the free-text answers mean, else None. `kinds`: step id -> kind (text, list, ...)."""
    hours, words = data or content()
    said = False
    for step, kind in kinds.items():
        if kind not in FREE_TEXT or (words.steps and step not in words.steps):
            continue
        value = answers.get(step)
        for item in value if isinstance(value, list | tuple) else [value]:
            if not isinstance(item, str):
                continue
            found = mentions(item, words)
            if found is False:
                return None
            said = said or bool(found)
    return hours if said else None


def inside(windows: Sequence[str], hours: Hours) -> list[str]:
    """The windows kept inside the office hours: one outside moves to the nearest time inside (start or the last
    window); windows that then fall together count once."""
    out: list[str] = []
    for w in windows:
        kept = hours.start if w < hours.start else hours.last_window if w > hours.last_window else w
        if kept not in out:
            out.append(kept)
    return sorted(out)


@lru_cache(maxsize=1)
def _kinds() -> dict[str, str]:
    raws = load_content("questionnaire").get("steps") or []
    return {str(r["id"]): str(r.get("kind", "")) for r in raws if isinstance(r, dict) and "id" in r}


_OF_ANSWERS = memo("office.of_answers")


def of_answers(answers: Mapping[str, Any]) -> Hours | None:
    """The office hours the user's stored answers mean (content/questionnaire.toml kinds), else None. Remembered
    per answers and content (bounded): the plan, its schedule and the reminders each ask it."""
    data = content()
    return _OF_ANSWERS.get(lambda: (frozen(answers), data), lambda: recognised(answers, _kinds(), data))
