"""Places to time zones (issue 22, item 5): places as people type them, inside sentences, the user's own place first,
Indonesia first for shared names, everyday words never a place; the gazetteer file and content/places.toml; the zone
question after the plan and what the bot says when it goes unanswered."""
from __future__ import annotations

import gzip
from importlib import resources
from zoneinfo import available_timezones

import pytest

import answers as A
from bot.content import load_content
from bot.core import Core
from bot.storage import Flow, User
from conftest import PERSONA_EN, PERSONA_ID
from handlers import lexicon as L
from handlers import places as P
from handlers.reminders import schedule as S
from handlers.reminders.store import NudgeStore
from nudge_helpers import keys, say

WIB, WITA, WIT, PONTIANAK = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Asia/Pontianak"

PLACES = [
    # the examples
    ("Maumere", WITA), ("Ubud", WITA), ("Klaten", WIB), ("sby", WIB), ("Saya tinggal di Klaten, Jawa Tengah.", WIB),
    ("aku di sby", WIB), ("based in Ubud, my clients are in London", WITA),
    # Indonesian cities and towns, as typed
    ("jakarta", WIB), ("Bandung", WIB), ("MEDAN", WIB), ("Pontianak", PONTIANAK), ("Palangka Raya", PONTIANAK),
    ("palangkaraya", PONTIANAK), ("Kupang", WITA), ("Labuan Bajo", WITA), ("labuanbajo", WITA), ("Ende", WITA),
    ("Bima", WITA), ("Tual", WIT), ("Sorong", WIT), ("Wamena", WIT), ("Merauke", WIT), ("Timika", WIT),
    ("Ternate", WIT), ("Parepare", WITA), ("Bau-Bau", WITA), ("Toli-Toli", WITA), ("Tarakan", WITA),
    ("Singaraja", WITA), ("Soerabaja", WIB),
    # regencies and cities by their division name
    ("Sikka", WITA), ("Kab. Sikka", WITA), ("Kabupaten Manggarai Barat", WITA), ("Raja Ampat", WIT),
    ("Kota Batu", WIB), ("kab klaten", WIB), ("Sleman", WIB), ("Gunungkidul", WIB), ("Mimika", WIT),
    ("Kutai Kartanegara", WITA), ("Deli Serdang", WIB), ("Halmahera Utara", WIT), ("Jakarta Selatan", WIB),
    # districts (kecamatan)
    ("Soe", WITA), ("Kecamatan Amarasi", WITA), ("Larantuka", WITA),
    # provinces and islands
    ("NTT", WITA), ("Bali", WITA), ("Papua", WIT), ("Kalimantan Barat", PONTIANAK), ("Lombok", WITA),
    ("Flores", WITA), ("Jawa Timur", WIB),
    # abbreviations and everyday names for areas
    ("jkt", WIB), ("jogja", WIB), ("bdg", WIB), ("mks", WITA), ("dps", WITA), ("mlg", WIB), ("smg", WIB),
    ("bpn", WITA), ("plg", WIB), ("Canggu", WITA), ("BSD", WIB), ("Toraja", WITA),
    # inside sentences, the user's own place first
    ("aku tinggal di Batu", WIB), ("sa di Maumere, kaka", WITA), ("domisili Kupang", WITA),
    ("aku orang Medan tapi sekarang tinggal di Bali", WITA), ("I live in Ubud but my family is in Jakarta", WITA),
    ("my clients are in London, I'm based in Canggu", WITA), ("Saya bertugas di Kabupaten Sikka, NTT.", WITA),
    ("zona waktu Makassar ya kak", WITA), ("WITA, Bali", WITA), ("I'm in Berlin", "Europe/Berlin"),
    # foreign cities and countries
    ("Tokyo", "Asia/Tokyo"), ("new york", "America/New_York"), ("London", "Europe/London"),
    ("São Paulo", "America/Sao_Paulo"), ("Kuala Lumpur", "Asia/Kuala_Lumpur"), ("Germany", "Europe/Berlin"),
    ("singapura", "Asia/Singapore"), ("Sydney", "Australia/Sydney"), ("Amsterdam", "Europe/Amsterdam"),
    # everyday words and replies that are no place
    ("aku di rumah", None), ("kali ini aja", None), ("sale", None), ("nanti aja", None), ("ya", None),
    ("makasih kak", None), ("kerja di kantor", None), ("skip dulu", None), ("I'm at home", None),
    ("lagi di jalan", None), ("tidak tahu", None), ("hari ini", None), ("mau posting besok", None),
    ("terserah", None), ("the plan looks great", None),
]


@pytest.mark.parametrize("text, zone", PLACES)
def test_places_as_people_type_them(text: str, zone: str | None) -> None:
    assert S.parse_zone(text) == zone


def test_the_table_is_large_enough() -> None:
    assert len(PLACES) >= 60 and sum(zone is None for _, zone in PLACES) >= 10


