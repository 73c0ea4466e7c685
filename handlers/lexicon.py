"""How people type (content/lexicon.toml): yes/no words, greetings, option aliases, place names; text folding."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from bot import schema
from bot.content import content_doc, load_content

WORD_LISTS = ("yes", "no", "greetings", "help", "sentence", "fillers", "joiners", "keep", "skip", "improve", "all")
SCHEMA = schema.Table({
    "words": schema.Field(schema.Table({name: schema.Field(schema.ListOf(str), required=True)
                                        for name in WORD_LISTS}), required=True),
    "aliases": schema.Field(schema.MapOf(schema.Field(schema.MapOf(schema.Field(schema.ListOf(str)))),
                                         key_pattern=r"[a-z0-9_]+")),
    "zones": schema.Field(schema.MapOf(schema.Field(str))),
})

_NOT_WORD = re.compile(r"[^\w&+']+")


def fold(text: str) -> str:
    """Lower case, accents and punctuation gone, '&' and '+' kept as words, whitespace folded."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " & ").replace("+", " + ").replace("’", "'")
    return " ".join(_NOT_WORD.sub(" ", text).replace("_", " ").split()).strip("'")


def lexicon_findings(data: dict[str, Any], steps: dict[str, list[str]] | None) -> list[schema.Finding]:
    """Schema violations, words both yes and no, aliases of unknown steps/options, unknown zones."""
    found = schema.validate(data, SCHEMA)
    if found:
        return found
    words = data["words"]
    both = sorted({fold(w) for w in words["yes"]} & {fold(w) for w in words["no"]})
    found += [("words.no", f"{w!r} is both a yes and a no word") for w in both]
    for step, options in data.get("aliases", {}).items():
        if steps is None:
            break
        if step not in steps:
            found.append((f"aliases.{step}", f"{step!r} is not a step of content/questionnaire.toml"))
            continue
        found += [(f"aliases.{step}.{o}", f"{o!r} is not an option of step {step!r} ({', '.join(steps[step])})")
                  for o in options if o not in steps[step]]
    known = available_timezones()
    found += [(f"zones.{place}", f"{zone!r} is not an IANA time zone") for place, zone in data.get("zones", {}).items()
              if zone not in known]
    return found


def _step_options() -> dict[str, list[str]] | None:
    raws = load_content("questionnaire").get("steps")
    if not isinstance(raws, list):
        return None
    return {r["id"]: [str(o) for o in r.get("options", [])] for r in raws if isinstance(r, dict) and "id" in r}


def check() -> list[schema.Issue]:
    """Every problem in content/lexicon.toml."""
    doc = content_doc("lexicon")
    return doc.issues(lexicon_findings(doc.data, _step_options()))


schema.register_check("lexicon", check)


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    data = load_content("lexicon")
    found = lexicon_findings(data, None)
    if found:
        raise ValueError("lexicon content: " + "; ".join(f"{p}: {m}" for p, m in found))
    return data


@lru_cache(maxsize=None)
def words(name: str) -> frozenset[str]:
    """One word list of [words], folded."""
    return frozenset(fold(w) for w in _data()["words"][name])


@lru_cache(maxsize=None)
def aliases(step_id: str) -> dict[str, tuple[str, ...]]:
    """{option: folded aliases} for a step (empty when it has none)."""
    raw = _data().get("aliases", {}).get(step_id, {})
    return {option: tuple(fold(a) for a in names) for option, names in raw.items()}


@lru_cache(maxsize=1)
def zones() -> dict[str, str]:
    """{folded place name: IANA zone} from [zones]."""
    return {fold(place): zone for place, zone in _data().get("zones", {}).items()}


def _all_of(tokens: list[str], main: frozenset[str], extra: frozenset[str]) -> bool:
    return bool(tokens) and any(t in main for t in tokens) and all(t in main or t in extra for t in tokens)


def _phrases_in(folded: str, phrases: frozenset[str]) -> bool:
    padded = f" {folded} "
    return any(f" {p} " in padded for p in phrases if p)


def yes_no(text: str) -> bool | None:
    """True for a yes ('ya', 'iya hapus aja', 'oke siap', 'sure'), False for a no ('nggak', 'gak jadi deh',
    'no thanks'), else None: a yes or no word anywhere in a short message, and no word of the other side."""
    folded = fold(text)
    yes, no = words("yes"), words("no")
    if folded in yes:
        return True
    if folded in no:
        return False
    tokens = folded.split()
    if not tokens or len(tokens) > 6:
        return None
    said_yes, said_no = _phrases_in(folded, yes), _phrases_in(folded, no)
    if said_yes and said_no:
        # 'gak jadi deh ya': a yes word that is also a filler ('ya') does not contradict a no
        strong_yes = _phrases_in(folded, yes - words("fillers")) or tokens[0] in yes
        return False if not strong_yes else None
    return True if said_yes else False if said_no else None


def names_button(text: str, word_list: str, labels: list[str]) -> bool:
    """A whole message that names a navigation button: its label, the label's first word, or a word of
    [words].<word_list> ('tetap', 'lewat aja', 'gak ada', 'keep', '-'); never a loose prefix of a real answer."""
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
    return folded in names or short in names


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


_NAME_INTRO = re.compile(
    r"^\s*(?:hi|hai|halo|hello|hey)?[\s,!]*(?:i'?m|i am|my name is|name'?s|call me|nama saya|namaku|nama aku|"
    r"nama gue|panggil aku|panggil saya|saya|aku|gue)\s+(.+)$", re.IGNORECASE)
_NAME_STOP = re.compile(r"[,.;:!?()\n]|\s(?:a|an|and|the|from|who|dari|dan|yang|seorang|sebagai|mau|ingin|and i|ya|kak|"
                        r"deh|dong|aja|nih)\b", re.IGNORECASE)


def name_in(text: str) -> str | None:
    """'I'm Alex, a travel vlogger' -> 'Alex'; 'nama saya Rina dari toko batik' -> 'Rina'; None without an intro."""
    found = _NAME_INTRO.match(text.strip())
    if not found:
        return None
    rest = found.group(1)
    stop = _NAME_STOP.search(" " + rest)
    name = (" " + rest)[: stop.start()].strip() if stop else rest.strip()
    tokens = name.split()
    if not tokens or len(tokens) > 3 or not any(c.isalpha() for c in name):
        return None
    return name


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
    tokens = fold(text).split()
    if text.strip().endswith("?") or len(tokens) >= 6:
        return True
    return len(tokens) >= 3 and sum(t in words("sentence") for t in tokens) >= 1
