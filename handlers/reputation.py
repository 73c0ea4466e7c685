"""The reputation guard's reading of an answer: which risky tactics it plans, negation- and context-aware.

Lexicons and tactics live in content/reputation.toml; this module is pure (given the content) and imports no feature.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot import schema
from bot.content import content_doc, load_content
from handlers.understand.risk import assess, risk_names
from handlers.understand.text import respell

_ID = r"[a-z0-9_]+"
_WORDS = schema.Field(schema.ListOf(str))
_LEX = schema.Table({"window": schema.Field(int, min=0, max=12), "words": _WORDS})
SCHEMA = schema.Table({
    "negation": schema.Field(schema.Table({"window": schema.Field(int, min=0, max=12), "words": _WORDS,
                                           "after": _WORDS, "after_window": schema.Field(int, min=0, max=6)}),
                             required=True),
    "context": schema.Field(_LEX, required=True),
    "clause": schema.Field(schema.Table({"words": _WORDS})),
    "innocent": schema.Field(schema.Table({"phrases": _WORDS})),
    "read": schema.Field(schema.Table({"kinds": schema.Field(schema.ListOf(str), choices=("text", "list")),
                                       "skip": _WORDS, "hold_back": _WORDS})),
    "tactics": schema.Field(schema.ArrayOf(schema.Table({
        "id": schema.Field(str, required=True, pattern=_ID),
        "words": schema.Field(schema.ListOf(str)),
        "options": schema.Field(schema.ListOf(str), pattern=r"[a-z0-9_]+\.[a-z0-9_]+"),
        "risks": schema.Field(schema.ListOf(str)),
    })), required=True),
})
_TOKEN = re.compile(r"[\w'’-]+|[.,;:!?()\n]")
# A word of the lexicon also matches with a common ending ("hujatan", "dramanya", "nyinyirin", "scandals").
_ENDING = re.compile(r"^(?:nya|an|kan|in|i|s|es|ed|ing|er|ers)?$")


@dataclass(frozen=True)
class Tactic:
    id: str
    words: tuple[tuple[str, ...], ...]  # each phrase as tokens
    options: tuple[str, ...]            # "<step>.<option>"
    risks: tuple[str, ...] = ()         # /check's risk categories that plan this tactic too (content/check.toml)


@dataclass(frozen=True)
class Lexicon:
    tactics: tuple[Tactic, ...]
    negation: frozenset[str]
    negation_window: int
    context: frozenset[str]
    context_window: int
    clause: frozenset[str]
    after: tuple[tuple[str, ...], ...] = ()   # phrases that reject a word said just before ("sensasi? no way")
    after_window: int = 2
    innocent: tuple[tuple[str, ...], ...] = ()  # phrases that are never a tactic ("serangan jantung", "roasting kopi")
    read_kinds: frozenset[str] = frozenset()    # typed steps read for every tactic unless they list their own `warn`
    read_skip: frozenset[str] = frozenset()
    hold_back: tuple[str, ...] = ()             # list steps whose risky items are never scheduled (pillars)




def tokens(text: str) -> list[str]:
    """Lower-case words (chat spellings written out) and clause punctuation, in order."""
    return _TOKEN.findall(respell(text.lower().replace("’", "'")))


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(t for t in tokens(text) if t[0].isalnum() or t[0] == "'")


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = load_content("reputation")
    neg, ctx = data["negation"], data["context"]
    return Lexicon(
        tactics=tuple(Tactic(t["id"], tuple(p for w in t.get("words", ()) if (p := _phrase(w))),
                             tuple(t.get("options", ())), tuple(t.get("risks", ()))) for t in data["tactics"]),
        negation=frozenset(w.lower() for w in neg.get("words", ())), negation_window=int(neg.get("window", 4)),
        context=frozenset(w.lower() for w in ctx.get("words", ())), context_window=int(ctx.get("window", 4)),
        clause=frozenset(w.lower() for w in data.get("clause", {}).get("words", ())),
        after=tuple(p for w in neg.get("after", ()) if (p := _phrase(w))), after_window=int(neg.get("after_window", 2)),
        innocent=tuple(p for w in data.get("innocent", {}).get("phrases", ()) if (p := _phrase(w))),
        read_kinds=frozenset(data.get("read", {}).get("kinds", ())),
        read_skip=frozenset(data.get("read", {}).get("skip", ())),
        hold_back=tuple(data.get("read", {}).get("hold_back", ())))


def _matches(toks: Sequence[str], at: int, phrase: tuple[str, ...]) -> bool:
    if at + len(phrase) > len(toks):
        return False
    *head, last = phrase
    word = toks[at + len(phrase) - 1]
    return list(toks[at:at + len(head)]) == head and word.startswith(last) and bool(_ENDING.match(word[len(last):]))


def _rejected(toks: Sequence[str], end: int, lex: Lexicon) -> bool:
    """A rejection among the first words after a mention, punctuation between allowed ("sensasi? no way")."""
    words = [i for i in range(end, len(toks)) if toks[i][0].isalnum() or toks[i][0] == "'"][:lex.after_window]
    return any(_matches(toks, i, p) for i in words for p in lex.after)


def _cancelled(toks: Sequence[str], at: int, lex: Lexicon, length: int = 1) -> bool:
    """A negation or an educational context shortly before position `at`, in the same clause, or a rejection just
    after the mention."""
    if lex.after and _rejected(toks, at + length, lex):
        return True
    for back in range(1, max(lex.negation_window, lex.context_window) + 1):
        i = at - back
        if i < 0 or not (toks[i][0].isalnum() or toks[i][0] == "'") or toks[i] in lex.clause:
            return False
        if (back <= lex.negation_window and toks[i] in lex.negation) or \
                (back <= lex.context_window and toks[i] in lex.context):
            return True
    return False


def text_tactics(text: str, allowed: Iterable[str] | None = None) -> list[str]:
    """The tactics a text plans (each once, in lexicon order), skipping negated or educational mentions."""
    wanted = frozenset(allowed) if allowed is not None else None
    if len(text) > _REMEMBERED_CHARS:
        return list(_text_tactics(text, wanted))
    return list(_remembered_tactics(text, wanted))


_REMEMBERED_CHARS = 1000  # longer texts are read anew each time (the cache stays a few MB at most)


@lru_cache(maxsize=4096)
def _remembered_tactics(text: str, wanted: frozenset[str] | None) -> tuple[str, ...]:
    """_text_tactics, remembered (pure given the content): each answer of a questionnaire is read again at every
    later answer (a tactic is warned about once, so every stored answer is read to see what was warned before)."""
    return _text_tactics(text, wanted)


def _text_tactics(text: str, wanted: frozenset[str] | None) -> tuple[str, ...]:
    lex = lexicon()
    toks = tokens(text)
    index = _index(lex)
    skip = {j for i, p in _found(toks, index.innocent) for j in range(i, i + len(p))}
    hit = {n for i, p in _found(toks, index.phrases) if i not in skip and not _cancelled(toks, i, lex, len(p))
           for n in index.tactic_of[p]}
    by_risk = [t.risks for n, t in enumerate(lex.tactics) if n not in hit and t.risks
               and (wanted is None or t.id in wanted)]
    if by_risk:  # the same judgement as /check: a rumour about a rival, vote buying, an ethnic appeal
        found = {f.risk for f in assess(text, [r for rs in by_risk for r in rs], learned=False)}
        hit |= {n for n, t in enumerate(lex.tactics) if found & set(t.risks)}
    return tuple(t.id for n, t in enumerate(lex.tactics) if n in hit and (wanted is None or t.id in wanted))


def read_for(step_id: str, kind: str, warn: Sequence[str]) -> tuple[str, ...]:
    """The tactics a typed step is read for: its own `warn`, else every tactic when [read] covers its kind."""
    lex = lexicon()
    if warn:
        return tuple(warn)
    if kind in lex.read_kinds and step_id not in lex.read_skip:
        return tuple(t.id for t in lex.tactics)
    return ()


@dataclass(frozen=True)
class _Index:
    """The lexicon's phrases by where they can start: a multi-word phrase at its first word (exact), a one-word
    phrase at any token it prefixes (a plan checks every answer against every tactic: one lookup per token and
    prefix instead of every phrase at every token)."""
    phrases: dict[str, list[tuple[str, ...]]]    # first word or one-word stem -> the phrases starting so
    innocent: dict[str, list[tuple[str, ...]]]
    tactic_of: dict[tuple[str, ...], list[int]]  # phrase -> the positions in the lexicon of the tactics using it


_indexes: dict[int, tuple[Lexicon, _Index]] = {}


def _index(lex: Lexicon) -> _Index:
    cached = _indexes.get(id(lex))
    if cached is not None and cached[0] is lex:
        return cached[1]
    phrases: dict[str, list[tuple[str, ...]]] = {}
    innocent: dict[str, list[tuple[str, ...]]] = {}
    tactic_of: dict[tuple[str, ...], list[int]] = {}
    for n, tactic in enumerate(lex.tactics):
        for p in tactic.words:
            if p not in tactic_of:
                phrases.setdefault(p[0], []).append(p)
            tactic_of.setdefault(p, []).append(n)
    for p in lex.innocent:
        innocent.setdefault(p[0], []).append(p)
    _indexes.clear()
    _indexes[id(lex)] = (lex, index := _Index(phrases, innocent, tactic_of))
    return index


def _found(toks: Sequence[str], by_start: Mapping[str, list[tuple[str, ...]]]) -> list[tuple[int, tuple[str, ...]]]:
    """(position, phrase) for every phrase of `by_start` that matches the tokens there."""
    out = []
    for i, tok in enumerate(toks):
        for k in range(1, len(tok) + 1):
            for p in by_start.get(tok[:k], ()):
                if (len(p) == 1 or k == len(tok)) and _matches(toks, i, p):
                    out.append((i, p))
    return out


def option_tactics(step_id: str, chosen: Iterable[str]) -> list[str]:
    """The tactics that picking these options of a step plans."""
    keys = {f"{step_id}.{c}" for c in chosen}
    return [t.id for t in lexicon().tactics if keys & set(t.options)]


def answer_tactics(step_id: str, warn: Sequence[str], warn_options: Sequence[str], value: Any) -> list[str]:
    """The tactics one answer plans: its warned options, and its text read for the step's `warn` tactics."""
    if value is None:
        return []
    items = [str(v) for v in (value if isinstance(value, list) else [value])]
    found = option_tactics(step_id, [i for i in items if i in warn_options]) if warn_options else []
    if warn:
        found += [t for t in text_tactics(" . ".join(items), warn) if t not in found]
    return found


