"""Finding a lexicon's phrases in chat text: word forms (handlers.understand.morph), word groups, gaps, and the
scope of negation and quotation, so "tolak serangan fajar" and 'kata "bodoh"' are not what they would say alone.

A phrase is words separated by spaces; each word may be
  word      any form of it ("sebar" matches "disebarkan", "nyebarin"); a word of 3 letters or fewer matches only
            itself with an ending ("ras", "rasnya"), never inside a prefixed word ("beras")
  =word     exactly this word
  word*     any word starting so ("korup*": korupsi, koruptor)
  @group    any word of a group ([groups] of the same content file)
  a|b       either word
  *         any one word;   ...   up to three words
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from handlers.understand.morph import forms
from handlers.understand.text import Word

QUOTED = re.compile(r"\"[^\"\n]{1,80}\"|“[^”\n]{1,80}”|«[^»\n]{1,80}»|(?<!\w)'[^'\n]{1,60}'(?!\w)|‘[^’\n]{1,60}’")
# A quotation of a few words is a word being talked about ('kata "bodoh"'); a longer one is a claim quoted as the
# post's own message (a testimonial, a slogan) and is read like the rest.
_TALKED_ABOUT = 4
_SHORT = 3
_GAP = 3


@dataclass(frozen=True)
class Elem:
    """One position of a phrase: the words, prefixes and exact words it accepts; or a gap of up to `gap` words."""

    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    exact: frozenset[str] = frozenset()
    gap: int = 0      # a gap: 1 = exactly one word, 3 = up to three

    def accepts(self, norm: str) -> bool:
        if norm in self.exact or norm in self.words:
            return True
        if self.prefixes and norm.startswith(self.prefixes):
            return True
        if not self.words:
            return False
        found = forms(norm)
        return any(w in found and (len(w) > _SHORT or _ending_only(norm, w)) for w in self.words)


def _ending_only(norm: str, word: str) -> bool:
    """A short word matches only at the start of the typed one ("rasnya"), never after a prefix ("beras")."""
    return norm.startswith(word)


@dataclass(frozen=True)
class Phrase:
    text: str
    elems: tuple[Elem, ...]


def _alternatives(part: str, groups: Mapping[str, Sequence[str]]) -> list[str]:
    out: list[str] = []
    for alt in part.split("|"):
        out += list(groups[alt[1:]]) if alt.startswith("@") else [alt]
    return out


def expand(text: str, groups: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """A phrase as lists of parts, one list per way its multi-word group members can be written: a part is
    a '|'-joined set of one-word alternatives, '*' or '...'. Unknown groups raise KeyError."""
    variants: list[list[str]] = [[]]
    for part in text.lower().split():
        if part in ("*", "..."):
            variants = [v + [part] for v in variants]
            continue
        alts = _alternatives(part, groups)
        single = "|".join(a for a in alts if " " not in a)
        ways = ([[single]] if single else []) + [a.split() for a in alts if " " in a]
        variants = [v + w for v in variants for w in ways]
    return variants


def parse_phrase(text: str, groups: Mapping[str, Sequence[str]]) -> list[Phrase]:
    """A phrase of the lexicon, compiled (one Phrase per way of writing it)."""
    out = []
    for parts in expand(text, groups):
        elems: list[Elem] = []
        for part in parts:
            if part == "*":
                elems.append(Elem(gap=1))
            elif part == "...":
                elems.append(Elem(gap=_GAP))
            else:
                words: set[str] = set()
                prefixes: list[str] = []
                exact: set[str] = set()
                for name in part.split("|"):
                    if name.startswith("="):
                        exact.add(name[1:])
                    elif name.endswith("*") and len(name) > 1:
                        prefixes.append(name[:-1])
                    else:
                        words.add(name)
                elems.append(Elem(frozenset(words), tuple(prefixes), frozenset(exact)))
        while elems and elems[-1].gap:
            elems.pop()
        while elems and elems[0].gap:
            elems.pop(0)
        if elems:
            out.append(Phrase(text, tuple(elems)))
    return out


@dataclass(frozen=True)
class Hit:
    """Where a phrase of a concept was found: word positions [first, last] and characters [start, end)."""

    concept: str
    first: int
    last: int
    start: int
    end: int
    live: bool     # neither negated nor quoted


@dataclass
class Matcher:
    """Concepts (name -> phrases), indexed by the words a phrase can start with."""

    concepts: dict[str, tuple[Phrase, ...]]
    negation: frozenset[str]
    window: int
    _by_word: dict[str, list[tuple[str, Phrase]]] = field(default_factory=dict)
    _by_prefix: list[tuple[str, str, Phrase]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name, phrases in self.concepts.items():
            for p in phrases:
                if not p.elems:
                    continue
                head = p.elems[0]
                for w in head.words | head.exact:
                    self._by_word.setdefault(w, []).append((name, p))
                self._by_prefix += [(pre, name, p) for pre in head.prefixes]

    def _starting(self, norm: str) -> Iterable[tuple[str, Phrase]]:
        seen: set[int] = set()
        for f in forms(norm):
            for item in self._by_word.get(f, ()):
                if id(item[1]) not in seen:
                    seen.add(id(item[1]))
                    yield item
        for pre, name, p in self._by_prefix:
            if norm.startswith(pre) and id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def find(self, words: Sequence[Word], text: str, negating: frozenset[str] = frozenset()) -> list[Hit]:
        """Every hit of every concept in `words` (read from `text`), in text order.

        A phrase that starts with a negation word is a unit of its own ("jangan pilih", "bukan orang kita"): its
        negation word does not negate the words after it, unless its concept is one of `negating` (phrases that
        reject, such as "tolak ... politik uang", keep negating what they name)."""
        raw: list[tuple[str, int, int]] = []
        for i, w in enumerate(words):
            for name, phrase in self._starting(w.norm):
                last = _match(words, i, phrase.elems)
                if last is not None:
                    raw.append((name, i, last))
        consumed = {i for name, i, _ in raw if words[i].norm in self.negation and name not in negating}
        return [Hit(name, i, last, words[i].start, words[last].end,
                    not self.quoted(text, words[i].start) and not self.negated(words, i, consumed))
                for name, i, last in raw]

    @staticmethod
    def quoted(text: str, offset: int) -> bool:
        """Whether `offset` stands inside a short quotation (a few words talked about, not said)."""
        return any(m.start() <= offset < m.end() and len(m.group().split()) <= _TALKED_ABOUT
                   for m in QUOTED.finditer(text))

    def negated(self, words: Sequence[Word], at: int, consumed: set[int] | frozenset[int] = frozenset()) -> bool:
        """A negation among the `window` words before position `at`, in the same clause (a negation word that
        starts a phrase of its own, `consumed`, does not count)."""
        clause = words[at].clause
        for j in range(at - 1, max(-1, at - 1 - self.window), -1):
            if words[j].clause != clause:
                return False
            if words[j].norm in self.negation and j not in consumed:
                return True
        return False


def _match(words: Sequence[Word], at: int, elems: Sequence[Elem]) -> int | None:
    """The position of the last word when `elems` match from `at` (gaps try the shortest first), else None."""
    if not elems[0].accepts(words[at].norm):
        return None
    if len(elems) == 1:
        return at
    return _rest(words, at + 1, elems[1:], _sentence_end(words, at))


def _sentence_end(words: Sequence[Word], at: int) -> int:
    """A phrase may run over commas ("uang, sembako") but a gap never crosses more than a few clauses."""
    end = at
    while end + 1 < len(words) and words[end + 1].clause - words[at].clause <= 1:
        end += 1
    return end


def _rest(words: Sequence[Word], at: int, elems: Sequence[Elem], limit: int) -> int | None:
    if not elems:
        return at - 1
    head = elems[0]
    if head.gap:
        lo = 1 if head.gap == 1 else 0
        for skip in range(lo, head.gap + 1):
            found = _rest(words, at + skip, elems[1:], limit)
            if found is not None:
                return found
        return None
    if at > limit or not head.accepts(words[at].norm):
        return None
    return _rest(words, at + 1, elems[1:], limit)
