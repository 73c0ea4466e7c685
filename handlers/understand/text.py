"""Chat text as words: case folded, repeated letters squeezed, chat spellings written out, reduplication
("org2") spelled twice, each word keeping where it stood in the typed text (so a finding can quote it).

Spellings are content (content/understand.toml [spelling]); this module is pure given the content.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot import schema
from bot.content import content_doc, load_content

# A word: letters/digits with inner apostrophes or hyphens ("don't", "anak-anak"), a "2" of reduplication kept on it.
_WORD = re.compile(r"[^\W_](?:[\w'’]*[^\W_])?(?:-[^\W_][\w'’]*)*%?")
_REPEAT = re.compile(r"([^\W\d_])\1{2,}")
_REDUP = re.compile(r"^([^\W\d_]{2,})2$")
# Where a sentence ends: . ! ? before a space or the end, or a line break (a " / " typed for one too); not inside
# "Rp.50.000", "@toko.id" or "bit.ly/x".
# A full stop after an initial or a title is no sentence end ("dr. Bayu", "Adrian W.", "Jl. Kenanga No. 3").
_ABBREVIATION = "".join(f"(?<!\\b{a})" for a in ("dr", "jl", "no", "hj", "bpk", "sdr", "mr", "mrs", "ms", "st", "prof",
                                                   "drs", "ir", "kh", "gg", "bu", "pak", "tn", "ny", "dll", "dsb", "vs"))


@lru_cache(maxsize=1)
def _sentence_end() -> re.Pattern[str]:
    """Where a sentence ends; an academic title's dots end none ('Bambang Suryono, M.Si. adalah ...'): the dotted
    titles of content/lexicon.toml [words].titles join the abbreviations (titles without a dot inside, 'Ibu', may
    end a sentence: 'Terima kasih, Ibu.')."""
    dotted = sorted({t for t in load_content("lexicon")["words"]["titles"] if "." in t.strip(".")}, key=len)
    titles = "".join(f"(?<!\\b{re.escape(t.strip('.'))})" for t in dotted)
    return re.compile(r"(?:[!?…]+|(?<!\b[A-Za-z])" + _ABBREVIATION + titles + r"\.+)(?=\s|$|[\"”’')\]])|\n+|\s/\s",
                      re.I)


# Where a clause ends inside a sentence.
_CLAUSE_END = re.compile(r"[,;:()\"“”«»]|\s[-–—]\s|[\U0001F000-\U0001FAFF\u2600-\u27BF]")  # emoji too


_NUMBER_SIGNS = frozenset({"no", "nr", "nomor"})


@dataclass(frozen=True)
class Word:
    """One word as read: `norm` is the folded, written-out form ("sblm" -> "sebelum"); `start`/`end` locate the
    typed word in the text it came from; `capital` tells a typed capital first letter ("Frans"), `upper` all caps."""

    norm: str
    start: int
    end: int
    clause: int      # the number of the clause (sentence-wide) it stands in: negation never crosses a clause
    capital: bool
    upper: bool


@lru_cache(maxsize=1)
def spelling() -> dict[str, tuple[str, ...]]:
    """{chat spelling: the words it stands for} from content/understand.toml."""
    data = load_content("understand").get("spelling", {})
    return {k.lower(): tuple(v.lower().split()) for k, v in data.items()}


def squeeze(word: str) -> str:
    """A letter typed three or more times, once ("bangeeet" -> "banget", "hoaaax" -> "hoax")."""
    return _REPEAT.sub(r"\1", word)


def fold(word: str) -> str:
    return squeeze(word.lower().replace("’", "'"))


def spell_out(word: str) -> tuple[str, ...]:
    """The written-out words for one folded word: "sblm" -> ("sebelum",), "org2" -> ("orang", "orang")."""
    table = spelling()
    redup = _REDUP.match(word)
    if redup:
        base = table.get(redup.group(1), (redup.group(1),))
        return base + base
    if "-" in word:
        head, _, tail = word.partition("-")
        if head == tail:  # anak-anak: the reduplicated word, twice
            base = table.get(head, (head,))
            return base + base
    return table.get(word, (word,))


def clause_starts(text: str) -> list[int]:
    """Offsets where a new clause begins (sentence ends and clause punctuation)."""
    return sorted({m.end() for m in _sentence_end().finditer(text)} | {m.end() for m in _CLAUSE_END.finditer(text)})


def words(text: str, breaks: frozenset[str] = frozenset()) -> list[Word]:
    """The words of `text` in order; a word of `breaks` ("tapi", "but") starts a new clause."""
    starts = clause_starts(text)
    out: list[Word] = []
    clause, k = 0, 0
    for m in _WORD.finditer(text):
        while k < len(starts) and starts[k] <= m.start():
            clause, k = clause + 1, k + 1
        raw = m.group()
        for norm in spell_out(fold(raw)):
            if norm in breaks:
                clause += 1
            out.append(Word(norm, m.start(), m.end(), clause, raw[:1].isupper(),
                            raw.isupper() and sum(c.isalpha() for c in raw) >= 2))
    for n, w in enumerate(out[:-1]):
        if w.norm in _NUMBER_SIGNS and out[n + 1].norm[:1].isdigit():  # "no 2", "no. urut": a number, not "no"
            out[n] = Word("nomor", w.start, w.end, w.clause, w.capital, w.upper)
    return out


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text` with a letter in it."""
    cuts = [0] + [m.end() for m in _sentence_end().finditer(text)] + [len(text)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if any(c.isalpha() for c in text[a:b])]


def respell(text: str) -> str:
    """Chat spellings written out, word by word, in lower-cased text ("yg gak" -> "yang tidak")."""
    return re.sub(r"[\w']+", lambda m: " ".join(spell_out(m.group())), text)


# ---- content schema and check (content/understand.toml) ------------------------------------------------------

_WORDS = schema.Field(schema.ListOf(str))
SCHEMA = schema.Table({
    "spelling": schema.Field(schema.MapOf(schema.Field(str), key_pattern=r"[a-z0-9']+"), required=True),
    "negation": schema.Field(schema.Table({"window": schema.Field(int, min=1, max=10), "words": _WORDS}),
                             required=True),
    "clause": schema.Field(schema.Table({"words": _WORDS})),
})


def check() -> list[schema.Issue]:
    """Schema violations, and spellings that would write a word out as itself or as nothing."""
    doc = content_doc("understand")
    found = schema.validate(doc.data, SCHEMA)
    if not found:
        found += [(f"spelling.{k}", "writes the word out as nothing or as itself")
                  for k, v in doc.data["spelling"].items() if not v.split() or v.lower() == k]
    return doc.issues(found)


schema.register_check("understand", check)