def held_back(answers: Mapping[str, Any]) -> list[str]:
    """Items of the [read].hold_back list answers that are themselves a risky tactic ("sindir lawan")."""
    out: list[str] = []
    for sid in lexicon().hold_back:
        value = answers.get(sid)
        for item in value if isinstance(value, list) else []:
            if str(item).strip() and text_tactics(str(item)) and str(item) not in out:
                out.append(str(item))
    return out


def plans_harm(value: Any) -> bool:
    """A typed answer that plans what /check would stop (a rumour about a rival, vote buying, an ethnic appeal):
    the plan, card and calendar never repeat it as strategy."""
    if not isinstance(value, str):
        return False
    return _remembered_harm(value) if len(value) <= _REMEMBERED_CHARS else _harm(value)


@lru_cache(maxsize=1024)
def _remembered_harm(text: str) -> bool:
    """plans_harm, remembered: a plan reads every answer several times (its sections, calendar, card texts)."""
    return _harm(text)


def _harm(text: str) -> bool:
    lex = lexicon()
    wanted = [r for t in lex.tactics for r in t.risks]
    return bool(wanted) and any(f.severity == "stop" for f in assess(text, wanted, learned=False))


def usable_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers without the held-back items and typed answers that plan harm: what the plan, calendars, ideas,
    collaborations and hashtags may use."""
    risky = set(held_back(answers))
    harmful = {k for k, v in answers.items() if plans_harm(v)}
    if not risky and not harmful:
        return dict(answers)
    return {k: [i for i in v if str(i) not in risky] if k in lexicon().hold_back and isinstance(v, list) else v
            for k, v in answers.items() if k not in harmful}


def tactic_ids() -> list[str]:
    return [t.id for t in lexicon().tactics]


def findings(data: dict[str, Any], steps: list[dict[str, Any]]) -> list[schema.Finding]:
    """Schema violations, duplicate tactics, and mismatches with the questionnaire's warn / warn_options."""
    found = schema.validate(data, SCHEMA)
    if found:
        return found
    ids = [t["id"] for t in data["tactics"]]
    found += [("tactics", f"duplicate tactic id {d!r}") for d in schema.duplicates(ids)]
    mapped = {o for t in data["tactics"] for o in t.get("options", ())}
    known = set(risk_names())
    for n, t in enumerate(data["tactics"]):
        if not t.get("words") and not t.get("options") and not t.get("risks"):
            found.append((f"tactics[{n}]", f"tactic {t['id']!r} has neither words, options nor risks"))
        found += [(f"tactics[{n}].risks", f"{r!r} is not a risk of content/check.toml") for r in t.get("risks", ())
                  if r not in known]
    by_step = {s.get("id"): s for s in steps}
    for key in sorted(mapped):
        sid, option = key.split(".", 1)
        if sid in by_step and option not in by_step[sid].get("warn_options", []):
            found.append(("tactics", f"option {key!r} is not in the warn_options of step {sid!r}"))
    read = data.get("read", {})
    found += [(f"read.{key}", f"{sid!r} is not a step of the questionnaire")
              for key in ("skip", "hold_back") for sid in read.get(key, []) if steps and sid not in by_step]
    found += [("read.hold_back", f"{sid!r} is not a list step") for sid in read.get("hold_back", [])
              if sid in by_step and by_step[sid].get("kind") != "list"]
    for s in steps:
        found += [("tactics", f"step {s.get('id')!r}: warned option {o!r} maps to no tactic")
                  for o in s.get("warn_options", []) if f"{s.get('id')}.{o}" not in mapped]
        found += [("tactics", f"step {s.get('id')!r}: warn names unknown tactic {w!r}")
                  for w in s.get("warn", []) if w not in ids]
    return found


