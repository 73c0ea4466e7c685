"""Which reputation and legal risks a text shows (a draft for /check, an answer for the reputation guard), each
with the words that triggered it, read as people write: chat spellings, word forms, negation, quotation,
teaching about a risk rather than taking it.

The categories, their severity, word groups, concepts and rules are content (content/check.toml [risks],
[groups], [concepts], [person]); this module is pure given the content and imports no feature.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot import schema
from bot.content import content_doc, load_content
from bot.gcpolicy import lasting
from handlers.understand import model as _model
from handlers.understand.match import Hit, Matcher, parse_phrase
from handlers.understand.text import Word, sentences, words

SEVERITIES = ("stop", "rethink", "polish")
CAPS = "caps"
PERSON = "person"          # a concept the code fills too: a title and a capitalised name, an @handle
PHONE = "phone"            # filled by the code: a phone number
MONEY = "money_amount"     # filled by the code: an amount of money ("50rb", "Rp 50.000", "$20", "200 juta")
RATE = "return_rate"       # filled by the code: a return promised per period ("10% per bulan", "5% a week")
NAME = "name"              # filled by the code: a capitalised word inside a sentence ("... kata Rizal ...")
KILOS = "weight_loss"      # filled by the code: kilos lost ("turun 7 kg", "lost 20kg")
BUILT_IN = (PERSON, NAME, PHONE, MONEY, RATE, KILOS)

_PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)\s?8\d{1,2}(?:[\s.-]?\d{2,4}){2,4}(?!\d)"
                    r"|(?<![\w+])\+\d{1,3}(?:[\s.-]?\d{2,4}){3,5}")
_MONEY = re.compile(r"(?i)(?:\brp\.?\s?\d[\d.,]*|\$\s?\d[\d.,]*|\b\d[\d.,]*\s?(?:rb|ribu|k|jt|juta|rupiah|ratus|"
                    r"ribuan|an ribu|dollars?|bucks)\b|\bidr\s?\d[\d.,]*|\b(?:goceng|gocap|cepek|ceban|noceng|sejuta|"
                    r"seratus ribu|lima puluh ribu|dua puluh ribu)\b)")
_RATE = re.compile(r"(?i)\d+(?:[.,]\d+)?\s?(?:%|persen|percent)\s*(?:(?:per|tiap|setiap|a|an|/|every|each)\s*"
                   r"(?:minggu|bulan|hari|pekan|tahun|week|month|day|year)|mingguan|bulanan|harian|weekly|monthly|daily)\b")
_KILOS = re.compile(r"(?i)\b(?:turun|lose|lost|losing|drop|dropped|minus|buang|susut)\s+(?:\w+\s+){0,2}\d+\s?"
                    r"(?:kg|kilo|kilogram|pounds|lbs)\b")
_HANDLE = re.compile(r"(?<![\w@])@\w{2,}")
_CAPS_WORD = re.compile(r"[^\W\d_]{2,}")
_STRIP = re.compile(r"https?://\S+|(?<!\w)[#@]\w+")


@dataclass(frozen=True)
class Finding:
    """One risk found: its category, how serious (stop / rethink / polish), and the words that show it."""

    risk: str
    severity: str
    quote: str
    fix: str = ""      # the rule's own safer way ([[risks.<name>.rules]].fix, a check.fix_for.<fix> text); "": the risk's


@dataclass(frozen=True)
class _Rule:
    all: tuple[str, ...]
    scope: str           # "sentence" | "draft"
    quote: str
    fix: str = ""        # a safer way for what this rule found ("scarcity"), "": the risk's general one


@dataclass(frozen=True)
class _Risk:
    name: str
    severity: str
    education: bool       # a draft that teaches about it (an [concepts].education hit) is not this risk
    unless: tuple[str, ...]
    rules: tuple[_Rule, ...]


@dataclass(frozen=True)
class Rules:
    risks: tuple[_Risk, ...]
    matcher: Matcher
    breaks: frozenset[str]
    titles: frozenset[str]
    common: frozenset[str]     # capitalised words that are no one's name ([person].not_names)
    caps_words: int
    caps_share: float
    caps_severity: str
    negating: frozenset[str]   # concepts whose leading negation still negates: all but [matching].units
    never_negated: frozenset[str]  # concepts that name who or what is talked about ([matching].never_negated)
    thresholds: tuple[float, float] | None = None  # [model] (with_rule, alone): the learned model's say; None: off
    needs: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # [model.needs]: risk -> concepts


def _concepts_used(risks: Sequence[_Risk]) -> set[str]:
    return {c for r in risks for rule in r.rules for c in rule.all} | {c for r in risks for c in r.unless}


@lasting
@lru_cache(maxsize=1)
def rules() -> Rules:
    """content/check.toml compiled (once per process)."""
    data = load_content("check")
    shared = load_content("understand")
    groups = {k: list(v) for k, v in data.get("groups", {}).items()}
    concepts = {name: tuple(x for p in phrases for x in parse_phrase(p, groups))
                for name, phrases in data.get("concepts", {}).items()}
    risks = tuple(_Risk(name, r.get("severity", "rethink"), bool(r.get("education", False)), tuple(r.get("unless", ())),
                        tuple(_Rule(tuple(rule["all"]), rule.get("scope", "sentence"), rule.get("quote", rule["all"][-1]),
                                          rule.get("fix", ""))
                              for rule in r.get("rules", ())))
                  for name, r in data.get("risks", {}).items())
    neg = shared.get("negation", {})
    caps = data.get("caps", {})
    return Rules(risks, Matcher(concepts, frozenset(neg.get("words", ())), int(neg.get("window", 4))),
                 frozenset(shared.get("clause", {}).get("words", ())),
                 frozenset(t.lower() for t in data.get("person", {}).get("titles", ())),
                 frozenset(t.lower() for t in data.get("person", {}).get("not_names", ())),
                 int(caps.get("min_words", 4)), float(caps.get("min_share", 0.6)), caps.get("severity", "rethink"),
                 frozenset(concepts) - frozenset(data.get("matching", {}).get("units", ())),
                 frozenset(data.get("matching", {}).get("never_negated", ())) | {PERSON},
                 (float(data["model"]["with_rule"]), float(data["model"]["alone"])) if "model" in data else None,
                 {k: tuple(v) for k, v in data.get("model", {}).get("needs", {}).items()})


def _word_at(ws: Sequence[Word], offset: int) -> int:
    for i, w in enumerate(ws):
        if w.end > offset:
            return i
    return max(len(ws) - 1, 0)


def _built_in(text: str, ws: Sequence[Word], r: Rules) -> list[Hit]:
    """Hits the code finds: named people (a title then a capitalised name, an @handle), phones, money."""
    out: list[Hit] = []
    starts = {a for a, _ in sentences(text)}
    for n, w in enumerate(ws):
        nxt = ws[n + 1] if n + 1 < len(ws) else None
        if nxt and w.norm in r.titles and nxt.capital and nxt.clause == w.clause and nxt.norm not in r.titles:
            out.append(Hit(PERSON, n, n + 1, w.start, nxt.end, True))
        first = n == 0 or ws[n - 1].end <= max((a for a in starts if a <= w.start), default=0)
        if w.capital and not w.upper and not first and w.norm not in r.common and len(w.norm) > 2:
            out.append(Hit(NAME, n, n, w.start, w.end, True))
    for pattern, concept in ((_HANDLE, PERSON), (_PHONE, PHONE), (_MONEY, MONEY), (_RATE, RATE), (_KILOS, KILOS)):
        for m in pattern.finditer(text):
            i = _word_at(ws, m.start())
            live = not r.matcher.quoted(text, m.start())
            out.append(Hit(concept, i, _word_at(ws, m.end() - 1), m.start(), m.end(), live))
    return out


def shouting(text: str, r: Rules) -> str | None:
    """All-caps anger: the capitalised words when they are enough and most of the words (hashtags, links aside)."""
    found = _CAPS_WORD.findall(_STRIP.sub(" ", text))
    caps = [w for w in found if w.isupper()]
    if len(caps) >= r.caps_words and len(caps) >= r.caps_share * len(found):
        return " ".join(caps[:6])
    return None


def hits(text: str) -> tuple[list[Word], list[Hit]]:
    """The words of `text` and every concept hit in it (built-in ones included)."""
    r = rules()
    ws = words(text, r.breaks)
    found = r.matcher.find(ws, text, r.negating)
    found = [h if h.live or h.concept not in r.never_negated or r.matcher.quoted(text, h.start)
             else dataclasses.replace(h, live=True) for h in found]
    return ws, found + _built_in(text, ws, r)


def _units(text: str, ws: Sequence[Word]) -> list[tuple[int, int]]:
    """Word index ranges [a, b) of each sentence."""
    out = []
    for a, b in sentences(text):
        idx = [i for i, w in enumerate(ws) if a <= w.start < b]
        if idx:
            out.append((idx[0], idx[-1] + 1))
    return out


def _fires(rule: _Rule, live: dict[str, list[Hit]], units: list[tuple[int, int]], text: str) -> Hit | None:
    """The hit to quote when the rule holds: every concept has a live hit in one sentence (or in the draft)."""
    if any(c not in live for c in rule.all):
        return None
    spans = [(0, 1 << 30)] if rule.scope == "draft" else units
    for a, b in spans:
        inside = {c: [h for h in live[c] if a <= h.first < b] for c in rule.all}
        if all(inside.values()):
            return inside[rule.quote][0] if rule.quote in inside else inside[rule.all[-1]][0]
    return None


def assess(text: str, only: Sequence[str] | None = None, learned: bool = True) -> tuple[Finding, ...]:
    """The risks `text` shows (each once, in content order, caps last), or those of `only`.

    With `learned` (drafts; the reputation guard reads answers with the rules alone) and a [model] table in the
    content, the learned model (handlers.understand.model) has a say: a rule's finding stands unless the model
    gives that risk less than [model].with_rule, and a risk no rule found is flagged when the model gives it at
    least [model].alone, quoting the words that weigh most for it."""
    r = rules()
    ws, found = hits(text)
    live: dict[str, list[Hit]] = {}
    for h in found:
        if h.live:
            live.setdefault(h.concept, []).append(h)
    units = _units(text, ws)
    teaching = "education" in live
    by_rule: dict[str, tuple[Hit, str]] = {}
    for risk in r.risks:
        if (only is not None and risk.name not in only) or (risk.education and teaching):
            continue
        if any(c in live for c in risk.unless):
            continue
        for rule in risk.rules:
            quoted = _fires(rule, live, units, text)
            if quoted is not None:
                by_rule[risk.name] = (quoted, rule.fix)
                break
    learned_model = _model.model() if learned and r.thresholds is not None else None
    scores = learned_model.scores(ws) if learned_model is not None else {}
    out: list[Finding] = []
    for risk in r.risks:
        if only is not None and risk.name not in only:
            continue
        p = scores.get(risk.name)
        if risk.name in by_rule:
            quoted, fix = by_rule[risk.name]
            if p is not None and r.thresholds is not None and learned_model is not None and p < r.thresholds[0]:
                # a long harmless caption dilutes one risky sentence: the model's say is the larger of the draft's
                # and that sentence's
                a, b = next(((a, b) for a, b in units if a <= quoted.first < b), (0, len(ws)))
                p = max(p, learned_model.scores(list(ws[a:b])).get(risk.name, p))
            if p is None or r.thresholds is None or p >= r.thresholds[0]:
                out.append(Finding(risk.name, risk.severity, text[quoted.start:quoted.end].strip(), fix))
        elif p is not None and r.thresholds is not None and p >= r.thresholds[1] and learned_model is not None \
                and not (risk.education and teaching) and not any(c in live for c in risk.unless):
            word = learned_model.evidence(ws, risk.name)
            needs = r.needs.get(risk.name, ())
            if word is not None and _said(text, ws, word, r) and not _only_named(risk, ws.index(word), found, live, r) \
                    and (not needs or any(c in live for c in needs)):
                out.append(Finding(risk.name, risk.severity, _around(text, ws, word)))
    if only is None or CAPS in only:
        loud = shouting(text, r)
        if loud:
            out.append(Finding(CAPS, r.caps_severity, loud))
    return tuple(out)


def _only_named(risk: _Risk, at: int, found: list[Hit], live: dict[str, list[Hit]], r: Rules) -> bool:
    """The model's strongest word only names who or what is talked about (an election, a group, a person: a
    [matching].never_negated concept) and none of the risk's own evidence (a gift, a wrongdoing, an insult) is
    there: "We will never tell you who to vote for. Read every candidate's programme." is no vote buying."""
    named = any(h.first <= at <= h.last and h.concept in r.never_negated for h in found)
    return named and not any(c in live and c not in r.never_negated for rule in risk.rules for c in rule.all)


def _said(text: str, ws: Sequence[Word], word: Word, r: Rules) -> bool:
    """The model's strongest word is said, not negated or quoted: the model reads n-grams, not scope, so "jangan
    pernah sebut anakmu bodoh" must not become an insult through "bodoh"."""
    i = ws.index(word)
    return not r.matcher.quoted(text, word.start) and not r.matcher.negated(ws, i)


