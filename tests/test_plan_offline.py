"""The offline line of the plan names events as a sentence can say them: 'saat datang ke pesta dan kumpul di
kapela', never 'di iya sa datang ke pesta' nor 'Di Mengisi pengajian'. Several writers; texts from the catalogs."""
from __future__ import annotations

from typing import Any

import pytest

from bot.i18n import Catalog
from handlers import lexicon as L
from handlers import playbook as P

CATALOG = Catalog()

TYPED = [
    ("iya sa datang ke pesta, misa, kumpul di kapela", ["datang ke pesta", "kumpul di kapela"], ["misa"]),
    ("Mengisi pengajian, seminar, dan pertemuan paguyuban pensiunan", ["seminar", "pertemuan paguyuban pensiunan"],
     ["mengisi pengajian"]),
    ("ya kak, arisan RT dan Pasar Minggu", ["arisan RT", "Pasar Minggu"], []),
    ("oke deh: ikut misa tiap minggu; datang ke pesta nikah", ["datang ke pesta nikah"], ["ikut misa tiap minggu"]),
]


def _t(lang: str) -> Any:
    return lambda key, **kw: CATALOG.t(lang, key, **kw)


@pytest.mark.parametrize("typed, open_, quiet", TYPED)
def test_events_lose_the_words_before_them(typed: str, open_: list[str], quiet: list[str]) -> None:
    assert P.offline_events({"offline": typed, "role": None}) == (open_, quiet)


@pytest.mark.parametrize("lang", ["id", "id-formal"])
@pytest.mark.parametrize("typed, open_, quiet", [c for c in TYPED if c[1] and c[2]])
def test_the_offline_line_reads_as_a_sentence(lang: str, typed: str, open_: list[str], quiet: list[str]) -> None:
    values = P.offline_values({"offline": typed, "role": None}, _t(lang))
    line = CATALOG.t(lang, "plan.stakeholder.offline_mixed", offline=typed, priority_segment="warga", **values)
    said = line.split("):", 1)[1]  # after the answer quoted as typed
    for event in open_ + quiet:
        assert event in said
    for word in said.split():
        assert L.fold(word) not in {"iya", "sa", "oke"}
    assert " di di " not in said and " Di " + quiet[0] not in said and " di " + open_[0] not in said
