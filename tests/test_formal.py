"""Formal Indonesian (issue 22, item 7): a user who writes formally, or asks for it, is addressed with "Anda"; every
casual Indonesian text has its formal form (locales/id-formal/), checked like the rest of the catalogs.

The casual words come from content/formal.toml, the questionnaire from content/questionnaire.toml (tests/answers.py):
nothing here counts texts or steps.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bot import schema
from bot.checks import run_checks
from bot.core import Core
from bot.i18n import LOCALES_DIR_ENV, Catalog, base_language, catalog_entries_by_language
from bot.types import Inbound, Outbound, UserRef
from handlers import formal as F
from handlers import steps as S
from tests import answers as A

LOCALES = Path(__file__).resolve().parent.parent / "locales"

# The retired head of a district education office: long polite sentences, explanations instead of picks.
FORMAL_OPENING = ("Selamat pagi. Dengan hormat, saya Drs. Haryanto, pensiunan Kepala Dinas Pendidikan Kabupaten "
                  "Klaten. Mohon bantuan Anda untuk menyusun rencana personal branding saya.")
FORMAL_TEXT = ("Menurut hemat saya, tujuan utama saya adalah membagikan 2 tulisan tentang pendidikan karakter "
               "setiap minggu kepada para guru dan orang tua murid.")
FORMAL_ITEMS = ["guru SD hingga SMA", "kepala sekolah", "orang tua murid", "pengawas sekolah", "panitia seminar",
                "dinas pendidikan", "pengurus PGRI", "mahasiswa keguruan"]
CASUAL_OPENING = "halo kak, aku mau bikin personal branding nih, gimana caranya?"
CASUAL_TEXT = "pengen sharing cerita kuliah sama 2 tips hemat tiap minggu buat anak kos dong"


def user(uid: str) -> UserRef:
    return UserRef("console", uid, "Tester")


def text(who: UserRef, body: str) -> Inbound:
    return Inbound(who, "text", text=body)


def casual_in(replies: list[Outbound]) -> list[tuple[str, list[str]]]:
    """(key, casual words) of every reply (buttons too) that speaks casually."""
    out = []
    for m in replies:
        found = F.casual_words(m.text) + [w for c in m.choices for w in F.casual_words(c.label)]
        if found:
            out.append((m.key, found))
    return out


def says_anda(replies: list[Outbound]) -> bool:
    return any("Anda" in m.text for m in replies)


# ---- the catalogs --------------------------------------------------------------------------------------------------

def test_real_catalogs_every_casual_text_has_a_clean_formal_form() -> None:
    assert [str(i) for i in F.catalog_issues()] == []
    assert [str(i) for i in F.check()] == []


def test_formal_forms_keep_the_placeholders_and_the_keys_of_the_indonesian_texts() -> None:
    catalogs = catalog_entries_by_language()
    variants = catalog_entries_by_language((F.TAG,))
    assert variants[F.TAG], "locales/id-formal/ is empty"
    assert [str(i) for i in schema.variant_issues(F.TAG, variants[F.TAG], catalogs[F.LANG])] == []


@pytest.fixture
def locales_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "locales"
    shutil.copytree(LOCALES, folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    monkeypatch.setenv(LOCALES_DIR_ENV, str(folder))
    return folder


def _problems() -> list[str]:
    return [str(i) for i in run_checks()]


def test_check_names_a_casual_text_without_its_formal_form_and_what_to_add(locales_copy: Path) -> None:
    casual = next(w for w in sorted(F.words().informal))
    (locales_copy / "id" / "zz_test.toml").write_text(f'[zz]\nnew = "Halo {{name}}, {casual} siap?"\n', "utf-8")
    (locales_copy / "en" / "zz_test.toml").write_text('[zz]\nnew = "Hello {name}, ready?"\n', "utf-8")
    problems = [p for p in _problems() if "zz.new" in p]
    assert len(problems) == 1 and "no formal form" in problems[0] and f"add zz.new to locales/{F.TAG}/" in problems[0]
    assert casual in problems[0] and "id/zz_test.toml:2" in problems[0]


def test_check_refuses_a_casual_formal_form_and_placeholders_that_differ(locales_copy: Path) -> None:
    casual = sorted(F.words().informal)[0]
    (locales_copy / "id" / "zz_test.toml").write_text('[zz]\na = "Halo {name}, kamu siap?"\nb = "Nama kamu?"\n',
                                                      "utf-8")
    (locales_copy / "en" / "zz_test.toml").write_text('[zz]\na = "Hello {name}, ready?"\nb = "Your name?"\n', "utf-8")
    (locales_copy / F.TAG / "zz_test.toml").write_text(
        f'[zz]\na = "Halo {{nama}}, apakah Anda siap?"\nb = "Siapa nama Anda, {casual}?"\nc = "Tidak ada."\n', "utf-8")
    problems = _problems()
    assert any("zz.a" in p and "placeholders {nama} differ from 'id' {name}" in p for p in problems), problems
    assert any("zz.b" in p and "formal form has casual words" in p and casual in p for p in problems), problems
    assert any("zz.c" in p and "unknown key" in p for p in problems), problems


def test_check_leaves_quoted_words_and_commands_out() -> None:
    assert F.casual_words('Tulis "pakai kamu aja" atau ketik /formal.') == []
    assert F.casual_words("Ya, itu nama saya.") == []
    assert F.casual_words("Coba lagi ya.") == ["ya"]
    assert F.casual_words("Siapa namamu?") == ["namamu"]


def test_catalog_falls_back_from_the_variant_to_the_language() -> None:
    cat = Catalog()
    assert cat.tag("id", "formal") == F.TAG and cat.tag("en", "formal") == "en" and cat.tag("id", None) == "id"
    formal = catalog_entries_by_language((F.TAG,))[F.TAG]
    base = catalog_entries_by_language(("id",))["id"]
    key = next(iter(formal))
    neutral = next(k for k, e in base.items() if k not in formal)
    assert cat.t(F.TAG, key) == formal[key].text != cat.t("id", key)
    assert cat.t(F.TAG, neutral) == cat.t("id", neutral) and cat.has(neutral, F.TAG)
    assert base_language(F.TAG) == "id"


# ---- reading the register --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("message", [
    FORMAL_OPENING, FORMAL_TEXT,
    "Mohon maaf, menurut saya kedua tema tersebut berbeda, jadi saya tetap memakai jawaban saya.",
    "Terima kasih, sudah benar. Silakan dibuatkan rencananya.",
    "Terima kasih atas penjelasan Bapak/Ibu.",
    "Saya biasanya menanggapi kritik dengan tenang dan menjelaskan duduk perkaranya secara terbuka.",
])
def test_formal_messages_read_formal(message: str) -> None:
    assert F.read_register(message) == F.FORMAL


@pytest.mark.parametrize("message", [
    CASUAL_OPENING, CASUAL_TEXT, "skip dulu deh, belum kepikiran", "gue mau grow di tiktok, gimana kak?",
    "sa bisa 3x seminggu", "wkwk iya aku setuju banget 😂😂😂",
])
def test_casual_messages_read_casual(message: str) -> None:
    assert F.read_register(message) == F.CASUAL


@pytest.mark.parametrize("message", ["1", "Rina Batik Nusantara", "ya", "TikTok, Instagram", "30 menit", "Baik.",
                                     A.FILLER["id"]])
def test_short_or_plain_messages_show_no_register(message: str) -> None:
    assert F.read_register(message) is None


def test_register_is_set_by_the_first_clear_message_and_switches_only_after_two_in_a_row() -> None:
    state = F.RegisterState(None)
    state = F.decide_register(state, None)
    assert state.register is None
    state = F.decide_register(state, F.FORMAL)
    assert state.register == F.FORMAL
    once = F.decide_register(state, F.CASUAL)
    assert once.register == F.FORMAL and once.pending == F.CASUAL
    assert F.decide_register(F.decide_register(once, None), F.CASUAL).register == F.CASUAL  # neutral in between
    assert F.decide_register(F.decide_register(once, F.FORMAL), F.CASUAL).register == F.FORMAL  # reset
    pinned = F.RegisterState(F.FORMAL, pinned=True)
    assert F.decide_register(F.decide_register(pinned, F.CASUAL), F.CASUAL) == pinned


@pytest.mark.parametrize("message, register", [
    ("pakai Anda", F.FORMAL), ("Mohon gunakan bahasa formal dan panggil saya Bapak.", F.FORMAL),
    ("panggil saya Ibu saja", F.FORMAL), ("bahasa formal ya", F.FORMAL), ("Tolong jangan panggil saya kamu.", F.FORMAL),
    ("pakai kamu aja", F.CASUAL), ("nggak usah formal", F.CASUAL), ("gak usah pakai bahasa formal dong", F.CASUAL),
])
def test_explicit_requests(message: str, register: str) -> None:
    assert F.requested(message) == register


@pytest.mark.parametrize("message", [
    "Cerita di balik layar dengan bahasa santai dan sedikit humor.",
    "Saya menulis dengan bahasa formal untuk para guru dan kepala sekolah.",
    "pakai kamu dan aku di caption biar akrab sama followers",
])
def test_answers_that_mention_a_register_are_no_requests(message: str) -> None:
    assert F.requested(message) is None


# ---- through the bot --------------------------------------------------------------------------------------------------

def _formal_persona() -> dict[str, Any]:
    """Formal typed answers for every text and list step (choices are tapped: taps show no register)."""
    persona: dict[str, Any] = {}
    for step in S.all_steps():
        if step.kind == "text" and not step.asks_name:
            persona[step.id] = A.fit(FORMAL_TEXT, step.min_len, step.max_len)
        elif step.kind == "list":
            want = max(step.min_items, 2) if not step.max_items else min(max(step.min_items, 2), step.max_items)
            persona[step.id] = [A.fit(item, step.min_len, step.max_len) for item in FORMAL_ITEMS[:want]]
    return persona


async def _stored(core: Core, who: UserRef) -> Any:
    return await core.storage.find_user(who.platform, who.user_id)


async def test_a_formal_writer_is_addressed_with_anda_through_the_questionnaire_to_the_plan(core: Core) -> None:
    who = user("pak-haryanto")
    first = await core.handle(text(who, FORMAL_OPENING))
    assert (await _stored(core, who)).register == F.FORMAL
    w = await A.walk(core, who, _formal_persona(), mode="typed")
    plan = await core.handle(text(who, "Terima kasih, sudah benar. Silakan dibuatkan rencananya."))
    replies = [first, *w.replies, w.last, plan]
    flat = [m for r in replies for m in r]
    assert any(m.key == "summary.title" for m in w.last)
    assert [m for m in plan if m.kind == "document" or m.key.startswith("plan.")], [m.key for m in plan]
    assert casual_in(flat) == []
    assert says_anda(flat)
    assert all(base_language(m.lang) == "id" for m in flat)
    assert any(m.lang == F.TAG for m in flat)


async def test_a_formal_writer_starting_with_start_is_formal_after_the_first_formal_answer(core: Core) -> None:
    who = user("bu-ratna")
    await core.handle(Inbound(who, "command", command="start"))
    await core.handle(text(who, "Ratna Wulandari"))  # a name shows no register
    assert (await _stored(core, who)).register is None
    out = await core.handle(text(who, "Mohon maaf, saya belum memahami maksud pertanyaan tersebut."))
    assert (await _stored(core, who)).register == F.FORMAL
    assert casual_in(out) == []


async def test_a_casual_writer_keeps_kamu(core: Core) -> None:
    who = user("nadia")
    first = await core.handle(text(who, CASUAL_OPENING))
    w = await A.walk(core, who, {s.id: A.fit(CASUAL_TEXT, s.min_len, s.max_len) for s in S.all_steps()
                                 if s.kind == "text" and not s.asks_name}, mode="typed")
    flat = [m for r in [first, *w.replies] for m in r]
    assert (await _stored(core, who)).register == F.CASUAL
    assert any("kamu" in F.casual_words(m.text) or any(w.endswith("mu") for w in F.casual_words(m.text))
               for m in flat)
    assert all(m.lang == "id" for m in flat)


async def test_one_casual_message_does_not_flip_a_formal_writer_two_do(core: Core) -> None:
    who = user("pak-joko")
    await core.handle(text(who, FORMAL_OPENING))
    await core.handle(text(who, "oke deh kak"))
    assert (await _stored(core, who)).register == F.FORMAL
    await core.handle(text(who, "gimana sih caranya, aku bingung"))
    assert (await _stored(core, who)).register == F.CASUAL


async def test_explicit_request_switches_either_way_and_holds(core: Core) -> None:
    who = user("sari")
    await core.handle(text(who, CASUAL_OPENING))
    out = await core.handle(text(who, "panggil saya Ibu saja"))
    assert [m.key for m in out][0] == "formal.on" and (await _stored(core, who)).register == F.FORMAL
    assert casual_in(out) == []
    for _ in range(3):  # casual writing no longer switches a chosen register
        await core.handle(text(who, "gimana sih caranya, aku bingung banget"))
    assert (await _stored(core, who)).register == F.FORMAL
    out = await core.handle(text(who, "pakai kamu aja"))
    assert [m.key for m in out][0] == "formal.off" and (await _stored(core, who)).register == F.CASUAL
    out = await core.handle(Inbound(who, "command", command="formal"))
    assert out[0].key == "formal.on" and (await _stored(core, who)).register == F.FORMAL
    out = await core.handle(Inbound(who, "command", command="formal"))
    assert out[0].key == "formal.off" and (await _stored(core, who)).register == F.CASUAL
    out = await core.handle(Inbound(who, "command", command="formal", args=("on",)))
    assert (await _stored(core, who)).register == F.FORMAL


async def test_an_explicit_request_repeats_the_open_question_in_the_new_register(core: Core) -> None:
    who = user("pak-bambang")
    await core.handle(Inbound(who, "command", command="start"))
    out = await core.handle(text(who, "pakai Anda"))
    assert out[0].key == "formal.on" and A.question_of(out) is not None
    assert casual_in(out) == [] and says_anda(out)


async def test_help_lists_formal(core: Core) -> None:
    out = await core.handle(Inbound(user("help"), "command", command="help"))
    assert "/formal" in out[0].text


async def test_english_users_are_unaffected(core: Core) -> None:
    who = user("kate")
    await core.handle(text(who, "Hi! I teach yoga in Ubud and I would like help with my personal brand, please."))
    out = await core.handle(text(who, "Dear coach, thank you for your kind help. I would be grateful for a plan."))
    assert all(m.lang == "en" for m in out)
    out = await core.handle(Inbound(who, "command", command="formal"))
    assert out[0].lang == "en" and "Anda" in out[0].text
    w = await A.walk(core, who, lang="en", mode="typed")
    assert all(m.lang == "en" for r in w.replies for m in r)


async def test_a_formal_user_may_type_an_option_as_it_was_shown_to_them(core: Core) -> None:
    formal = catalog_entries_by_language((F.TAG,))[F.TAG]
    step, value = next((s, v) for s in S.all_steps() if s.kind == "choice" for v in s.options
                       if f"opt.{s.id}.{v}" in formal)
    who = user("bu-sri")
    await core.handle(text(who, FORMAL_OPENING))
    w = await A.walk(core, who, _formal_persona(), mode="typed", stop_at=step.id)
    assert A.question_of(w.last) is not None and A.question_of(w.last).step == step.id  # type: ignore[union-attr]
    await core.handle(text(who, formal[f"opt.{step.id}.{value}"].text))
    found = await _stored(core, who)
    assert (await core.storage.answers(found.id)).get(step.id) == value