def test_a_shared_name_prefers_indonesia() -> None:
    """Bari is a village in Flores and a city in Italy; Kudus a regency in Central Java and an exonym of Jerusalem."""
    for name in ("bari", "kudus", "jayapura"):
        place = P.lookup(name)
        assert place is not None and place.indonesian, name


def test_the_users_own_place_wins_over_others_in_the_sentence() -> None:
    place = P.find("klien saya di Jakarta dan Singapura, tapi saya tinggal di Ende")
    assert place is not None and place.name == "ende"
    place = P.find("Klaten, Jawa Tengah")  # a town before its province
    assert place is not None and place.name == "klaten"


def test_every_alias_names_a_place() -> None:
    """Follows content/places.toml: each alias leads to a zone, and is read alone and after 'aku di'."""
    for alias in load_content("places")["aliases"]:
        place = P.lookup(alias)
        assert place is not None and place.zone in available_timezones(), alias
        assert P.zone_in(alias) == place.zone and P.zone_in(f"aku di {alias}") == place.zone, alias


def test_every_hand_written_zone_is_still_read() -> None:
    """content/lexicon.toml [zones] wins over the gazetteer."""
    for name, zone in L.zones().items():
        if (L.fold(name),) not in P._filler():
            assert P.zone_in(name) == zone, name


def test_the_gazetteer_is_small_and_sound() -> None:
    raw = resources.files("handlers.places").joinpath("places.tsv.gz").read_bytes()
    assert len(raw) < 1_000_000
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    assert lines[0].startswith("#") and "GeoNames" in lines[0] and "CC BY 4.0" in lines[0]
    known = available_timezones()
    for line in lines[1:]:
        name, zone, country, thousands, kind = line.split("\t")
        assert zone in known and thousands.isdigit() and kind in "prdtn", line
        assert country != "ID" or zone in P.INDONESIAN_ZONES, line


def test_places_content_problems_are_named() -> None:
    data = {"aliases": {"xx": "atlantis"}, "cues": {k: [] for k in P.CUE_KINDS},
            "reading": {"common_min_thousands": 1, "bare_min_thousands": 1, "common": []}}
    found = P.place_findings(data, {"jakarta": ()}, {})
    assert found == [("aliases.xx", "'atlantis' is no place of the gazetteer or of lexicon [zones]")]
    assert P.place_findings({"aliases": {}}, None, {})  # the missing tables are named
    assert P.check() == []


@pytest.mark.parametrize("text, expected", [("Maumeree", True), ("Desa Wolomarang", True), ("makasih!", False),
                                            ("nanti aja", False), ("what do you mean?", False), ("2", False)])
def test_a_reply_that_could_be_a_place(text: str, expected: bool) -> None:
    assert P.could_be_place(text) is expected


async def _planned(core: Core, uid: str, lang: str) -> User:
    user = await core.storage.get_or_create_user("fake", uid, "Sari")
    await core.storage.update_user(user.id, language=lang, language_pinned=1)
    for step_id, value in A.plan_answers(PERSONA_ID if lang == "id" else PERSONA_EN).items():
        await core.storage.save_answer(user.id, step_id, value)
    await core.storage.save_flow(Flow(user.id, "confirm", None, None, [], None))
    out = await say(core, user, "ya" if lang == "id" else "yes")
    first = next(m for m in out if m.key == "rem.first_zone")
    assert "Asia/Jakarta" in first.text  # the question says which zone is used until one is chosen
    return user


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_a_sentence_answers_the_first_zone_question(core: Core, lang: str) -> None:
    user = await _planned(core, f"zone-sentence-{lang}", lang)
    assert keys(await say(core, user, "aku tinggal di Maumere, Flores")) == ["rem.zone_set"]
    settings = await NudgeStore(core.storage).get_settings(user.id)
    assert settings is not None and settings.tz == WITA


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_an_unanswered_zone_question_says_the_zone_once(core: Core, lang: str) -> None:
    user = await _planned(core, f"zone-skip-{lang}", lang)
    out = await say(core, user, "makasih banyak!" if lang == "id" else "thanks a lot!")
    assert keys(out)[0] == "zone.default_used" and "Asia/Jakarta" in out[0].text and "/reminders" in out[0].text
    assert len(keys(out)) > 1  # and the message itself is answered
    again = await say(core, user, "makasih banyak!" if lang == "id" else "thanks a lot!")
    assert "zone.default_used" not in keys(again)
    settings = await NudgeStore(core.storage).get_settings(user.id)
    assert settings is not None and settings.tz == S.DEFAULT_ZONE


async def test_a_mistyped_place_is_asked_again(core: Core) -> None:
    user = await _planned(core, "zone-typo", "id")
    assert keys(await say(core, user, "Maumeree")) == ["rem.bad_zone"]
    assert keys(await say(core, user, "Maumere")) == ["rem.zone_set"]
