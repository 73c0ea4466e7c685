"""What a content pillar is about: its themes, read from weighted cues (content/ideas.toml [themes], [weak_cues]).

Why weights: a pillar is a few words a person typed ("GRWM kuliah", "honest review produk lokal"). Matching any
theme word made "kuliah" pull a beauty pillar into teaching and "produk" turn a reviewer into a shop. So a cue
that names a theme on its own weighs 2, a whole phrase 3 (and its words no longer count for another theme: a
phrase beats a single word), and an ambiguous word 1: it needs support (a second cue of its theme) before it
decides anything. A pillar gets the themes that reach MIN_SCORE and are at least half as strong as its best one.

Pure and free of other features, so the plan (hashtags, playbooks), the ideas and the nudges can all import it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.content import load_content

MIN_SCORE = 2       # a theme needs this much evidence: one clear cue, or an ambiguous word with support
WORD, PHRASE, WEAK = 2, 3, 1
# A cue matches a whole word of the pillar, allowing common endings ("lagunya", "recipes", "cooking"), so "band"
# does not match "Bandung" nor "desa" "desain".
ENDINGS = r"(?:nya|ku|mu|an|kan|s|es|ies|y|ing|er|ers)?"


@dataclass(frozen=True)
class Cue:
    theme: str
    text: str
    weight: int
    pattern: re.Pattern[str]


def _pattern(cue: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in cue.lower().split()]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + ENDINGS + r"(?!\w)")


@lru_cache(maxsize=1)
def cues() -> tuple[Cue, ...]:
    """Every cue of content/ideas.toml, longest (phrases) first: they are matched before the words inside them."""
    data = load_content("ideas")
    out = [Cue(theme, w.lower(), PHRASE if len(w.split()) > 1 else WORD, _pattern(w))
           for theme, words in (data.get("themes") or {}).items() for w in words]
    out += [Cue(theme, w.lower(), WEAK, _pattern(w)) for theme, words in (data.get("weak_cues") or {}).items()
            for w in words]
    return tuple(sorted(out, key=lambda c: (-len(c.text.split()), -c.weight, -len(c.text))))


def scores(text: str) -> dict[str, int]:
    """Evidence per theme in a text: each cue once, a phrase's words taken by the phrase."""
    low = text.lower()
    taken: list[tuple[int, int]] = []
    found: dict[str, set[str]] = {}
    out: dict[str, int] = {}
    for cue in cues():
        for m in cue.pattern.finditer(low):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            if cue.text not in found.setdefault(cue.theme, set()):
                found[cue.theme].add(cue.text)
                out[cue.theme] = out.get(cue.theme, 0) + cue.weight
    return out


def pillar_themes(pillar: str) -> set[str]:
    """The themes a pillar is about: enough evidence (MIN_SCORE), and not dwarfed by a stronger theme."""
    found = scores(pillar)
    best = max(found.values(), default=0)
    return {t for t, s in found.items() if s >= MIN_SCORE and 2 * s >= best}


def matched_phrases(text: str) -> list[str]:
    """The multi-word cues a text contains, as the text spells them (for hashtags: "produk lokal")."""
    low = text.lower()
    out: list[str] = []
    for cue in cues():
        if len(cue.text.split()) > 1:
            out += [m.group(0) for m in cue.pattern.finditer(low) if m.group(0) not in out]
    return out
