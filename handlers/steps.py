"""The questionnaire model: steps from content/questionnaire.toml and pure validation."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from bot import schema
from bot.content import content_doc, load_content
from handlers import lexicon as L
from handlers.lexicon import fold
from handlers import reputation
from handlers import values as V

KINDS = ("text", "list", "choice", "multi")
_ID = r"[a-z0-9_]+"

# content/questionnaire.toml, as documented in its header.
STEP_SCHEMA = schema.Table({
    "id": schema.Field(str, required=True, pattern=_ID),
    "section": schema.Field(str, required=True, pattern=_ID),
    "kind": schema.Field(str, choices=KINDS),
    "required": schema.Field(bool),
    "min_len": schema.Field(int, min=0),
    "max_len": schema.Field(int, min=1),
    "min_items": schema.Field(int, min=0),
    "max_items": schema.Field(int, min=0),
    "options": schema.Field(schema.ListOf(str), pattern=_ID),
    "options_from": schema.Field(str),
    "when": schema.Field(schema.Table({"step": schema.Field(str, required=True), "is": schema.Field(str, required=True)})),
    "warn": schema.Field(schema.ListOf(str), pattern=_ID),
    "warn_options": schema.Field(schema.ListOf(str)),
    "exclusive": schema.Field(schema.ListOf(str)),
    "detect_language": schema.Field(bool),
    "asks_name": schema.Field(bool),
})
SCHEMA = schema.Table({"steps": schema.Field(schema.ArrayOf(STEP_SCHEMA), required=True)})


@dataclass(frozen=True)
class Step:
    id: str
    section: str
    kind: str
    required: bool = True
    min_len: int = 1
    max_len: int = 500
    min_items: int = 1
    max_items: int = 0
    options: tuple[str, ...] = ()
    options_from: str | None = None
    when: tuple[str, str] | None = None
    warn: tuple[str, ...] = ()
    warn_options: tuple[str, ...] = ()
    exclusive: tuple[str, ...] = ()  # options of a multi step that exclude every other ('none')
    detect: bool = True
    asks_name: bool = False


def step_findings(data: dict[str, Any]) -> list[schema.Finding]:
    """Schema violations and cross-step mistakes in parsed questionnaire content (all of them)."""
    found = schema.validate(data, SCHEMA)
    raws = data.get("steps")
    if not isinstance(raws, list) or not all(isinstance(r, dict) for r in raws):
        return found
    bad = _malformed(found, len(raws))
    ids = [raw.get("id") if isinstance(raw.get("id"), str) else None for raw in raws]
    found += [(f"steps[{ids.index(d, ids.index(d) + 1)}].id", f"duplicate step id {d!r}")
              for d in schema.duplicates(ids) if d is not None]
    for i, raw in enumerate(raws):
        if i not in bad:
            earlier = {r["id"]: r for r in raws[:i] if isinstance(r.get("id"), str)}
            found += [(f"steps[{i}].{key}", message) for key, message in _step_problems(raw, earlier)]
    return found


def _malformed(found: list[schema.Finding], count: int) -> set[int]:
    """Indices of steps that have schema findings (cross checks skip them)."""
    return {i for i in range(count) for path, _ in found if path.startswith(f"steps[{i}]")}


def _step_problems(raw: dict[str, Any], before: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """(key, message) for one well-formed step, given the steps before it by id."""
    out: list[tuple[str, str]] = []
    kind = raw.get("kind", "text")
    options = raw.get("options", [])
    out += [("options", f"duplicate option {o!r}") for o in schema.duplicates(options)]
    if raw.get("asks_name") and kind != "text":
        out.append(("asks_name", "asks_name is only for text steps"))
    if options and kind not in ("choice", "multi"):
        out.append(("options", f"options are only for choice or multi steps, not {kind!r}"))
    if kind in ("choice", "multi") and not options and not raw.get("options_from"):
        out.append(("kind", f"a {kind} step needs options or options_from"))
    source = raw.get("options_from")
    if source is not None:
        if kind != "choice":
            out.append(("options_from", "options_from is only for choice steps"))
        if source not in before:
            out.append(("options_from", f"{source!r} is not an earlier step"))
        elif before[source].get("kind", "text") != "list":
            out.append(("options_from", f"{source!r} is not a list step"))
    out += [("warn_options", f"{w!r} is not one of the options") for w in raw.get("warn_options", []) if w not in options]
    out += [("exclusive", f"{w!r} is not one of the options") for w in raw.get("exclusive", []) if w not in options]
    if raw.get("exclusive") and kind != "multi":
        out.append(("exclusive", "exclusive is only for multi steps"))
    for low, high in (("min_len", "max_len"), ("min_items", "max_items")):
        lo, hi = raw.get(low), raw.get(high)
        if lo is not None and hi and lo > hi:
            out.append((low, f"{low} {lo} is above {high} {hi}"))
    when = raw.get("when")
    if when is not None:
        target = before.get(when["step"])
        if target is None:
            out.append(("when.step", f"{when['step']!r} is not an earlier step"))
        elif (choices := _strings(target.get("options"))) and when["is"] not in choices:
            out.append(("when.is", f"{when['is']!r} is not an option of step {when['step']!r} ({', '.join(choices)})"))
    return out


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def step_texts(data: dict[str, Any]) -> list[schema.Text]:
    """The catalog texts the questionnaire needs (none of them takes placeholders)."""
    out: list[schema.Text] = []
    sections: dict[str, str] = {}
    for i, raw in enumerate(data["steps"]):
        if not isinstance(raw.get("id"), str) or not isinstance(raw.get("section"), str):
            continue
        path, sid = f"steps[{i}]", raw["id"]
        out += [schema.Text(f"q.{sid}.prompt", f"{path}.id"), schema.Text(f"q.{sid}.short", f"{path}.id"),
                schema.Text(f"q.{sid}.hint", f"{path}.id", optional=True),
                schema.Text(f"q.{sid}.example", f"{path}.id", optional=True)]
        out += [schema.Text(f"opt.{sid}.{o}", f"{path}.options[{n}]") for n, o in enumerate(_strings(raw.get("options")))]
        sections.setdefault(raw["section"], f"{path}.section")
    return out + [schema.Text(f"sec.{name}", path) for name, path in sections.items()]


def check() -> list[schema.Issue]:
    """Every problem in content/questionnaire.toml and the texts it needs."""
    from bot.i18n import catalog_entries_by_language

    doc = content_doc("questionnaire")
    found = step_findings(doc.data)
    raws = doc.data.get("steps")
    if not isinstance(raws, list) or not all(isinstance(r, dict) for r in raws):
        return doc.issues(found)
    return doc.issues(found) + schema.text_issues(doc, step_texts(doc.data), catalog_entries_by_language())


schema.register_check("questionnaire", check)


def parse_steps(data: dict[str, Any]) -> tuple[Step, ...]:
    """Build steps from the parsed TOML; content with schema violations raises ValueError."""
    found = step_findings(data)
    if found:
        raise ValueError("questionnaire content: " + "; ".join(f"{path}: {message}" for path, message in found))
    steps = []
    for raw in data.get("steps", []):
        kind = raw.get("kind", "text")
        when = raw.get("when")
        steps.append(Step(
            id=raw["id"], section=raw["section"], kind=kind, required=raw.get("required", True),
            min_len=raw.get("min_len", 1), max_len=raw.get("max_len", 500), min_items=raw.get("min_items", 1),
            max_items=raw.get("max_items", 0), options=tuple(str(o) for o in raw.get("options", ())),
            options_from=raw.get("options_from"), when=(when["step"], str(when["is"])) if when else None,
            warn=tuple(w.lower() for w in raw.get("warn", ())),
            warn_options=tuple(str(o) for o in raw.get("warn_options", ())),
            exclusive=tuple(str(o) for o in raw.get("exclusive", ())),
            detect=raw.get("detect_language", True), asks_name=raw.get("asks_name", False),
        ))
    return tuple(steps)


@lru_cache(maxsize=1)
def all_steps() -> tuple[Step, ...]:
    return parse_steps(load_content("questionnaire"))


def step_by_id(step_id: str | None) -> Step | None:
    return _by_id().get(step_id) if step_id is not None else None


@lru_cache(maxsize=1)
def _by_id() -> dict[str, Step]:
    return {s.id: s for s in all_steps()}


def applies(step: Step, answers: dict[str, Any]) -> bool:
    """A step with `when` is asked only if that earlier answer matches."""
    if step.when is None:
        return True
    value = answers.get(step.when[0])
    return value == step.when[1] or (isinstance(value, list) and step.when[1] in value)


def applicable(answers: dict[str, Any]) -> list[Step]:
    """The steps asked of this user (conditional steps only when their condition holds)."""
    return list(_applicable(tuple(applies(s, answers) for s in _conditional())))


@lru_cache(maxsize=1)
def _conditional() -> tuple[Step, ...]:
    return tuple(s for s in all_steps() if s.when is not None)


@lru_cache(maxsize=256)
def _applicable(holds: tuple[bool, ...]) -> tuple[Step, ...]:
    flags = iter(holds)
    return tuple(s for s in all_steps() if s.when is None or next(flags))


@lru_cache(maxsize=1)
def _positions() -> dict[str, int]:
    return {s.id: i for i, s in enumerate(all_steps())}


def next_step(answers: dict[str, Any], after: str | None) -> Step | None:
    """The applicable step after `after` (the first one when `after` is None)."""
    steps = applicable(answers)
    pos = _positions().get(after, -1) if after is not None else -1
    return next((s for s in steps if _positions()[s.id] > pos), None)


def prev_step(answers: dict[str, Any], before: str | None) -> Step | None:
    """The applicable step before `before` (the last one when `before` is None)."""
    steps = applicable(answers)
    pos = _positions().get(before, len(_positions())) if before is not None else len(_positions())
    earlier = [s for s in steps if _positions()[s.id] < pos]
    return earlier[-1] if earlier else None


def progress(answers: dict[str, Any], step_id: str) -> tuple[int, int]:
    """(number of this step, total) among the steps that apply to this user."""
    ids = [s.id for s in applicable(answers)]
    return (ids.index(step_id) + 1 if step_id in ids else len(ids), len(ids))


def options_for(step: Step, answers: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(value, literal label or None for a catalog label) of a choice step's options."""
    if step.options_from:
        items = answers.get(step.options_from) or []
        return [(str(i), str(item)) for i, item in enumerate(items)]
    return [(o, None) for o in step.options]


