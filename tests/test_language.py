"""Language detection on the project's own chat set, and the per-user language rules."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import language
from bot.language import (
    PROVISIONAL,
    LangState,
    analyse,
    decide_language,
    detect_language,
    language_from_locale,
    warm_up,
)

DATA = Path(__file__).parent / "data" / "chat_lang.tsv"


def _rows() -> list[tuple[str, str, str]]:
    """(slice, label, text) rows of the checked-in chat set."""
    with DATA.open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return [(r["slice"], r["label"], r["text"]) for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)]


ROWS = _rows()


def test_chat_set_covers_every_kind() -> None:
    labels = {label for _, label, _ in ROWS}
    assert labels == {"id", "en", "other", "none"}
    assert len(ROWS) >= 100


@pytest.mark.parametrize(("slice_", "label", "text"), ROWS, ids=[f"{s}:{t}" for s, _, t in ROWS])
def test_chat_set(slice_: str, label: str, text: str) -> None:
    got = detect_language(text)
    if label == "none":
        assert got is None
    elif label == "other":  # local languages are answered in Indonesian: "id" or None, never "en"
        assert got in ("id", None)
    else:
        assert got == label


@pytest.mark.parametrize("text", ["ok", "OK", "okay", "wkwkwk", "hahaha", "hehe", "😂", "🙏🏻👍", "2024", "Rp 50.000",
                                  "https://example.com/a?b=c", "www.tiktok.com/@me", "Instagram", "TikTok", "",
                                  "   ", "/start", "/language en", "@brandcoach", "#contentcreator", "ok 👍 wkwk"])
def test_neutral_tokens_have_no_language(text: str) -> None:
    assert detect_language(text) is None


def test_neutral_tokens_do_not_change_a_decision() -> None:
    assert detect_language("mau bikin konten wkwk 😂 https://instagram.com/me") == "id"
    assert detect_language("I want more followers haha 👍 #growth") == "en"


def test_warm_up_loads_only_en_and_id_once() -> None:
    warm_up()
    factory = language._factory
    assert sorted(factory.get_lang_list()) == ["en", "id"]
    warm_up()
    assert language._factory is factory


def test_deterministic_across_fresh_factories() -> None:
    texts = [t for _, _, t in ROWS] + ["Dia memberiku garam.", "Feed the bird.", "kamera bagus"]
    first = [analyse(t) for t in texts]
    saved = language._factory
    try:
        language._factory = None
        warm_up()
        assert [analyse(t) for t in texts] == first
    finally:
        language._factory = saved


def test_confidence_is_higher_for_clear_messages() -> None:
    assert analyse("I want more followers").confidence >= language.SURE
    assert analyse("thanks").confidence < language.CONFIDENT  # weak on its own


@pytest.mark.parametrize(("locale", "want"), [("id", "id"), ("id-ID", "id"), ("en_GB", "en"), ("EN-us", "en"),
                                              ("fr-FR", None), (None, None), ("", None)])
def test_language_from_locale(locale: str | None, want: str | None) -> None:
    assert language_from_locale(locale) == want


# --- per-user language -------------------------------------------------------------------------

def test_first_inbound_uses_locale_provisionally() -> None:
    d = decide_language(LangState(None), "/start", "en-US")
    assert d.state == LangState("en", False, PROVISIONAL, 0)
    assert not d.changed
    d = decide_language(LangState(None), "/start", None)
    assert d.state.language == "id" and d.state.pending == PROVISIONAL


def test_first_confident_message_sets_language_directly() -> None:
    d = decide_language(LangState(None), "mau bikin konten tiap hari", "en")
    assert d.state == LangState("id") and not d.changed


def test_provisional_language_is_overridden_by_first_confident_text() -> None:
    state = decide_language(LangState(None), "/start", "id").state
    state = decide_language(state, "ok 👍", "id").state  # neutral: still provisional
    assert state.pending == PROVISIONAL
    d = decide_language(state, "yes please", "id")  # even a short, confident English message
    assert d.state == LangState("en") and d.changed


def test_provisional_confirmed_by_same_language() -> None:
    state = LangState("id", pending=PROVISIONAL)
    d = decide_language(state, "oke kak", "id")
    assert d.state == LangState("id") and not d.changed
    # once confirmed, one short English message no longer switches
    d = decide_language(d.state, "not now", "id")
    assert d.state.language == "id" and not d.changed and d.state.pending == "en"


def test_weak_word_does_not_override_provisional() -> None:
    d = decide_language(LangState("id", pending=PROVISIONAL), "thanks", "id")
    assert d.state.language == "id" and not d.changed


def test_one_short_message_does_not_switch() -> None:
    d = decide_language(LangState("id"), "not now")
    assert d.state == LangState("id", False, "en", 1) and not d.changed


def test_two_short_messages_in_a_row_switch() -> None:
    state = decide_language(LangState("id"), "not now").state
    d = decide_language(state, "maybe later")
    assert d.state == LangState("en") and d.changed


def test_neutral_message_between_keeps_the_count() -> None:
    state = decide_language(LangState("en"), "udah kak").state
    state = decide_language(state, "wkwk").state
    assert state.pending == "id" and state.pending_count == 1
    d = decide_language(state, "gak jadi")
    assert d.state.language == "id" and d.changed


def test_same_language_message_resets_the_count() -> None:
    state = decide_language(LangState("id"), "not now").state
    state = decide_language(state, "iya kak").state
    assert state == LangState("id")
    d = decide_language(state, "maybe later")
    assert d.state.language == "id" and not d.changed


def test_long_confident_message_switches_at_once() -> None:
    d = decide_language(LangState("id"), "I really want more people to follow my account because I post every day")
    assert d.state == LangState("en") and d.changed
    d = decide_language(LangState("en"), "aku mau bikin konten tiap hari biar makin banyak orang yang kenal aku")
    assert d.state == LangState("id") and d.changed


@pytest.mark.parametrize(("settled", "text"), [
    ("id", "I want more followers on my account"),
    ("id", "I want people to trust my honest songs"),
    ("en", "aku mau bikin konten tiap hari"),
])
def test_one_shorter_sentence_only_counts_towards_a_switch(settled: str, text: str) -> None:
    d = decide_language(LangState(settled), text)
    assert d.state.language == settled and not d.changed and d.state.pending_count == 1
    d = decide_language(d.state, text)  # sustained: the second one in a row switches
    assert d.state.language != settled and d.changed


def test_one_english_answer_between_indonesian_ones_never_flips() -> None:
    """The flip-flop: a bilingual user writes one English sentence, then goes on in (code-mixed) Indonesian."""
    state = LangState("id")
    for text in ["I want people to trust my honest songs", "aku mau fokus di content creation buat brand awareness",
                 "Be the most honest singer in town", "rilis lagu tiap bulan"]:
        d = decide_language(state, text)
        assert not d.changed and d.state.language == "id", text
        state = d.state


def test_answers_without_evidence_settle_a_provisional_language() -> None:
    state = decide_language(LangState(None), "", "id").state
    assert state.pending == PROVISIONAL
    for _ in range(language.SETTLING_ANSWERS - 1):  # taps, option numbers, a name
        state = decide_language(state, "", answered=True).state
        assert state.pending == PROVISIONAL
    state = decide_language(state, "", answered=True).state
    assert state == LangState("id")
    d = decide_language(state, "I want people to trust my honest songs")
    assert d.state.language == "id" and not d.changed


def test_commands_do_not_settle_a_provisional_language() -> None:
    state = LangState("id", pending=PROVISIONAL)
    for _ in range(5):
        state = decide_language(state, "").state  # commands: not answered
    d = decide_language(state, "yes please")
    assert d.state == LangState("en") and d.changed


def test_lone_thanks_never_switches() -> None:
    state = LangState("id")
    for text in ["thanks", "sorry", "thanks", "nice"]:
        d = decide_language(state, text)
        assert not d.changed
        state = d.state
    assert state.language == "id"


def test_pinned_never_changes() -> None:
    state = LangState("id", pinned=True)
    for text in ["I want more followers on my account", "yes", "yes please", "Give me an example"]:
        d = decide_language(state, text, "en")
        assert d.state == state and not d.changed


def test_local_language_never_switches_to_english() -> None:
    state = LangState("id")
    for text in ["aku ora ngerti", "piye carane nambah followers?", "matur nuwun mas", "abdi teu terang kumaha",
                 "Jhek loppa nginum aeng mineral 8 - 10 ghelles re sa'arena."]:
        d = decide_language(state, text)
        assert d.state.language == "id" and not d.changed
        state = d.state


def test_local_language_from_english_state_goes_indonesian() -> None:
    state = LangState("en")
    changes = 0
    for text in ["nuhun kang", "matur nuwun mas"]:
        d = decide_language(state, text)
        changes += d.changed
        state = d.state
    assert state.language == "id" and changes == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.sampled_from(["id", "en"]), st.booleans(),
       st.sampled_from([None, "en", "id", PROVISIONAL]), st.integers(0, 1))
def test_decision_invariants(text: str, lang: str, pinned: bool, pending: str | None, count: int) -> None:
    state = LangState(lang, pinned, pending, count)
    d = decide_language(state, text, "en")
    assert d.state.language in ("id", "en")
    assert d.changed == (d.state.language != lang)
    if pinned:
        assert d.state == state
    assert detect_language(text) in ("id", "en", None)
