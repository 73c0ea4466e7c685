"""The formal register never slips into casual Indonesian: every key of locales/id/, rendered through the id-formal
catalog (its own text, or the casual one it falls back to), is free of the casual voice.

The casual words are content/formal.toml [informal] (handlers/formal.casual_words) plus the markers of
tests/data/formal_markers.toml ("mau", "HP", "kenapa", phrases); the user's own words, given in placeholders, come
from that file's allow-list and are never counted.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.i18n import Catalog, placeholders
from handlers import formal as F

DATA = tomllib.loads((Path(__file__).resolve().parent / "data" / "formal_markers.toml").read_text(encoding="utf-8"))
MARKERS: list[str] = DATA["markers"]["words"]
PHRASES: list[str] = DATA["markers"]["phrases"]
USER_WORDS: list[str] = DATA["allow"]["user_words"]
CATALOG = Catalog()
FORMAL = CATALOG.tag("id", "formal")


def render(key: str) -> str:
    """`key` in the formal register, every placeholder given one of the user's (casual) answers."""
    template = CATALOG.variants.get(FORMAL, {}).get(key) or CATALOG.messages["id"][key]
    names = sorted(placeholders(template))
    return CATALOG.t(FORMAL, key, **{n: USER_WORDS[i % len(USER_WORDS)] for i, n in enumerate(names)})


def leaks(text: str) -> list[str]:
    """The casual words and phrases of a rendered text, the user's own words (the allow-list) left out."""
    for words in USER_WORDS:
        text = text.replace(words, " ")
    spoken = F.voice(text)
    found = list(F.casual_words(text))
    found += [w for w in re.findall(r"[^\W\d_]+", spoken) if w.lower() in MARKERS]
    low = " ".join(re.findall(r"[^\W\d_]+", spoken.lower()))
    found += [p for p in PHRASES if re.search(rf"\b{re.escape(p)}\b", low)]
    return found


def test_formal_catalog_is_the_variant() -> None:
    assert FORMAL == "id-formal" and CATALOG.variants[FORMAL]


def test_markers_are_caught() -> None:
    """The checker itself: each kind of marker is found, the user's words and quoted words are not."""
    assert leaks("Pilih yang mau diatur:") == ["mau"]
    assert leaks("Buka file ini di HP.") == ["HP"]
    assert leaks("Lalu yang mana? Ketik nomornya.") == ["lalu yang mana"]
    assert leaks("Ini rencanamu.") == ["rencanamu"]
    assert leaks(f"Tema Anda: {USER_WORDS[0]}.") == []
    assert leaks('Ketik "mau" untuk melanjutkan.') == []


@pytest.mark.parametrize("key", sorted(CATALOG.messages["id"]))
def test_no_casual_word_in_the_formal_register(key: str) -> None:
    assert leaks(render(key)) == [], f"{key}: {render(key)!r}"


def people() -> list[str]:
    """Who each role talks to (pb.people.<role>), in the formal register: what {people} becomes in a plan."""
    keys = {k for k in CATALOG.messages["id"] if k.startswith("pb.people.")}
    return sorted({CATALOG.t(FORMAL, k) for k in keys})


@pytest.mark.parametrize("key", sorted(k for k in CATALOG.messages["id"] if "{people}" in CATALOG.t(FORMAL, k)))
def test_people_joined_once(key: str) -> None:
    """'contoh bagi klien dan calon klien dan penyelenggara': a group that already says 'dan' is never followed by
    another 'dan' (the text joins it with a comma, 'serta' or a second 'bagi' instead)."""
    groups = [p for p in people() if " dan " in p]
    assert groups, "no role's audience says 'dan': this test checks nothing"
    for group in groups:
        said = CATALOG.t(FORMAL, key, people=group)
        assert f"{group} dan " not in said, said