@dataclass(frozen=True)
class Problem:
    """A validation failure: a catalog key and its parameters."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()


def clean_text(text: str) -> str:
    """Fold runs of whitespace inside lines, trim, drop control characters."""
    text = "".join(c for c in text if c == "\n" or c >= " " or c == "\t")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def split_items(text: str) -> list[str]:
    """'a, b; c', one per line (with bullets or numbers), or a sentence ('Menurut saya, audiens saya adalah guru,
    dosen dan mahasiswa.') -> ['guru', 'dosen', 'mahasiswa']: the items as the plan shows them (handlers/values.py)."""
    return list(V.read_list(text).items)


def validate_text(step: Step, raw: str) -> tuple[Any, Problem | None]:
    """Validate a typed answer to a text or list step; returns (value, problem). The value is what the plan shows:
    fillers, address words and lead-ins around it dropped (handlers/values.py); the caller keeps what was typed."""
    text = clean_text(raw)
    if not text:
        return None, Problem("err.empty")
    if step.kind == "list":
        items = split_items(text)
        if not items:
            return None, Problem("value.only_fillers" if V.has_words(text) else "err.empty")
        problem = check_items(step, items)
        return (None, problem) if problem else (items, None)
    typed = text
    text = V.clean_value(text, name=step.asks_name)
    if not text:  # only fillers ('ya kak') or only emoji: nothing to keep
        if step.asks_name and not V.has_words(typed):
            return None, Problem("err.name_letters")
        return None, Problem("value.only_fillers" if V.has_words(typed) else "err.empty")
    if len(text) > step.max_len:
        return None, Problem("err.too_long", (("max", step.max_len), ("count", len(text))))
    if len(text) < step.min_len:
        return None, Problem("err.too_short", (("min", step.min_len),))
    return text, None


def check_items(step: Step, items: Sequence[str]) -> Problem | None:
    """The problem with a list answer's items (too many, too few, one too long or short), else None."""
    if step.max_items and len(items) > step.max_items:
        return Problem("err.too_many", (("max", step.max_items), ("count", len(items))))
    if len(items) < step.min_items:
        return Problem("err.too_few", (("min", step.min_items), ("count", len(items))))
    for item in items:
        if len(item) > step.max_len:
            return Problem("err.item_too_long", (("max", step.max_len), ("item", item[:40] + "…")))
        if len(item) < step.min_len:
            return Problem("err.item_too_short", (("min", step.min_len), ("item", item)))
    return None


Labels = Mapping[str, "str | Sequence[str]"]


@dataclass(frozen=True)
class Reading:
    """What a typed answer to a choice step picked; `sure` is False when the bot should say what it understood.

    A sentence read for its options also says what it named but did not pick: `left` (negated or excepted: 'jangan
    tiktok'), `extra` (more than a single-choice step takes: the first named is picked) and `others` (things that are
    not options here, [others] in content/lexicon.toml: 'wa grup'). `picked` is empty when only those were named."""

    picked: list[str]
    sure: bool = True
    left: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    rounded: bool = False  # an amount between two options was taken to the nearest ('4x seminggu' -> 3 or 5)


def numeric_values(step: Step) -> bool:
    """Option values that are numbers (hours, posts per week). A typed number in the range of the numbered list is
    still its position (the list says 'type the number'); one outside it that is a value is read as the value."""
    return bool(step.options) and all(v.isdigit() for v in step.options)


def _label_list(raw: str | Sequence[str]) -> list[str]:
    return [raw] if isinstance(raw, str) else list(raw)


def _names(step: Step, values: list[str], labels: Labels) -> dict[str, list[str]]:
    """{option: folded names}: the value, its labels (every language) and its aliases from the lexicon."""
    found = L.aliases(step.id)
    out: dict[str, list[str]] = {}
    for v in values:
        names = _label_list(labels.get(v, ()))
        out[v] = [n for n in dict.fromkeys([fold(v), *(fold(n) for n in names), *found.get(v, ())]) if n]
    return out


def _token_hit(typed: str, known: str) -> bool:
    """One typed word against one word of a name: equal, a clear prefix or stem, or a small typo in a long word."""
    if typed == known:
        return True
    if typed.isdigit() or known.isdigit():
        return False
    if len(typed) >= 4 and typed[-1] == typed[-2] and typed[:-1] == known:
        return True  # 'lakuu', 'bisaa': a last letter typed twice
    if len(typed) >= 3 and known.startswith(typed):
        return True
    if len(typed) >= 4 and known.endswith(typed):
        return True  # membalas / balas
    return len(typed) >= 5 and len(known) >= 5 and _similar(typed, known, 0.8)


def _similar(a: str, b: str, at_least: float) -> bool:
    """SequenceMatcher(None, a, b).ratio() >= at_least, without the matching when an upper bound of the ratio (the
    lengths', then the letters' in common) already falls short: most word pairs are told apart that way."""
    if 2 * min(len(a), len(b)) < at_least * (len(a) + len(b)):
        return False
    matcher = SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= at_least and matcher.ratio() >= at_least


def _one(step: Step, values: list[str], names: dict[str, list[str]], piece: str,
         shown: dict[str, set[str]]) -> tuple[str, bool] | None:
    """(option, sure) for one typed piece, or None."""
    if piece.isdigit():
        n = int(piece)
        if 1 <= n <= len(values):
            return values[n - 1], not numeric_values(step)  # a position; on amounts the bot says what it took
        return (piece, False) if numeric_values(step) and piece in values else None
    exact = [v for v in values if piece in names[v]]
    if len(exact) == 1:
        return exact[0], piece in shown[exact[0]]
    fillers = L.words("fillers")
    tokens = [t for t in piece.split() if t not in fillers] or piece.split()
    if len(tokens) == 1 and tokens[0].isdigit():
        return _one(step, values, names, tokens[0], shown)
    short = " ".join(tokens)
    exact = [v for v in values if short in names[v]]
    if len(exact) == 1:
        return exact[0], False
    # A risky option (a tactic the reputation guard warns about) is taken only when named: a word that merely
    # looks like one of its names ('Bali' / 'balas balik') is asked about, never stored as that tactic.
    values = [v for v in values if v not in step.warn_options]
    prefixed = [v for v in values if len(short) >= 3 and any(n.startswith(short) for n in names[v])]
    if len(prefixed) == 1:
        return prefixed[0], False
    scores: dict[str, float] = {}
    for v in values:
        for name in names[v]:
            words = name.split()
            if all(any(_token_hit(t, w) for w in words) for t in tokens):
                scores[v] = max(scores.get(v, 0.0), len(tokens) / len(words))
    if not scores:
        return None
    best = max(scores.values())
    top = [v for v, score in scores.items() if score == best]
    return (top[0], False) if len(top) == 1 else None


_SEPARATORS = re.compile(r"[\n;,/]+")


def _pieces(text: str) -> list[str]:
    """'ig sama tiktok', 'video pendek dan foto', '1, 3' -> the picks, folded."""
    joiners = L.words("joiners")
    out: list[str] = []
    for part in _SEPARATORS.split(text):
        current: list[str] = []
        for token in reputation.respell(fold(part)).split():
            if token in joiners:
                out.append(" ".join(current))
                current = []
            elif token.isdigit() and current and all(c.isdigit() for c in current):
                out += current
                current = [token]
            else:
                current.append(token)
        out.append(" ".join(current))
    fillers = L.words("fillers")
    return [p for p in out if p and not all(t in fillers for t in p.split())]


_RANGE = re.compile(r"\b(\d{1,2})\s*(?:-|–|—|s/d|sd|sampai|sampe|to)\s*(\d{1,2})\b")
_NEGATIVE = re.compile(r"(?:^|[\s,;])[-−]\s*\d")


def _expand_ranges(text: str, count: int) -> str | None:
    """'1-4' -> '1, 2, 3, 4' (positions of a multi step); None when a range runs outside the options."""
    def one(m: re.Match[str]) -> str:
        lo, hi = int(m.group(1)), int(m.group(2))
        if not 1 <= lo < hi <= count:
            raise ValueError(m.group(0))
        return ", ".join(str(n) for n in range(lo, hi + 1))
    try:
        return _RANGE.sub(one, text)
    except ValueError:
        return None


def _every_word(step: Step, values: list[str], names: dict[str, list[str]], text: str) -> list[str] | None:
    """'ig tiktok youtube': every word (fillers aside) is exactly one option's name; None otherwise."""
    fillers = L.words("fillers") | L.words("joiners")
    tokens = [t for t in fold(text).split() if t not in fillers]
    picked: list[str] = []
    for token in tokens:
        hits = [v for v in values if token in names[v]]
        if len(hits) != 1:
            return None
        picked += [hits[0]] if hits[0] not in picked else []
    return picked if len(tokens) >= 2 else None


def read_options(step: Step, answers: dict[str, Any], text: str, labels: Labels) -> Reading | None:
    """Read a typed answer to a choice step as people type it: numbers (the position in the numbered list), labels
    (any language), clear prefixes, aliases from content/lexicon.toml, small typos, several picks at once, amounts
    with a unit ('3x', 'setengah jam'), and whole sentences naming options with negation ('IG aja, jangan tiktok').
    None when unclear."""
    values = [v for v, _ in options_for(step, answers)]
    names = _names(step, values, labels)
    if step.kind == "multi" and not numeric_values(step):
        expanded = _expand_ranges(text, len(values))  # '1-4' is 1 to 4
        if expanded is None:
            return None
        text = expanded
    whole = reputation.respell(fold(text))  # 'yg ibu2 aja' -> 'yang ibu aja'
    if not whole or _NEGATIVE.search(text):
        return None  # '-1' is no position
    if step.kind == "multi" and whole in L.words("all"):
        return Reading([v for v in values if v not in step.exclusive], False)
    shown = {v: {fold(n) for n in _label_list(labels.get(v, ()))} for v in values}
    negated = _negates(whole)
    measured = _measured(step, values, text)
    if measured is not None:
        return measured
    found = _one(step, values, names, whole, shown)
    if found is not None and (not negated or whole in names[found[0]]):
        return Reading([found[0]], found[1])
    if L.asks(text):
        return None  # 'apa bedanya IG sama threads?': a question, not an answer
    if not negated:
        reading = _read_pieces(step, values, names, text, shown)
        if reading is not None:
            return reading
    sentence = _sentence(step, values, names, text)
    if sentence is not None and sentence.picked or L.meta_reply(text) is not None:
        return sentence  # 'go back please' is no yes
    said = L.yes_no_options(step.id)
    yes = _yes_or_no(text) if said else None
    if said and yes is not None and said[0 if yes else 1] in values:
        return Reading([said[0 if yes else 1]], False)  # 'Tentu tidak.' to a yes/no question
    return sentence


def _yes_or_no(text: str) -> bool | None:
    """A yes or no in the message, or in its first clause ('Sama sekali tidak. Sebagai pejabat publik, ...')."""
    said = L.yes_no(text)
    if said is None:
        said = L.yes_no(reputation.respell(fold(text)))  # 'gk lah kak': chat spellings written out
    if said is None:
        first = L.clauses(text)
        said = L.yes_no(" ".join(first[0])) if len(first) > 1 else None
    return said


def _negates(folded: str) -> bool:
    """A negation or except word stands in the text ('no' before a number is 'nomor': 'no 3')."""
    tokens = folded.split()
    marks = L.reading("negation") | L.reading("except")
    return any(t in marks and not (t == "no" and i + 1 < len(tokens) and tokens[i + 1].isdigit())
               for i, t in enumerate(tokens))


def _measured(step: Step, values: list[str], text: str) -> Reading | None:
    """An amount with a unit on a step whose options are amounts ('sa bisa 3x', '30 menitan', 'sejam'): the option
    it is, or the nearest one (`rounded`: the reply says so); halfway between two, the one [measures] in
    content/lexicon.toml rounds to ('45 menit' -> 30 when it rounds down). None without one or with two that differ."""
    how = L.measure(step.id)
    if how is None or not values or not all(v.isdigit() for v in values):
        return None
    unit, rounding = how
    options = sorted(int(v) for v in values)
    picked = set()
    rounded = False
    for amount in L.amounts(text, unit):
        side = 1 if rounding == "down" else -1
        best = min(options, key=lambda o: (round(abs(o - amount), 6), side * o))
        rounded = rounded or abs(best - amount) > 1e-9
        picked.add(best)
    return Reading([str(picked.pop())], False, rounded=rounded) if len(picked) == 1 else None


_ENDINGS = ("s", "es", "nya", "ku", "mu", "ing", "ed")
Mention = tuple[str, str]  # (kind, value): ("opt", option), ("other", thing), or a mark: ("neg", "") ...


def _sentence_table(step: Step, values: list[str], names: dict[str, list[str]]) -> dict[tuple[str, ...], Mention]:
    """Phrase -> what it is, for reading a sentence: option names (not numbers, single letters, fillers or
    [reading].loose words, which only count as a whole answer), other things, and the reading marks."""
    skip = L.reading("loose") | L.words("fillers")
    table: dict[tuple[str, ...], Mention] = {}
    for v in values:
        for name in names[v]:
            if name.isdigit() or len(name) < 2 or name in skip:
                continue
            words = tuple(name.split())
            table.setdefault(words, ("opt", v))
            if len(words[-1]) >= 4:
                for ending in _ENDINGS:
                    table.setdefault((*words[:-1], words[-1] + ending), ("opt", v))
    for thing, others in L.others(step.id).items():
        for name in others:
            table.setdefault(tuple(name.split()), ("other", thing))
    for phrase in L.reading("not_names"):
        table[tuple(phrase.split())] = ("plain", "")  # 'I live in Bali': words, no option
    marks = [(kind, L.reading(kind)) for kind in ("negation", "except", "besides", "also", "clause")]
    marks.append(("all", L.words("all")))
    for kind, phrases in marks:
        for phrase in phrases:
            words = tuple(phrase.split())
            if words and (len(words) == 1 or words not in table):
                table[words] = ({"negation": "neg"}.get(kind, kind), phrase)  # a mark wins a tie ('belum', 'tidak')
    for phrase in L.becoming(step.id)[0]:
        table.setdefault(tuple(phrase.split()), ("becoming", phrase))  # 'calon' stays a name where it is one
    return table


Event = tuple[int, str, str, int]  # (clause, kind, value, word position)


def _events(table: dict[tuple[str, ...], Mention], text: str) -> list[Event]:
    """The options, other things and marks of a sentence in order, by clause (clause words and punctuation end one;
    'selain' is 'kecuali' unless an 'also' word follows)."""
    tokens = L.stream(text)
    also = any(table.get((t,), ("", ""))[0] == "also" for t in tokens)
    events: list[Event] = []
    clause, i, pos = 0, 0, 0
    while i < len(tokens):
        token = tokens[i]
        if token in (L.HARD, L.SOFT):
            clause += 1
            events.append((clause, "hard" if token == L.HARD else "soft", "", pos))
            i += 1
            continue
        hit = L.longest(tokens, i, table)
        if hit is None:
            i, pos = i + 1, pos + 1
            continue
        kind, value = hit[1]
        if kind == "clause" and events and events[-1][:2] == (clause, "all"):
            events.append((clause, "except", "", pos))  # 'everything but X and Threads'
        elif kind == "clause":
            clause += 1
            events.append((clause, "hard", "", pos))
        elif kind == "plain":
            pass
        else:
            events.append((clause, "except" if kind == "besides" and not also else kind, value, pos))
        i, pos = i + hit[0], pos + hit[0]
    return events


def _sentence(step: Step, values: list[str], names: dict[str, list[str]], text: str) -> Reading | None:
    """Options named in a whole sentence, with negation: 'Saya belum berani mencoba TikTok' names TikTok but leaves
    it out; 'semua kecuali twitter', 'IG aja, jangan tiktok', 'not TikTok yet, just Instagram', 'TikTok belum'.

    A negation covers the options after it in its clause (a clause ends at a comma, 'tapi/but' and the other
    [reading].clause words); one right after a clause's last option leaves that clause's options out; 'kecuali'
    carries over a comma followed by another option. On a single-choice step, options named in different clauses
    pick the first (the others are said as not taken); several in one clause are unclear."""
    events = _becoming(step, _events(_sentence_table(step, values, names), text))
    state: dict[str, tuple[bool, int]] = {}  # option -> (taken, clause)
    order: list[str] = []
    others: list[str] = []
    neg = exc = carry = said_all = excepted = False
    for n, (at, kind, value, where) in enumerate(events):
        if kind in ("hard", "soft"):
            neg, carry, exc = False, exc and kind == "soft", False
            continue
        if carry:
            exc, carry = kind in ("opt", "other"), False
        if kind == "neg":
            later = [e for e in events[n + 1:] if e[0] == at and e[1] in ("opt", "other")]
            before = [e for e in events[:n] if e[0] == at and e[1] == "opt" and state[e[2]][0]]
            if not later and before and where - before[-1][3] <= 3 and value in L.reading("after"):
                for e in before:  # 'TikTok belum', 'Tentu tidak'
                    state[e[2]] = (False, at)
            neg = True
        elif kind == "except":
            exc = excepted = True
        elif kind == "all":
            said_all = True
        elif kind == "opt":
            state[value] = (not (neg or exc), at)
            order += [value] if value not in order else []
        elif kind == "other" and not (neg or exc) and value not in others:
            others.append(value)
    taken = [v for v in order if state[v][0]]
    left = [v for v in order if not state[v][0]]
    if step.kind == "multi" and said_all and (excepted or not taken and _all_alone(text)):
        taken = [v for v in values if v not in step.exclusive and v not in left]
    if step.kind == "multi" and taken and taken[0] not in step.exclusive:
        taken = [v for v in taken if v not in step.exclusive]  # 'a podcast and a blog, no social media yet'
    if not (taken or left or others):
        return None
    if step.kind == "multi" or len(taken) <= 1:
        return Reading(taken, False, tuple(left), (), tuple(others))
    if state[taken[0]][1] == state[taken[1]][1]:
        return None  # 'penyanyi sekaligus pejabat': two in one clause
    return Reading(taken[:1], False, tuple(left), tuple(taken[1:]), tuple(others))


def _becoming(step: Step, events: list[Event]) -> list[Event]:
    """An option named after a 'becoming' word of its clause ('mau jadi kepala desa', 'calon bupati', 'running for
    mayor': [becoming.<step>]) is the option it turns into: an official-to-be is a candidate."""
    turns = L.becoming(step.id)[1]
    if not turns:
        return events
    out: list[Event] = []
    wants = False
    for at, kind, value, where in events:
        if kind in ("hard", "soft"):
            wants = False
        elif kind == "becoming" or kind == "opt" and value in turns.values():
            wants = True
        if kind == "opt" and wants:
            value = turns.get(value, value)
        out.append((at, kind, value, where))
    return out


def _all_alone(text: str) -> bool:
    """'semuanya aja kak', 'all of them please', 'saya mau semua': the 'all' word is the selection itself, with
    only fillers, politeness and 'I want' words around it; 'kue enak buat semua orang medan' names no option."""
    tokens = [t for t in L.stream(text) if t not in (L.HARD, L.SOFT)]
    table = {tuple(p.split()): True for p in L.words("all")}
    around = L.words("fillers") | L.reading("polite") | L.words("sentence") | L.words("yes")
    i, said = 0, False
    while i < len(tokens):
        hit = L.longest(tokens, i, table)
        if hit is not None:
            i, said = i + hit[0], True
            continue
        if tokens[i] not in around:
            return False
        i += 1
    return said


def _read_pieces(step: Step, values: list[str], names: dict[str, list[str]], text: str,
                 shown: dict[str, set[str]]) -> Reading | None:
    """Several picks typed at once ('ig sama tiktok', '1, 3'): every piece must name an option."""
    pieces = _pieces(text)
    if len(pieces) < 2:
        words = _every_word(step, values, names, text) if step.kind == "multi" else None
        return Reading(words, False) if words else None
    picked: list[str] = []
    sure = True
    for piece in pieces:
        one = _one(step, values, names, piece, shown)
        words = [one[0]] if one else _every_word(step, values, names, piece) if step.kind == "multi" else None
        if not words:
            return None
        sure = sure and one is not None and one[1]
        picked += [w for w in words if w not in picked]
    return Reading(picked, sure)


def match_options(step: Step, answers: dict[str, Any], text: str, labels: Labels) -> list[str] | None:
    """The options a typed answer picks (see read_options); None if unclear or none."""
    reading = read_options(step, answers, text, labels)
    return reading.picked if reading and reading.picked else None


def _named(step: Step, values: list[str], names: dict[str, list[str]], text: str) -> list[str]:
    """The options a sentence names by name, none negated in its clause, in order of mention."""
    out: list[str] = []
    neg = False
    for _, kind, value, _ in _events(_sentence_table(step, values, names), text):
        if kind in ("hard", "soft"):
            neg = False
        elif kind in ("neg", "except"):
            neg = True
        elif kind == "opt" and not neg and value not in out:
            out.append(value)
    return out


def closest_options(step: Step, answers: dict[str, Any], text: str, labels: Labels, limit: int = 3) -> list[str]:
    """The options nearest to an unreadable answer (best first; empty when nothing is near)."""
    values = [v for v, _ in options_for(step, answers)]
    names = _names(step, values, labels)
    typed = fold(text)
    if not typed:
        return []
    named = _named(step, values, names, text)
    if len(named) > 1:
        return named[:limit]  # 'I reply kindly or ignore trolls': two named in one clause, so which one?
    skip = L.words("fillers") | L.reading("polite") | L.words("sentence")  # 'biar lakuu kak': 'lakuu' is the answer
    tokens = [t for t in typed.split() if t not in skip] or typed.split()
    typed = " ".join(tokens)
    near: dict[tuple[str, str], float] = {}  # (typed word, word of a name): the same pairs recur across names

    def hit(t: str, w: str) -> float:
        """1 for the word, a prefix or a small typo of it; less for a merely similar word ('lakuu' is 'laku'
        before it is 'kanal')."""
        found = near.get((t, w))
        if found is None:
            found = near[t, w] = 1.0 if _token_hit(t, w) else 0.75 if _similar(t, w, 0.7) else 0.0
        return found

    def score(v: str) -> float:
        best = 0.0
        for name in names[v]:
            words = name.split()
            overlap = sum(max(hit(t, w) for w in words) for t in tokens) / len(tokens)
            best = max(best, overlap)
            whole = SequenceMatcher(None, typed, name)
            if whole.real_quick_ratio() > best and whole.quick_ratio() > best:  # upper bounds of ratio()
                best = max(best, whole.ratio())
        return best

    scored = sorted(((score(v), i, v) for i, v in enumerate(values)), key=lambda x: (-x[0], x[1]))
    return [v for s, _, v in scored[:limit] if s >= 0.5]


def check_choice(step: Step, answers: dict[str, Any], picked: list[str]) -> Problem | None:
    """Check a selection against the step's options and item bounds."""
    values = {v for v, _ in options_for(step, answers)}
    if not picked or any(p not in values for p in picked):
        return Problem("err.pick_option")
    if step.kind == "choice" and len(picked) != 1:
        return Problem("err.pick_one")
    if step.kind == "multi":
        if len(picked) < step.min_items:
            return Problem("err.pick_more", (("min", step.min_items),))
        if step.max_items and len(picked) > step.max_items:
            return Problem("err.pick_fewer", (("max", step.max_items),))
        alone = [p for p in picked if p in step.exclusive]
        if alone and len(picked) > 1:
            return Problem("err.pick_alone", (("option", alone[0]),))
    return None


def stored_value(step: Step, answers: dict[str, Any], picked: list[str]) -> Any:
    """What is stored for a selection: the option value(s), or the item text for options_from."""
    if step.options_from:
        items = answers.get(step.options_from) or []
        return items[int(picked[0])]
    return picked[0] if step.kind == "choice" else picked


def tactics_in(step: Step, value: Any) -> list[str]:
    """The reputation-risky tactics an answer plans (content/reputation.toml), negated or educational mentions not."""
    warn = reputation.read_for(step.id, step.kind, step.warn)
    if value is None or not (warn or step.warn_options):
        return []
    return reputation.answer_tactics(step.id, warn, step.warn_options, value)


def courts_controversy(step: Step, value: Any) -> bool:
    """True when an answer plans controversy or provocation (the reputation guard warns)."""
    return bool(tactics_in(step, value))
