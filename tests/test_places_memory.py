"""The gazetteer held compactly (issue 25, memory): the same places as the file says, each distinct value one shared
tuple, and the lexicon's fold memo left to the words folded at every turn."""
from __future__ import annotations

import gzip
from importlib import resources

from handlers import lexicon as L
from handlers import places as P


def _as_written() -> dict[str, tuple[str, str, int, str]]:
    """The gazetteer read the plain way: the whole file, each row its own tuple."""
    raw = resources.files("handlers.places").joinpath("places.tsv.gz").read_bytes()
    out: dict[str, tuple[str, str, int, str]] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            name, zone, country, thousands, kind = line.split("\t")
            out.setdefault(L.fold(name), (zone, country, int(thousands), kind))
    return out


def test_the_gazetteer_holds_every_place_of_the_file() -> None:
    assert P.gazetteer() == _as_written()


def test_equal_values_are_one_object() -> None:
    values = list(P.gazetteer().values())
    distinct = set(values)
    assert len(distinct) < len(values) / 2  # what sharing saves: most names share a value with another
    assert len({id(v) for v in values}) == len(distinct)
    for field in (0, 1, 3):  # zone, country, kind
        assert len({id(v[field]) for v in distinct}) == len({v[field] for v in distinct}), field


def test_loading_the_gazetteer_leaves_the_fold_memo_alone() -> None:
    P.gazetteer.cache_clear()
    L._remembered_fold.cache_clear()
    L.fold("Saya tinggal di Klaten")
    try:
        assert len(P.gazetteer()) > 10_000
        assert L._remembered_fold.cache_info().currsize == 1
    finally:
        P.gazetteer.cache_clear()
