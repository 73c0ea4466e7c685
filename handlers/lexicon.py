"""How people type (content/lexicon.toml): yes/no words, greetings, option aliases, place names, negation and clauses,
meta-replies (keep, skip, confirm, back) said politely, amounts in words; text folding."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from bot import schema
from bot.content import content_doc, load_content
from bot.gcpolicy import lasting
from handlers.reputation import respell

WORD_LISTS = ("yes", "no", "greetings", "help", "sentence", "name_intros", "titles", "fillers",
               "joiners", "keep", "skip", "improve", "all")
READING_LISTS = ("negation", "after", "except", "besides", "also", "clause", "loose", "polite", "not_names", "question")
INTENTS = ("keep", "skip", "confirm", "back")
UNIT_LISTS = ("times", "minutes", "hours", "days", "per_day", "per_week", "per_month", "articles")
MEASURES = ("per_week", "minutes", "hours")
CLEAN_LISTS = ("particles", "interjections", "address", "courtesy", "lead_ins", "topics", "owners", "copulas",
               "joiners", "prepositions", "continuations", "tails", "articles")  # [clean]: handlers/values.py
_ID = r"[a-z0-9_]+"
_LIST = schema.Field(schema.ListOf(str), required=True)
SCHEMA = schema.Table({
    "words": schema.Field(schema.Table({name: _LIST for name in WORD_LISTS}), required=True),
    "aliases": schema.Field(schema.MapOf(schema.Field(schema.MapOf(schema.Field(schema.ListOf(str)))),
                                         key_pattern=_ID)),
    "reading": schema.Field(schema.Table({name: _LIST for name in READING_LISTS}), required=True),
    "meta": schema.Field(schema.Table({intent: schema.Field(schema.Table({"whole": _LIST, "phrases": _LIST}),
                                                            required=True) for intent in INTENTS}), required=True),
    "numbers": schema.Field(schema.MapOf(schema.Field(float, min=0)), required=True),
    "units": schema.Field(schema.Table({name: _LIST for name in UNIT_LISTS}), required=True),
    "measures": schema.Field(schema.MapOf(schema.Field(schema.Table({
        "unit": schema.Field(str, required=True, choices=MEASURES),
        "round": schema.Field(str, required=True, choices=("down", "up")),
    })), key_pattern=_ID)),
    "yes_no": schema.Field(schema.MapOf(schema.Field(schema.Table({
        "yes": schema.Field(str, required=True), "no": schema.Field(str, required=True),
    })), key_pattern=_ID)),
    "becoming": schema.Field(schema.MapOf(schema.Field(schema.Table({
        "words": _LIST, "options": schema.Field(schema.MapOf(schema.Field(str)), required=True),
    })), key_pattern=_ID)),
    "others": schema.Field(schema.MapOf(schema.Field(schema.Table({
        "steps": schema.Field(schema.ListOf(str), required=True, pattern=_ID), "names": _LIST,
    })), key_pattern=_ID)),
    "zones": schema.Field(schema.MapOf(schema.Field(str))),
    "clean": schema.Field(schema.Table({name: _LIST for name in CLEAN_LISTS}), required=True),
})

_NOT_WORD = re.compile(r"[^\w&+']+")
_REDUPLICATED = re.compile(r"\b([^\W\d_]{2,})2\b")


def fold(text: str) -> str:
    """Lower case, accents and punctuation gone, '&' and '+' kept as words, whitespace folded."""
    return _remembered_fold(text) if len(text) <= 200 else _fold(text)


@lru_cache(maxsize=8192)
def _remembered_fold(text: str) -> str:
    """fold(), remembered for short texts: button labels, words and answers are folded again at every turn."""
    return _fold(text)


def fold_uncached(text: str) -> str:
    """fold() without its memo: for many texts folded once (the gazetteer's 64,000 names), which would fill the memo
    and push out the words folded at every turn."""
    return _fold(text)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " & ").replace("+", " + ").replace("’", "'")
    text = _REDUPLICATED.sub(r"\1", text)  # 'ibu2' -> 'ibu', 'anak2' -> 'anak'
    return " ".join(_NOT_WORD.sub(" ", text).replace("_", " ").split()).strip("'")


def lexicon_findings(data: dict[str, Any], steps: dict[str, list[str]] | None) -> list[schema.Finding]:
    """Schema violations, words both yes and no, aliases of unknown steps/options, measures, yes/no steps and
    other things that do not fit the questionnaire, meta phrases of two intents, unknown zones."""
    found = schema.validate(data, SCHEMA)
    if found:
        return found
    words = data["words"]
    both = sorted({fold(w) for w in words["yes"]} & {fold(w) for w in words["no"]})
    found += [("words.no", f"{w!r} is both a yes and a no word") for w in both]
    found += _meta_findings(data["meta"])
    if steps is not None:
        found += _step_findings(data, steps)
    known = available_timezones()
    found += [(f"zones.{place}", f"{zone!r} is not an IANA time zone") for place, zone in data.get("zones", {}).items()
              if zone not in known]
    return found


def _meta_findings(meta: dict[str, Any]) -> list[schema.Finding]:
    """A phrase listed under two intents would be read as neither: name it."""
    seen: dict[str, str] = {}
    out: list[schema.Finding] = []
    for intent in INTENTS:
        for part in ("whole", "phrases"):
            for phrase in meta[intent][part]:
                key = fold(phrase)
                if seen.get(key, intent) != intent:
                    out.append((f"meta.{intent}.{part}", f"{phrase!r} is also a {seen[key]} phrase"))
                seen.setdefault(key, intent)
    return out


def _step_findings(data: dict[str, Any], steps: dict[str, list[str]]) -> list[schema.Finding]:
    """Aliases, measures, yes/no steps and other things checked against the questionnaire's steps and options."""
    found: list[schema.Finding] = []

    def unknown_step(path: str, step: str) -> bool:
        if step not in steps:
            found.append((path, f"{step!r} is not a step of content/questionnaire.toml"))
        return step not in steps

    for step, options in data.get("aliases", {}).items():
        if unknown_step(f"aliases.{step}", step):
            continue
        found += [(f"aliases.{step}.{o}", f"{o!r} is not an option of step {step!r} ({', '.join(steps[step])})")
                  for o in options if o not in steps[step]]
    for step in data.get("measures", {}):
        if not unknown_step(f"measures.{step}", step) and not (steps[step] and all(o.isdigit() for o in steps[step])):
            found.append((f"measures.{step}", f"step {step!r} has no amounts for options ({', '.join(steps[step])})"))
    for step, pair in data.get("yes_no", {}).items():
        if unknown_step(f"yes_no.{step}", step):
            continue
        found += [(f"yes_no.{step}.{side}", f"{pair[side]!r} is not an option of step {step!r}")
                  for side in ("yes", "no") if pair[side] not in steps[step]]
    for step, how in data.get("becoming", {}).items():
        if unknown_step(f"becoming.{step}", step):
            continue
        found += [(f"becoming.{step}.options", f"{o!r} is not an option of step {step!r}")
                  for pair in how["options"].items() for o in pair if o not in steps[step]]
    for thing, other in data.get("others", {}).items():
        for i, step in enumerate(other["steps"]):
            if unknown_step(f"others.{thing}.steps[{i}]", step):
                continue
            if thing in steps[step]:
                found.append((f"others.{thing}", f"{thing!r} is an option of step {step!r} now: drop it here"))
            named = {fold(a) for a in (o for names in data.get("aliases", {}).get(step, {}).values() for o in names)}
            found += [(f"others.{thing}.names", f"{n!r} is also an alias of an option of step {step!r}")
                      for n in other["names"] if fold(n) in named]
    return found


def _step_options() -> dict[str, list[str]] | None:
    raws = load_content("questionnaire").get("steps")
    if not isinstance(raws, list):
        return None
    return {r["id"]: [str(o) for o in r.get("options", [])] for r in raws if isinstance(r, dict) and "id" in r}


def check() -> list[schema.Issue]:
    """Every problem in content/lexicon.toml, and the catalog texts its other things need."""
    from bot.i18n import catalog_entries_by_language

    doc = content_doc("lexicon")
    found = lexicon_findings(doc.data, _step_options())
    if found or not isinstance(doc.data.get("others"), dict):
        return doc.issues(found)
    texts = [schema.Text(f"other.{thing}", f"others.{thing}") for thing in doc.data["others"]]
    return schema.text_issues(doc, texts, catalog_entries_by_language())


schema.register_check("lexicon", check)


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    data = load_content("lexicon")
    found = lexicon_findings(data, None)
    if found:
        raise ValueError("lexicon content: " + "; ".join(f"{p}: {m}" for p, m in found))
    return data


@lru_cache(maxsize=256)  # keyed by content names (steps, lists), not by user text: few keys
def words(name: str) -> frozenset[str]:
    """One word list of [words], folded."""
    return frozenset(fold(w) for w in _data()["words"][name])


@lru_cache(maxsize=256)  # keyed by content names (steps, lists), not by user text: few keys
def aliases(step_id: str) -> dict[str, tuple[str, ...]]:
    """{option: folded aliases} for a step (empty when it has none)."""
    raw = _data().get("aliases", {}).get(step_id, {})
    return {option: tuple(fold(a) for a in names) for option, names in raw.items()}


@lru_cache(maxsize=1)
def zones() -> dict[str, str]:
    """{folded place name: IANA zone} from [zones]."""
    return {fold(place): zone for place, zone in _data().get("zones", {}).items()}


@lru_cache(maxsize=256)  # keyed by content names (steps, lists), not by user text: few keys
def clean(name: str) -> tuple[str, ...]:
    """One list of [clean] (particles, lead_ins, joiners, ...) as written (handlers/values.py matches them)."""
    return tuple(_data()["clean"][name])


@lru_cache(maxsize=256)  # keyed by content names (steps, lists), not by user text: few keys
def reading(name: str) -> frozenset[str]:
    """One list of [reading] (negation, except, besides, also, clause, loose, polite), folded."""
    return frozenset(fold(w) for w in _data()["reading"][name])


@lru_cache(maxsize=256)  # keyed by content names (steps, lists), not by user text: few keys
def measure(step_id: str) -> tuple[str, str] | None:
    """(unit, rounding) when a step's options are amounts ([measures.<step>]), else None."""
    found = _data().get("measures", {}).get(step_id)
    return (found["unit"], found["round"]) if found else None


@lru_cache(maxsize=256)  # keyed by content names (steps, lists), not by user text: few keys
def yes_no_options(step_id: str) -> tuple[str, str] | None:
    """(option for yes, option for no) of a choice step that is a yes/no question, else None."""
    found = _data().get("yes_no", {}).get(step_id)
    return (found["yes"], found["no"]) if found else None


@lru_cache(maxsize=256)  # keyed by content names (steps, lists), not by user text: few keys
def becoming(step_id: str) -> tuple[frozenset[str], dict[str, str]]:
    """([becoming.<step>]) the folded words that say someone wants to become something ('calon', 'mau jadi'), and
    {option: the option it is then}: who wants to become an official is a candidate, not an official yet."""
    found = _data().get("becoming", {}).get(step_id)
    if not found:
        return frozenset(), {}
    return frozenset(fold(w) for w in found["words"]), dict(found["options"])


@lru_cache(maxsize=256)  # keyed by content names (steps, lists), not by user text: few keys
def others(step_id: str) -> dict[str, tuple[str, ...]]:
    """{thing: folded names} people name at a step that are not its options ('wa grup' at the platforms)."""
    return {thing: tuple(fold(n) for n in other["names"]) for thing, other in _data().get("others", {}).items()
            if step_id in other["steps"]}


_STREAM = re.compile(r"[\w'’&+-]+|[.,;:!?()\n]")
HARD, SOFT = ".", ","


def stream(text: str) -> list[str]:
    """Folded words (chat spellings written out: 'sm' -> 'sama') and clause marks: ',' for a comma, semicolon,
    bracket or line break, '.' for the end of a sentence (. ! ? :)."""
    out: list[str] = []
    for token in _STREAM.findall(respell(text.lower().replace("’", "'"))):
        if token in ",;()\n":
            out.append(SOFT)
        elif token in ".!?:":
            out.append(HARD)
        else:
            out += fold(token).split()
    return out


def longest(tokens: list[str], at: int, phrases: dict[tuple[str, ...], Any]) -> tuple[int, Any] | None:
    """(length, value) of the longest phrase (a tuple of words) starting at tokens[at], else None.

    One dict lookup per phrase length the table holds (longest first) instead of a scan of every phrase: this runs
    for every word of every typed answer, several times (meta replies, clauses, option readers)."""
    for n in _lengths(phrases):
        if at + n <= len(tokens):
            value = phrases.get(tuple(tokens[at:at + n]), _MISSING)
            if value is not _MISSING:
                return n, value
    return None


_MISSING = object()
# id(table) -> (table, its phrase lengths longest first, its size): the tables are built once per process (a few
# are built per call and are small); the entry holds the table, so its id is not reused while the entry lives.
_LENGTHS: dict[int, tuple[dict[tuple[str, ...], Any], tuple[int, ...], int]] = {}


def _lengths(phrases: dict[tuple[str, ...], Any]) -> tuple[int, ...]:
    entry = _LENGTHS.get(id(phrases))
    if entry is not None and entry[0] is phrases and entry[2] == len(phrases):
        return entry[1]
    lengths = tuple(sorted({len(p) for p in phrases if p}, reverse=True))
    if len(_LENGTHS) >= 256:  # tables made per call (a question's words) come and go
        _LENGTHS.clear()
    _LENGTHS[id(phrases)] = (phrases, lengths, len(phrases))
    return lengths


def _as_phrases(items: frozenset[str] | tuple[str, ...] | list[str]) -> set[tuple[str, ...]]:
    return {tuple(p.split()) for p in items if p}


def _plain(words_: list[str], drop: frozenset[str]) -> list[str]:
    """Words with the polite and filler phrases taken out."""
    table = _phrase_table(drop)
    out: list[str] = []
    i = 0
    while i < len(words_):
        hit = longest(words_, i, table)
        if hit:
            i += hit[0]
        else:
            out.append(words_[i])
            i += 1
    return out


@lru_cache(maxsize=8)
def _phrase_table(items: frozenset[str]) -> dict[tuple[str, ...], bool]:
    """{phrase as words: True} for a word list (made once per list)."""
    return dict.fromkeys(_as_phrases(items), True)


@lru_cache(maxsize=1)
def _drop() -> frozenset[str]:
    """The polite and filler words a meta reply is read without."""
    return reading("polite") | words("fillers")


@lasting
@lru_cache(maxsize=1)
def _meta_tables() -> tuple[dict[str, set[tuple[str, ...]]], dict[tuple[str, ...], str]]:
    """({intent: plain whole clauses}, {plain phrase: intent}) from [meta]."""
    drop = reading("polite") | words("fillers")
    wholes: dict[str, set[tuple[str, ...]]] = {}
    phrases: dict[tuple[str, ...], str] = {}
    for intent in INTENTS:
        raw = _data()["meta"][intent]
        wholes[intent] = {tuple(_plain(fold(w).split(), drop)) for w in raw["whole"]} - {()}
        for p in raw["phrases"]:
            plain = tuple(_plain(fold(p).split(), drop))
            if len(plain) == 1:
                wholes[intent].add(plain)  # 'skip dulu' is 'skip': a whole clause, not a word found anywhere
            elif plain:
                phrases[plain] = intent
    return wholes, phrases


META_WHOLE_MAX = 12  # a clause that is only 'skip' counts in a message of at most this many words


def clauses(text: str, hard_only: bool = False) -> list[list[str]]:
    """The folded words of each clause: split at punctuation and at [reading].clause words."""
    tokens = stream(text)
    table = _phrase_table(reading("clause"))
    out: list[list[str]] = [[]]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        hit = None if token in (HARD, SOFT) else longest(tokens, i, table)
        if token == HARD or (token == SOFT and not hard_only) or hit:
            out.append([])
            i += hit[0] if hit else 1
            continue
        if token != SOFT:
            out[-1].append(token)
        i += 1
    return [c for c in out if c]


def meta_reply(text: str) -> str | None:
    """The one meta intent of a message (see meta_intents); keep and confirm together are a keep; None otherwise."""
    found = meta_intents(text)
    if found == {"keep", "confirm"}:
        return "keep"
    return next(iter(found)) if len(found) == 1 else None


def meta_intents(text: str) -> set[str]:
    """{'keep', 'skip', 'confirm', 'back'}: what a message says about the questionnaire itself rather than an answer,
    said politely or casually ('Mohon maaf, ... jadi saya tetap memakai jawaban saya', 'skip dulu deh, belum
    kepikiran', 'Terima kasih, sudah benar. Silakan dibuatkan rencananya.', 'balik ke pertanyaan sebelumnya');
    nothing for a real answer that merely holds such a word ('Saya tetap konsisten posting tiap hari').

    A clause counts when, politeness and fillers aside, it is one of [meta.<intent>].whole (in a short message) or
    holds one of its phrases with no negation before it in the clause."""
    return set(_remembered_intents(text) if len(text) <= 1000 else _meta_intents(text))


@lru_cache(maxsize=2048)
def _remembered_intents(text: str) -> frozenset[str]:
    """meta_intents, remembered: a typed answer is read for them several times in its turn (keep, skip, the reader)."""
    return _meta_intents(text)


def _meta_intents(text: str) -> frozenset[str]:
    wholes, phrases = _meta_tables()
    drop = _drop()
    negation = reading("negation")
    parts = clauses(text)
    short = sum(len(_plain(c, drop)) for c in parts) <= META_WHOLE_MAX
    found: set[str] = set()
    for clause in parts:
        plain = _plain(clause, drop)
        if not plain:
            continue
        if short:
            found |= {intent for intent, options in wholes.items() if tuple(plain) in options}
        for i in range(len(plain)):
            hit = longest(plain, i, phrases)
            if hit and not any(w in negation for w in plain[:i]):
                found.add(hit[1])
    return frozenset(found)


@lru_cache(maxsize=1)
def _numbers() -> dict[tuple[str, ...], float]:
    return {tuple(fold(k).split()): float(v) for k, v in _data()["numbers"].items()}


@lru_cache(maxsize=1)
def _units() -> dict[tuple[str, ...], str]:
    return {tuple(fold(w).split()): name for name, ws in _data()["units"].items() for w in ws}


_GLUED = re.compile(r"(\d+(?:\.\d+)?)([a-z]+)")
_FACTORS = {  # (measure, unit) -> how many of the measure's unit one of these is
    ("per_week", "times"): 1.0, ("per_week", "days"): 1.0,
    ("minutes", "minutes"): 1.0, ("minutes", "hours"): 60.0,
    ("hours", "minutes"): 1 / 60, ("hours", "hours"): 1.0, ("hours", "days"): 24.0,
}
_RANGE_WORDS = frozenset({"sampai", "sampe", "hingga", "to", "atau", "or", "s", "d", "sd", "till", "until"})
_PERIODS = {"per_day": 7.0, "per_week": 1.0, "per_month": 12 / 52}


def amounts(text: str, unit: str) -> list[float]:
    """Amounts with a unit in a message, in `unit` ('per_week', 'minutes' or 'hours'): '3x' -> 3, 'tiga kali
    seminggu' -> 3, '2x sehari' -> 14 (per week); '30 menitan' -> 30, 'setengah jam' -> 30, 'sejam' -> 60, '2 jam-an'
    -> 120 (minutes); 'half a day' -> 12 (hours). A bare number has no unit and is not an amount here."""
    lowered = re.sub(r"(\d)[,.](\d)", r"\1.\2", _REDUPLICATED.sub(r"\1", text.lower()))  # 'kira2' is no 2
    lowered = _GLUED.sub(r"\1 \2", re.sub(r"[-/]", " ", lowered))
    out: list[float] = []
    for clause in re.split(r"[,;!?\n]+|\.(?!\d)", lowered):
        tokens = [t for t in re.findall(r"\d+(?:\.\d+)?|[^\W\d_]+", clause)]
        out += _clause_amounts(tokens, unit)
    return out


def _clause_amounts(tokens: list[str], unit: str) -> list[float]:
    numbers, units = _numbers(), _units()
    articles = {k for k, v in units.items() if v == "articles"}
    negation = _as_phrases(reading("negation"))
    period = next((u for i in range(len(tokens)) if (h := longest(tokens, i, units)) and (u := h[1]) in _PERIODS),
                  "per_week")
    found: list[float] = []
    pending: list[float] = []  # '15 30 menit': numbers waiting for their unit
    i = 0
    while i < len(tokens):
        token, start = tokens[i], i
        glued = token.startswith("se") and (units.get((token[2:],)) in ("hours", "days", "minutes"))
        if glued:  # 'sejam', 'sehari': one of the unit (as a count period 'sehari' is per_day, not an amount)
            kind = units[(token[2:],)]
            if unit != "per_week" and (unit, kind) in _FACTORS:
                found.append(_FACTORS[(unit, kind)])
            i += 1
            continue
        value: float | None = None
        after = longest(tokens, i + 1, units)
        if (token,) in articles and after and after[1] in ("minutes", "hours", "days"):
            value, i = 1.0, i + 1  # 'an hour', 'a day'
        elif re.fullmatch(r"\d+(?:\.\d+)?", token):
            value, i = float(token), i + 1
        else:
            hit = longest(tokens, i, numbers)
            if hit:
                value, i = float(hit[1]), i + hit[0]
                more = longest(tokens, i, numbers)  # 'satu setengah' = 1.5
                if more and more[1] < 1:
                    value, i = value + float(more[1]), i + more[0]
        if value is None:
            if token not in _RANGE_WORDS:
                pending = []
            i += 1
            continue
        if any((t,) in negation for t in tokens[:start]):
            continue  # 'not an hour, maybe thirty minutes': the clause after the comma says it
        hit = longest(tokens, i, units)
        if hit is None:
            pending = [value] if token.isdigit() or "." in token else []
            continue
        factor = _FACTORS.get((unit, hit[1]))
        i += hit[0]
        if factor is None:
            pending = []
            continue
        per = _PERIODS[period] if unit == "per_week" and hit[1] == "times" else 1.0
        found += [v * factor * per for v in [*pending, value]]
        pending = []
    return found


def _all_of(tokens: list[str], main: frozenset[str], extra: frozenset[str]) -> bool:
    return bool(tokens) and any(t in main for t in tokens) and all(t in main or t in extra for t in tokens)


def _phrases_in(folded: str, phrases: frozenset[str]) -> bool:
    padded = f" {folded} "
    return any(f" {p} " in padded for p in phrases if p)


def yes_no(text: str) -> bool | None:
    """True for a yes ('ya', 'iya hapus aja', 'oke siap', 'sure'), False for a no ('nggak', 'gak jadi deh',
    'no thanks', 'Tentu tidak.'), else None: a yes or no phrase anywhere in a short message, and none of the other
    side. The longest phrase wins where two start at the same word ('tentu tidak' is a no, not 'tentu')."""
    folded = fold(text)
    yes, no = words("yes"), words("no")
    if folded in yes:
        return True
    if folded in no:
        return False
    tokens = folded.split()
    if not tokens or len(tokens) > 6:
        return None
    table: dict[tuple[str, ...], bool | None] = {p: True for p in _as_phrases(yes)}
    table.update({p: False for p in _as_phrases(no)})
    spans: list[tuple[int, str, bool]] = []  # (start, phrase, side)
    i = 0
    while i < len(tokens):
        hit = longest(tokens, i, table)
        if hit is None or hit[1] is None:
            i += 1
            continue
        spans.append((i, " ".join(tokens[i:i + hit[0]]), hit[1]))
        i += hit[0]
    # a yes word that is also a filler ('ya') only says yes first: 'gak jadi deh ya', 'hmm gimana ya' say no yes
    strong_yes = any(side and (p not in words("fillers") or at == 0) for at, p, side in spans)
    said_yes = strong_yes
    said_no = any(not side for _, _, side in spans)
    if strong_yes and said_no:
        return None
    return True if said_yes else False if said_no else None


def names_button(text: str, word_list: str, labels: list[str]) -> bool:
    """A whole message that names a navigation button: its label, the label's first word, or a word of
    [words].<word_list> ('tetap', 'lewat aja', 'gak ada', 'keep', '-'); never a loose prefix of a real answer.
    Keep and Skip are also named inside a polite sentence (meta_reply: 'saya tetap memakai jawaban saya')."""
    folded = fold(text)
    if not folded:
        return text.strip() in {"-", "--", "—", "–"} and "-" in _data()["words"][word_list]
    names = set(words(word_list)) - {""}
    for label in labels:
        f = fold(label)
        if f:
            names |= {f, f.split()[0]}
    fillers = words("fillers")
    short = " ".join(t for t in folded.split() if t not in fillers)
    if folded in names or short in names:
        return True
    said = meta_reply(text) if word_list in ("keep", "skip") else None
    return said == word_list or (word_list == "keep" and said == "confirm")


def pick_label(text: str, labels: list[str]) -> int | None:
    """The index of the one menu label a typed text names ('ubah jam' for '🕘 Ubah jam', '2' for the second,
    'quiet' for '🌙 Quiet hours'); None when none or several fit."""
    folded = fold(text)
    if folded.isdigit():
        n = int(folded)
        return n - 1 if 1 <= n <= len(labels) else None
    names = [fold(label) for label in labels]
    if not folded:
        return None
    for fits in (lambda n: n == folded,
                 lambda n: len(folded) >= 4 and n.startswith(folded),
                 lambda n: set(folded.split()) <= set(n.split())):
        hits = [i for i, n in enumerate(names) if n and fits(n)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None
    return None


_NAME_STOPS = frozenset({"a", "an", "and", "the", "from", "who", "dari", "dan", "yang", "seorang", "sebagai", "mau",
                         "ingin", "ya", "kak", "deh", "dong", "aja", "nih"})  # a name ends before these
_ENDS = ",.;:!?)"
_CLAUSE_ENDS = ",;:!?"


def is_title(word: str) -> bool:
    """A title written with a name ('Drs.', 'h', 'M.Si.'), or an initial ('W.'), [words].titles."""
    core = word.strip(_ENDS + "(")
    if len(core) == 1 and core.isupper() and word.rstrip(_CLAUSE_ENDS).endswith("."):
        return True
    return bool(core) and fold(core) in words("titles")


def _ends_clause(word: str) -> bool:
    """A word followed by punctuation that ends a clause: a comma, '!' or '?', or a full stop that is not a title's."""
    trail = word[len(word.rstrip(_ENDS)):]
    return any(c in _CLAUSE_ENDS for c in trail) or ("." in trail and not is_title(word))


def _intro_at(tokens: list[str], i: int) -> int:
    """The number of words of a [words].name_intros phrase starting at tokens[i] ('Nama saya'), 0 for none."""
    table = _phrase_table(words("name_intros"))
    folded = [fold(t) for t in tokens]
    for n in range(min(4, len(tokens) - i), 0, -1):
        if tuple(folded[i:i + n]) in table and not any(_ends_clause(t) for t in tokens[i:i + n - 1]):
            return n
    return 0


def _lead(tokens: list[str], i: int, kinds: frozenset[str]) -> int:
    """The end of a run of `kinds` words from tokens[i] that a clause end closes or a name intro follows
    ('Selamat siang.', 'Halo kak,', 'Bukan.'); i when there is none ('Pak Budi' keeps its 'Pak')."""
    j = i
    while j < len(tokens) and fold(tokens[j]) and all(w in kinds for w in fold(tokens[j]).split()):
        j += 1
        if _ends_clause(tokens[j - 1]):
            return j
    return j if j > i and j < len(tokens) and _intro_at(tokens, j) else i


def name_in(text: str) -> str | None:
    """The name in an introduction, titles kept as typed: 'I'm Alex, a travel vlogger' -> 'Alex'; 'Selamat siang.
    Nama saya Drs. H. Bambang Suryono, M.Si.' -> 'Drs. H. Bambang Suryono, M.Si.'; 'nama saya Rina dari toko batik'
    -> 'Rina'. Greetings before it are dropped ('no_then' reads past a no); None without an intro or a greeting, and
    for more than three words besides titles. After a greeting without an intro, only capitalised words or a handle
    are a name ('Halo. Mohon bantuannya' has none)."""
    tokens = text.split()
    i, dropped = 0, False
    while i < len(tokens):
        j = _lead(tokens, i, words("greetings") | words("fillers"))
        if j == i:
            break
        i, dropped = j, True
    intro = _intro_at(tokens, i)
    if not intro and not dropped:
        return None
    i += intro
    taken: list[str] = []
    for k in range(i, len(tokens)):
        word = tokens[k]
        if taken and _ends_clause(taken[-1]):
            if "," not in taken[-1] or not is_title(word):
                break  # 'Bambang Suryono, M.Si.' keeps the titles after its comma; 'Maya, Maya Yoga' stops
        if fold(word) in _NAME_STOPS and not is_title(word):
            break
        taken.append(word)
    name = " ".join(taken).rstrip(_CLAUSE_ENDS + ")")
    if taken and not is_title(taken[-1]):
        name = name.rstrip(".")
    own = [w for w in taken if not is_title(w)]
    if not own or len(own) > 3 or not any(c.isalpha() for c in name):
        return None
    if not intro and not all(w[0].isupper() or w[0] == "@" for w in own):
        return None
    return name


def names_itself(text: str) -> bool:
    """The text opens with an intro of two words or more ('nama saya', 'my name is', 'panggil saya'): what follows is
    a name even in lower case, unlike after a lone 'saya' ('saya ketik ulang')."""
    return _intro_at(text.split(), 0) >= 2


def no_then(text: str) -> str | None:
    """What follows a leading no ('Bukan. Nama saya Bambang Suryono' -> 'Nama saya Bambang Suryono',
    'No, it's Maya' -> "it's Maya"); None when the text does not open with a no, or nothing follows it."""
    tokens = text.split()
    j = _lead(tokens, 0, words("no") | words("fillers"))
    if j == 0 or not any(fold(t) in words("no") for t in tokens[:j]):
        return None
    rest = " ".join(tokens[j:])
    return rest if any(c.isalpha() for c in rest) else None


def asks(text: str) -> bool:
    """A question about the question ('apa bedanya IG sama threads?', 'can you explain what option 2 means?'), not an
    answer: a [reading].question word in a message that ends with '?', or one that opens a longer message."""
    tokens = fold(text).split()
    table = _phrase_table(reading("question"))
    opens = any(tuple(tokens[:len(q)]) == q for q in table) and len(tokens) >= 4
    inside = text.strip().endswith("?") and any(longest(tokens, i, table)
                                                for i in range(len(tokens)))
    return opens or inside


def is_greeting(text: str) -> bool:
    """A message that is only a greeting ('halo kak', 'selamat pagi', 'hi there')."""
    tokens = fold(text).split()
    return 0 < len(tokens) <= 6 and _all_of(tokens, words("greetings"), words("fillers"))


def asks_for_help(text: str) -> bool:
    """'I want to build my personal brand', 'mau tanya kak': a request, not an answer to the first question."""
    padded = f" {fold(text)} "
    return any(f" {phrase} " in padded for phrase in words("help"))


def reads_like_sentence(text: str) -> bool:
    """A short answer that reads like a sentence rather than a name (it is confirmed before it is kept)."""
    tokens = fold(" ".join(w for w in text.split() if not is_title(w))).split()  # 'Drs. H. Bambang, M.Si.' is a name
    if text.strip().endswith("?") or len(tokens) >= 6:
        return True
    return len(tokens) >= 3 and sum(t in words("sentence") for t in tokens) >= 1