KINDS = ("alt", "plan")


def role_key(key: str, role: Any) -> str:
    """A guard text in the role's own wording when the catalogs have one: "rep.<tactic>.<role>.<kind>" for
    "rep.<tactic>.<kind>", else the general key. Why: the general alternatives lean one way ("compare your plans and
    record" suits a candidate, not a seller); a coach adds a role's wording in locales/ without touching Python."""
    from bot.i18n import catalog_entries_by_language

    head, _, kind = key.rpartition(".")
    if not role or not head.startswith("rep.") or kind not in KINDS:
        return key
    own = f"{head}.{role}.{kind}"
    return own if any(own in cat for cat in catalog_entries_by_language().values()) else key


def texts(data: dict[str, Any], roles: Sequence[str] = ()) -> list[schema.Text]:
    """Every tactic's general texts, and each role's optional wording of them."""
    return [schema.Text(f"rep.{t['id']}.{kind}", f"tactics[{n}].id") for n, t in enumerate(data["tactics"])
            for kind in KINDS] + \
        [schema.Text(f"rep.{t['id']}.{r}.{kind}", f"tactics[{n}].id", optional=True)
         for n, t in enumerate(data["tactics"]) for r in roles for kind in KINDS]


def stray_role_texts(keys: Iterable[str], tactic_names: Sequence[str], roles: Sequence[str]) -> list[str]:
    """Catalog keys shaped as a role's wording of a guard text whose role or tactic does not exist (a typo would
    otherwise silently fall back to the general text)."""
    out = []
    for key in keys:
        parts = key.split(".")
        if len(parts) == 4 and parts[0] == "rep" and parts[3] in KINDS and \
                (parts[1] not in tactic_names or parts[2] not in roles):
            out.append(key)
    return out


def check() -> list[schema.Issue]:
    """Every problem in content/reputation.toml and the texts it needs."""
    from bot.i18n import catalog_entries_by_language

    doc = content_doc("reputation")
    steps = load_content("questionnaire").get("steps") or []
    found = findings(doc.data, [s for s in steps if isinstance(s, dict)])
    if found:
        return doc.issues(found)
    roles = [str(o) for s in steps if isinstance(s, dict) and s.get("id") == "role"
             for o in s.get("options") or [] if isinstance(s.get("options"), list)]
    catalogs = catalog_entries_by_language()
    out = schema.text_issues(doc, texts(doc.data, roles), catalogs)
    ids = [str(t["id"]) for t in doc.data["tactics"]]
    for cat in catalogs.values():
        for key in stray_role_texts(cat, ids, roles):
            entry = cat[key]
            out.append(schema.Issue(entry.file, entry.line, key, "a role's wording of a guard text: no such tactic "
                                    "in content/reputation.toml or role in the 'role' step"))
    return out


schema.register_check("reputation", check)