def _around(text: str, ws: Sequence[Word], word: Word | None) -> str:
    """A word with one neighbour on each side, as typed (the whole text when there is no word)."""
    if word is None:
        return text.strip()[:60]
    i = ws.index(word)
    a, b = ws[max(0, i - 1)], ws[min(len(ws) - 1, i + 1)]
    return text[a.start:b.end].strip()


def risk_names() -> list[str]:
    return [r.name for r in rules().risks] + [CAPS]


def learned_risk_names() -> list[str]:
    """The risks the learned model judges: all but the all-caps check and [model].rules_only (a risk with no
    labelled drafts to learn from yet is judged by its rules alone)."""
    only = set(load_content("check").get("model", {}).get("rules_only", ()))
    return [r.name for r in rules().risks if r.name not in only]


def severity_of(name: str) -> str:
    r = rules()
    return next((x.severity for x in r.risks if x.name == name), r.caps_severity)


# ---- content schema and check --------------------------------------------------------------------------------

_WORDS = schema.Field(schema.ListOf(str))
_NAME = r"[a-z_]+"
RISK_SCHEMA = {
    "groups": schema.Field(schema.MapOf(_WORDS, key_pattern=_NAME)),
    "concepts": schema.Field(schema.MapOf(_WORDS, key_pattern=_NAME)),
    "person": schema.Field(schema.Table({"titles": _WORDS, "not_names": _WORDS})),
    "matching": schema.Field(schema.Table({"never_negated": _WORDS, "units": _WORDS})),
    "risks": schema.Field(schema.MapOf(schema.Field(schema.Table({
        "severity": schema.Field(str, required=True, choices=SEVERITIES),
        "education": schema.Field(bool),
        "unless": _WORDS,
        "rules": schema.Field(schema.ArrayOf(schema.Table({
            "all": schema.Field(schema.ListOf(str), required=True),
            "scope": schema.Field(str, choices=("sentence", "draft")),
            "quote": schema.Field(str),
            "fix": schema.Field(str, pattern=_NAME),
        }))),
    })), key_pattern=_NAME), required=True),
    "model": schema.Field(schema.Table({"with_rule": schema.Field(float, required=True, min=0, max=1),
                                        "alone": schema.Field(float, required=True, min=0, max=1),
                                        "needs": schema.Field(schema.MapOf(_WORDS, key_pattern=_NAME)),
                                        "rules_only": _WORDS})),
    "caps": schema.Field(schema.Table({"min_words": schema.Field(int, min=2),
                                       "min_share": schema.Field(float, min=0, max=1),
                                       "severity": schema.Field(str, choices=SEVERITIES)})),
}


