"""Reviewing a draft caption (pure): which pillar it serves, reputation risks (negation-, quote- and
education-aware), platform limits, a call to action, hashtag ideas. Lexicons and limits: content/check.toml."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.content import load_content
from handlers.reminders import content as NC
from handlers.reputation import respell, usable_answers

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
    cta: bool                      # asks readers to do something (never when `withheld`)
    suggestions: tuple[str, ...]   # hashtags from the pillars, not already in the draft
    withheld: tuple[str, ...] = ()  # risk classes found that withhold praise ([praise].withheld_by): bait is no CTA
    bait_cta: bool = False          # it asks readers to do something, but that ask is withheld (bait, insult...)


def normalize(text: str) -> str:
    """Lower case, straight apostrophes, a letter repeated 3+ times once ("bodoooh" -> "bodoh"), chat spellings
    written out ("yg gak" -> "yang gak", content/reputation.toml [spelling])."""
    text = re.sub(r"(?<=\w)’(?=\w)", "'", text)
    return respell(re.sub(r"([^\W\d_])\1{2,}", r"\1", text.lower()))


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    """Terms as one regex: whole words, '*' any one word, an ending allowed on the last word."""
    alts = []
    for term in sorted({t.lower() for t in terms}, key=len, reverse=True):
        words = [r"\w+" if w == "*" else re.escape(w) for w in term.split()]
        alts.append(r"[\s\-]+".join(words))
    return re.compile(r"(?<![\w@#])(?:" + "|".join(alts) + r")" + _ENDINGS + r"(?!\w)") if alts else None


@dataclass(frozen=True)
class _Class:
    name: str
    terms: re.Pattern[str] | None
    with_: re.Pattern[str] | None
    near: re.Pattern[str] | None
    target: bool
    education: bool
    whole_draft: bool   # `with` and `near` may stand in different sentences of the draft


@dataclass(frozen=True)
class _Rules:
    negation: frozenset[str]
    breaks: frozenset[str]
    window: int
    education: re.Pattern[str] | None
    classes: tuple[_Class, ...]
    titles: re.Pattern[str]
    targets: re.Pattern[str] | None
    cta: re.Pattern[str] | None
    withheld_by: frozenset[str]
    min_caps: int
    caps_share: float
    limits: dict[str, dict[str, int]]
    stopwords: frozenset[str]


@lru_cache(maxsize=1)
def rules() -> _Rules:
    data = load_content("check")
    neg = data.get("negation", {})
    classes = tuple(_Class(name, _pattern(r.get("terms", [])), _pattern(r.get("with", [])), _pattern(r.get("near", [])),
                           bool(r.get("target")), bool(r.get("education", True)), r.get("scope") == "draft")
                    for name, r in data.get("risks", {}).items())
    target = data.get("target", {})
    titles = "|".join(re.escape(t) for t in target.get("titles", [])) or "(?!)"
    return _Rules(
        negation=frozenset(w.lower() for w in neg.get("words", [])),
        breaks=frozenset(w.lower() for w in neg.get("clause_breaks", [])),
        window=int(neg.get("window", 4)), education=_pattern(data.get("education", {}).get("phrases", [])),
        classes=classes,
        titles=re.compile(r"(?:@\w{2,}|(?<!\w)(?i:" + titles + r")\.?\s+[A-Z][\w'-]+)"),
        targets=_pattern(target.get("phrases", [])),
        cta=_pattern(data.get("cta", {}).get("phrases", [])),
        withheld_by=frozenset(data.get("praise", {}).get("withheld_by", [])),
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


def _masked(pattern: re.Pattern[str], text: str, r: _Rules) -> str:
    """`text` with the live hits of `pattern` blanked out, so that their own words ("jangan pilih", "don't vote")
    do not read as a negation of the other half of a pair."""
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    spans = [m.span() for m in pattern.finditer(text)
             if not any(a <= m.start() < b for a, b in quoted) and not negated(text, m.start(), r)]
    for a, b in reversed(spans):
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def _paired(c: _Class, sentences: list[str], normal: list[str], r: _Rules) -> bool:
    """A `with` word together with its other half: a `near` word (same sentence or, scope "draft", anywhere), or a
    named target in the same sentence."""
    if c.with_ is None:
        return False
    if c.near is not None:
        near = c.near
        if c.whole_draft:
            return any(_live(near, s, r) for s in normal) and any(_live(c.with_, _masked(near, s, r), r)
                                                                  for s in normal)
        return any(_live(near, s, r) and _live(c.with_, _masked(near, s, r), r) for s in normal)
    if c.target:
        return any(_live(c.with_, s, r) and (bool(r.titles.search(original)) or _live(r.targets, s, r))
                   for original, s in zip(sentences, normal))
    return any(_live(c.with_, s, r) for s in normal)


def risks(draft: str) -> tuple[str, ...]:
    """The reputation risk classes a draft shows."""
    r = rules()
    sentences = [s for s in _SENTENCE.split(draft) if s.strip()]
    normal = [normalize(s) for s in sentences]
    teaching = r.education is not None and bool(r.education.search(normalize(draft)))
    found = [c.name for c in r.classes if not (c.education and teaching)
             and (any(_live(c.terms, s, r) for s in normal) or _paired(c, sentences, normal, r))]
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
    pillars = [str(p) for p in usable_answers(answers).get("pillars") or [] if str(p).strip()]
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
    found = risks(draft)
    withheld = tuple(f for f in found if f in r.withheld_by)
    asks = (r.cta is not None and bool(r.cta.search(normalize(draft)))) or "?" in draft.strip()[-80:]
    pillar = serving_pillar(draft, pillars)
    return Review(pillar, found, tuple(over), checked, chars, tags, asks and not withheld,
                  suggest_tags(draft, pillars, pillar), withheld, asks and bool(withheld))
