"""Reviewing a draft caption (pure): reputation and legal risks with the words that show them (the shared
understanding layer, handlers.understand.risk), which pillar it serves, platform limits, a call to action,
hashtag ideas. Lexicons, rules and limits: content/check.toml."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.content import load_content
from bot.gcpolicy import lasting
from handlers import hashtags
from handlers.reminders import content as NC
from handlers.reputation import usable_answers
from handlers.understand import risk as R
from handlers.understand.morph import forms
from handlers.understand.text import fold, words

CAPS = R.CAPS
_TOKEN = re.compile(r"[\w']+")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_QUESTION_TAIL = 80


@dataclass(frozen=True)
class Limit:
    platform: str
    what: str       # "chars" | "hashtags"
    count: int
    limit: int


@dataclass(frozen=True)
class Review:
    pillar: str | None              # the pillar the draft serves best, None: none
    findings: tuple[R.Finding, ...]  # risks found, each with its severity and the words that show it
    over: tuple[Limit, ...]         # limits the draft breaks on the user's platforms
    checked: tuple[str, ...]        # the user's platforms that have limits
    chars: int
    hashtags: int
    cta: bool                       # asks readers to do something (never when `withheld`)
    suggestions: tuple[str, ...]    # hashtags from the pillars, not already in the draft
    withheld: tuple[str, ...] = ()  # risks that take the praise away (every "stop" risk, and [praise].withheld_by)
    bait_cta: bool = False          # it asks readers to do something, but that ask is withheld (bait, insult...)

    @property
    def risks(self) -> tuple[str, ...]:
        return tuple(f.risk for f in self.findings)

    @property
    def severity(self) -> str | None:
        """The most serious severity found ("stop", "rethink", "polish"), None when nothing was found."""
        found = {f.severity for f in self.findings}
        return next((s for s in R.SEVERITIES if s in found), None)


@dataclass(frozen=True)
class _Extras:
    limits: dict[str, dict[str, int]]
    stopwords: frozenset[str]
    withheld_by: frozenset[str]


@lasting
@lru_cache(maxsize=1)
def _extras() -> _Extras:
    data = load_content("check")
    return _Extras({k: dict(v) for k, v in data.get("limits", {}).items()},
                   frozenset(data.get("brand", {}).get("stopwords", [])),
                   frozenset(data.get("praise", {}).get("withheld_by", [])))


def risks(draft: str) -> tuple[str, ...]:
    """The risk categories a draft shows (content order, caps last)."""
    return tuple(f.risk for f in R.assess(draft))


def asks_readers(draft: str) -> bool:
    """A call to action ([concepts].cta, even after "jangan lupa") or a question near the end."""
    _, found = R.hits(draft)
    return any(h.concept == "cta" for h in found) or "?" in draft.strip()[-_QUESTION_TAIL:]


def _draft_forms(draft: str) -> set[str]:
    out: set[str] = set()
    for w in words(draft):
        out |= forms(w.norm)
    return out


def serving_pillar(draft: str, pillars: list[str]) -> str | None:
    """The pillar whose words (any form, hashtags included) or theme words (content/ideas.toml) the draft uses
    most; None when none. "#breathwork" serves the pillar "breathwork for stress"."""
    stop = _extras().stopwords
    themes = NC.themes()
    have = _draft_forms(draft)
    text = " " + " ".join(fold(w) for w in _TOKEN.findall(draft)) + " "
    tags = {h.lower() for h in _HASHTAG.findall(draft)}
    best, score = None, 0
    for pillar in pillars:
        own = {w for w in (fold(t) for t in _TOKEN.findall(pillar)) if len(w) >= 4 and w not in stop}
        theme_words = {w for theme in NC.pillar_themes(pillar) for w in themes.get(theme, ())}
        found = sum(1 for w in own if w in have or any(t.startswith(w) for t in tags))
        found += sum(1 for w in theme_words if (f" {w} " in text if " " in w else w in have))
        found += 2 if "".join(_TOKEN.findall(pillar.lower().replace("'", ""))) in tags else 0
        if found > score:
            best, score = pillar, found
    return best


def suggest_tags(draft: str, pillars: list[str], first: str | None, most: int = 4) -> tuple[str, ...]:
    """Hashtags people search for the pillar the draft serves (first), then the others: short niche tags from the
    pillar's key words and broad ones from its themes, in the draft's language, none already in the draft
    (handlers/hashtags.py; never a whole pillar glued into one tag)."""
    return hashtags.for_draft(draft, pillars, first, most)


def review(draft: str, answers: dict[str, Any]) -> Review:
    """The whole review of a draft for this user's pillars and platforms."""
    extras = _extras()
    pillars = [str(p) for p in usable_answers(answers).get("pillars") or [] if str(p).strip()]
    platforms = [str(p) for p in (answers.get("focus_platforms") or answers.get("platforms_now") or []) if p != "none"]
    chars, tags = len(draft), len(_HASHTAG.findall(draft))
    checked = tuple(p for p in platforms if p in extras.limits)
    over = []
    for p in checked:
        lim = extras.limits[p]
        if "chars" in lim and chars > lim["chars"]:
            over.append(Limit(p, "chars", chars, lim["chars"]))
        if "hashtags" in lim and tags > lim["hashtags"]:
            over.append(Limit(p, "hashtags", tags, lim["hashtags"]))
    found = R.assess(draft)
    withheld = tuple(f.risk for f in found if f.severity == "stop" or f.risk in extras.withheld_by)
    asks = asks_readers(draft)
    pillar = serving_pillar(draft, pillars)
    return Review(pillar, found, tuple(over), checked, chars, tags, asks and not withheld,
                  suggest_tags(draft, pillars, pillar), withheld, asks and bool(withheld))
