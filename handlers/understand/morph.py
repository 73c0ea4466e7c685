"""The forms a word may be an inflection of: Indonesian affixes (standard and Jakarta chat: di-, me-/men-/mem-/
meng-/meny-, ber-, ter-, per-, pe-, ke-, se-, ny-/nge-; -kan, -an, -i, -in, -nya, -lah, -kah, -pun, -ku, -mu)
and English endings (-s, -es, -ed, -ing, -ly).

Why our own and not a stemmer such as PySastrawi: a stemmer returns one root and needs its dictionary to find
it; it leaves unknown or chat words as they are ("nyebarin", "diumumin", "disebarluaskan" stay whole) and takes
milliseconds on a word it does not know. Here the question is only "is this word a form of one of the lexicon's
words?", so we generate every plausible root (a few dozen strings, cached per word) and the lexicon looks them
up: "disebarluaskan" -> {..., "sebarluas", "sebar"...}, "nyebarin" -> "sebar", "penipuan" -> "tipu". Over-
generation is harmless because only lexicon words are ever looked up.
"""
from __future__ import annotations

from functools import lru_cache

_VOWELS = set("aeiou")
# Particles and possessives that stand outside every other suffix ("sebarkanlah", "dananya").
_PARTICLES = ("lah", "kah", "pun", "nya", "ku", "mu", "tah")
_SUFFIXES = ("kan", "an", "in", "i")
_ENGLISH = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("d", ""), ("es", ""),
            ("s", ""), ("ly", ""), ("ers", ""), ("er", ""), ("ers", "e"), ("er", "e"))
_MIN_ROOT = 3


def _prefixed(word: str) -> set[str]:
    """Roots after one prefix, with the nasal sound put back ("menipu" -> "tipu", "nyebar" -> "sebar")."""
    out: set[str] = set()

    def add(root: str) -> None:
        if len(root) >= _MIN_ROOT:
            out.add(root)

    for plain in ("di", "ke", "se", "ber", "be", "ter", "per", "memper", "diper", "nge", "ku", "kau"):
        if word.startswith(plain):
            add(word[len(plain):])
    for nasal in ("me", "pe"):
        if not word.startswith(nasal):
            continue
        rest = word[2:]
        if rest.startswith("ny"):
            add("s" + rest[2:])
            add("c" + rest[2:])
        elif rest.startswith("ng"):
            add(rest[2:])
            add("k" + rest[2:])
            if rest.startswith("nge"):
                add(rest[3:])
        elif rest.startswith("m"):
            add(rest[1:])
            add("p" + rest[1:])
        elif rest.startswith("n"):
            add(rest[1:])
            add("t" + rest[1:])
        elif rest.startswith(("r", "l", "w", "y")):
            add(rest)  # merusak, melapor, pelapor
        else:
            add(rest)
    if word.startswith("ny") and len(word) > 3 and word[2] in _VOWELS:
        add("s" + word[2:])
        add("c" + word[2:])
    elif word.startswith("ng") and len(word) > 3:
        add(word[2:])
        add("k" + word[2:])
        if word.startswith("nge"):
            add(word[3:])
    elif word.startswith("m") and len(word) > 3 and word[1] in _VOWELS:
        add("p" + word[1:])  # mukul (Jakarta) -> pukul
    return out


def _suffixed(word: str) -> set[str]:
    out: set[str] = set()
    for particle in _PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= _MIN_ROOT:
            out.add(word[: -len(particle)])
    for stem in {word, *out}:
        for suffix in _SUFFIXES:
            if stem.endswith(suffix) and len(stem) - len(suffix) >= _MIN_ROOT:
                out.add(stem[: -len(suffix)])
    for ending, put in _ENGLISH:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_ROOT:
            out.add(word[: -len(ending)] + put)
    if word.endswith("'s"):
        out.add(word[:-2])
    return out


@lru_cache(maxsize=65536)
def forms(word: str) -> frozenset[str]:
    """The word itself and every root it may be a form of (two layers of prefixes, suffixes both sides)."""
    found = {word}
    frontier = {word}
    for _ in range(2):
        new: set[str] = set()
        for w in frontier:
            new |= _suffixed(w) | _prefixed(w)
        new -= found
        found |= new
        frontier = new
    # a confix and its prefix both stripped: "dipertanggungjawabkan", "keberangkatan"
    for w in list(found):
        found |= _suffixed(w)
    if "-" in word:
        found |= {p for p in word.split("-") if len(p) >= _MIN_ROOT}
    return frozenset(found)
