"""Reviewing a draft caption (pure): which pillar it serves, reputation risks (negation-, quote- and
education-aware), platform limits, a call to action, hashtag ideas. Lexicons and limits: content/check.toml."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.content import load_content
from handlers.reminders import content as NC

CAPS = "caps"
_ENDINGS = r"(?:nya|lah|kah|pun|mu|ku|kan|an|s|es|ed)?"
_PUNCT_BREAK = re.compile(r"[.,!?;:\n()]")
_TOKEN = re.compile(r"[\w']+")
_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|«[^»\n]*»|(?<!\w)'[^'\n]+'(?!\w)|‘[^’\n]*’")
_SENTENCE = re.compile(r"(?<=[.!?\n])\s+")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_STRIP = re.compile(r"https?://\S+|(?<!\w)[#@]\w+")


@dataclass(frozen=True)
class Limit:
    platform: str
    what: str       # "chars" | "hashtags"
    count: int
    limit: int


@dataclass(frozen=True)
class Review:
    pillar: str | None             # the pillar the draft serves best, None: none
    risks: tuple[str, ...]         # risk classes found (content order, then "caps")
    over: tuple[Limit, ...]        # limits the draft breaks on the user's platforms
    checked: tuple[str, ...]       # the user's platforms that have limits
    chars: int
    hashtags: int
    cta: bool
    suggestions: tuple[str, ...]   # hashtags from the pillars, not already in the draft


def normalize(text: str) -> str:
    """Lower case, straight apostrophes, a letter repeated 3+ times once ("bodoooh" -> "bodoh")."""
    text = re.sub(r"(?<=\w)’(?=\w)", "'", text)
    return re.sub(r"([^\W\d_])\1{2,}", r"\1", text.lower())


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    """Terms as one regex: whole words, '*' any one word, an ending allowed on the last word."""
    alts = []
    for term in sorted({t.lower() for t in terms}, key=len, reverse=True):
        words = [r"\w+" if w == "*" else re.escape(w) for w in term.split()]
        alts.append(r"[\s\-]+".join(words))
    return re.compile(r"(?<![\w@#])(?:" + "|".join(alts) + r")" + _ENDINGS + r"(?!\w)") if alts else None


@dataclass(frozen=True)
class _Rules:
    negation: frozenset[str]
    breaks: frozenset[str]
    window: int
    education: re.Pattern[str] | None
    classes: tuple[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None, re.Pattern[str] | None, bool, bool], ...]
    titles: re.Pattern[str]
    cta: re.Pattern[str] | None
    min_caps: int
    caps_share: float
    limits: dict[str, dict[str, int]]
    stopwords: frozenset[str]


@lru_cache(maxsize=1)
def rules() -> _Rules:
    data = load_content("check")
    neg = data.get("negation", {})
    classes = tuple((name, _pattern(r.get("terms", [])), _pattern(r.get("with", [])), _pattern(r.get("near", [])),
                     bool(r.get("target")), bool(r.get("education", True)))
                    for name, r in data.get("risks", {}).items())
    titles = "|".join(re.escape(t) for t in data.get("target", {}).get("titles", [])) or "(?!)"
    return _Rules(
        negation=frozenset(w.lower() for w in neg.get("words", [])),
        breaks=frozenset(w.lower() for w in neg.get("clause_breaks", [])),
        window=int(neg.get("window", 4)), education=_pattern(data.get("education", {}).get("phrases", [])),
        classes=classes,
        titles=re.compile(r"(?:@\w{2,}|(?<!\w)(?i:" + titles + r")\.?\s+[A-Z][\w'-]+)"),
        cta=_pattern(data.get("cta", {}).get("phrases", [])),
        min_caps=int(data.get("caps", {}).get("min_words", 4)),
        caps_share=float(data.get("caps", {}).get("min_share", 0.6)),
        limits={k: dict(v) for k, v in data.get("limits", {}).items()},
        stopwords=frozenset(data.get("brand", {}).get("stopwords", [])))


def negated(text: str, start: int, r: _Rules) -> bool:
    """A negation among the few words before `start`, in the same clause."""
    before = _PUNCT_BREAK.split(text[:start])[-1]
    tokens = _TOKEN.findall(before)
    for n in range(len(tokens) - 1, -1, -1):
        if tokens[n] in r.breaks:
            tokens = tokens[n + 1:]
            break
    return any(t in r.negation for t in tokens[-r.window:])


def _live(pattern: re.Pattern[str] | None, text: str, r: _Rules) -> bool:
    """Some hit of the pattern in `text` that is neither quoted nor negated."""
    if pattern is None:
        return False
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    for m in pattern.finditer(text):
        if any(a <= m.start() < b for a, b in quoted):
            continue
        if not negated(text, m.start(), r):
            return True
    return False


def shouting(text: str, r: _Rules) -> bool:
    """All-caps anger: enough words in capitals, making up most of the words (hashtags, links, @names aside)."""
    words = re.findall(r"[^\W\d_]{2,}", _STRIP.sub(" ", text))
    caps = [w for w in words if w.isupper()]
    return len(caps) >= r.min_caps and len(caps) >= r.caps_share * len(words)


def risks(draft: str) -> tuple[str, ...]:
    """The reputation risk classes a draft shows."""
    r = rules()
    sentences = [s for s in _SENTENCE.split(draft) if s.strip()]
    normal = [normalize(s) for s in sentences]
    teaching = r.education is not None and bool(r.education.search(normalize(draft)))
    found = []
    for name, terms, with_, near, target, education in r.classes:
        if education and teaching:
            continue
        hit = any(_live(terms, s, r) for s in normal)
        for original, s in zip(sentences, normal):
            if hit:
                break
            if with_ is None or not _live(with_, s, r):
                continue
            if near is not None:
                hit = _live(near, s, r)
            elif target:
                hit = bool(r.titles.search(original))
            else:
                hit = True
        if hit:
            found.append(name)
    if shouting(draft, r):
        found.append(CAPS)
    return tuple(found)


def _words(text: str) -> re.Pattern[str] | None:
    return _pattern([text]) if text.strip() else None


def serving_pillar(draft: str, pillars: list[str]) -> str | None:
    """The pillar whose words (or theme words, content/ideas.toml) the draft uses most; None when none."""
    r = rules()
    text = normalize(draft)
    themes = NC.themes()
    best, score = None, 0
    tags = {h.lower() for h in _HASHTAG.findall(draft)}
    for pillar in pillars:
        words = {w for w in _TOKEN.findall(pillar.lower()) if len(w) >= 4 and w not in r.stopwords}
        for theme in NC.pillar_themes(pillar):
            words.update(themes.get(theme, ()))
        found = sum(1 for w in words if (p := _words(w)) is not None and p.search(text))
        found += 2 if "".join(_TOKEN.findall(pillar.lower().replace("'", ""))) in tags else 0
        if found > score:
            best, score = pillar, found
    return best


def suggest_tags(draft: str, pillars: list[str], first: str | None, most: int = 4) -> tuple[str, ...]:
    have = {h.lower() for h in _HASHTAG.findall(draft)}
    ordered = ([first] if first else []) + [p for p in pillars if p != first]
    out: list[str] = []
    for pillar in ordered:
        tag = "".join(_TOKEN.findall(pillar.lower().replace("'", "")))
        if 3 <= len(tag) <= 30 and tag not in have and f"#{tag}" not in out:
            out.append(f"#{tag}")
    return tuple(out[:most])


def review(draft: str, answers: dict[str, Any]) -> Review:
    """The whole review of a draft for this user's pillars and platforms."""
    r = rules()
    pillars = [str(p) for p in answers.get("pillars") or [] if str(p).strip()]
    platforms = [str(p) for p in (answers.get("focus_platforms") or answers.get("platforms_now") or []) if p != "none"]
    chars, tags = len(draft), len(_HASHTAG.findall(draft))
    checked = tuple(p for p in platforms if p in r.limits)
    over = []
    for p in checked:
        lim = r.limits[p]
        if "chars" in lim and chars > lim["chars"]:
            over.append(Limit(p, "chars", chars, lim["chars"]))
        if "hashtags" in lim and tags > lim["hashtags"]:
            over.append(Limit(p, "hashtags", tags, lim["hashtags"]))
    cta = (r.cta is not None and bool(r.cta.search(normalize(draft)))) or "?" in draft.strip()[-80:]
    pillar = serving_pillar(draft, pillars)
    return Review(pillar, risks(draft), tuple(over), checked, chars, tags, cta, suggest_tags(draft, pillars, pillar))