def risk_findings(data: dict[str, Any]) -> list[schema.Finding]:
    """Cross-checks beyond the schema: unknown groups and concepts, rules that can never fire."""
    found: list[schema.Finding] = []
    groups = data.get("groups", {})
    concepts = set(data.get("concepts", {})) | set(BUILT_IN)
    for name, phrases in data.get("concepts", {}).items():
        for p in phrases:
            try:
                parsed = parse_phrase(p, groups)
            except KeyError as exc:
                found.append((f"concepts.{name}", f"{p!r}: unknown group @{exc.args[0]}"))
                continue
            if not parsed:
                found.append((f"concepts.{name}", f"{p!r}: a phrase needs a word"))
    found += [(f"model.needs.{risk}", f"{c!r} is not a concept") for risk, cs in
              data.get("model", {}).get("needs", {}).items() for c in cs if c not in concepts]
    found += [(f"model.needs.{risk}", f"{risk!r} is not a risk") for risk in data.get("model", {}).get("needs", {})
              if risk not in data.get("risks", {})]
    found += [("model.rules_only", f"{r!r} is not a risk") for r in data.get("model", {}).get("rules_only", ())
              if r not in data.get("risks", {})]
    found += [(f"matching.{key}", f"{c!r} is not a concept") for key in ("never_negated", "units")
              for c in data.get("matching", {}).get(key, ()) if c not in concepts]
    for name, risk in data.get("risks", {}).items():
        if name == CAPS:
            found.append((f"risks.{name}", f"{CAPS!r} is the all-caps check ([caps]), not a lexicon class"))
        if not risk.get("rules"):
            found.append((f"risks.{name}", "no rules: this risk never fires"))
        for n, rule in enumerate(risk.get("rules", ())):
            found += [(f"risks.{name}.rules[{n}].all", f"{c!r} is not a concept") for c in rule.get("all", ())
                      if c not in concepts]
            if rule.get("quote") and rule["quote"] not in rule.get("all", ()):
                found.append((f"risks.{name}.rules[{n}].quote", f"{rule['quote']!r} is not one of `all`"))
        found += [(f"risks.{name}.unless", f"{c!r} is not a concept") for c in risk.get("unless", ())
                  if c not in concepts]
        if risk.get("education") and "education" not in concepts:
            found.append((f"risks.{name}.education", "there is no `education` concept"))
    return found


def check_doc() -> schema.Doc:
    return content_doc("check")
