"""Where the audience lives, as a plan sentence says it ('pukul 19:00 di {place}'): the place's own sentence, without
the prepositions typed before it, never 'di di ...' nor what was said after the place. Several writers."""
from __future__ import annotations

import pytest

from handlers.lexicon import fold
from handlers.plan import posting as P

CASES = [
    ("di Desa Hokor, Kec. Bola, Sikka. banyak yang di kebun, malam baru pegang hp", "Desa Hokor, Kec. Bola, Sikka"),
    ("Di Kupang. mereka kerja siang", "Kupang"),
    ("in Jakarta. Most work office hours", "Jakarta"),
    ("dari Bandung; kebanyakan mahasiswa", "Bandung"),
    ("di Makassar\nbanyak ibu rumah tangga", "Makassar"),
    ("di di Jl. Merdeka, Malang", "Jl. Merdeka, Malang"),
    ("mostly in London - they commute", "London"),
    ("Surabaya", "Surabaya"),
    ("Kab. Sikka, NTT", "Kab. Sikka, NTT"),
    ("Jakarta Selatan.", "Jakarta Selatan"),
]


@pytest.mark.parametrize("typed, shown", CASES)
def test_a_typed_place_reads_well_after_di(typed: str, shown: str) -> None:
    assert P.place_shown(typed) == shown


@pytest.mark.parametrize("typed, shown", CASES)
def test_the_audience_zone_keeps_the_place_as_shown(typed: str, shown: str) -> None:
    found = P.audience_zone({P.PLACE_STEP: typed})
    if found is None:
        pytest.skip("no zone known for this place")
    place = found[1]
    assert place == shown and fold(place).split()[0] not in {"di", "in", "dari", "from"}
