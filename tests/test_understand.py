"""Understanding people as they type (issue 14): options, yes/no, greetings and names, times and places,
code-mixed language, console wording. Both languages for each."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

import answers as A
from bot.adapters.console import ConsoleAdapter
from bot.content import load_content
from bot.core import Core
from bot.language import LangState, analyse, decide_language, detect_language
from bot.storage import Flow
from bot.types import Inbound, UserRef
from conftest import PERSONA_ID
from handlers import lexicon as L
from handlers import steps as S
from handlers.reminders import schedule as R
from handlers.reminders.store import NudgeStore
from nudge_helpers import cmd, done_user, keys, say, tap

DATA = Path(__file__).parent / "data"
ISSUE_LISTS = [
    "proses membatik, mix and match outfit kantor, cerita motif, behind the scene toko",
    "behind the scene, daily vlog, tips makeup",
    "review produk skincare, tutorial makeup, daily outfit",
    "konten edukasi, behind the scenes, Q&A live",
]


def labels(core: Core, step_id: str) -> dict[str, list[str]]:
    step = S.step_by_id(step_id)
    assert step is not None
    return {v: [core.catalog.t(lang, f"opt.{step_id}.{v}") for lang in ("id", "en")] for v in step.options}


def read(core: Core, step_id: str, text: str) -> list[str] | None:
    step = S.step_by_id(step_id)
    assert step is not None
    return S.match_options(step, {}, text, labels(core, step_id))


# -- options -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("step_id, text, picked", [
    ("role", "penjual", ["seller"]), ("role", "content creator", ["creator"]), ("role", "Kreator", ["creator"]),
    ("role", "entrepreneur", ["seller"]), ("role", "politisi", ["politician"]), ("role", "2", ["artist"]),
    ("platforms_now", "ig sama tiktok", ["instagram", "tiktok"]), ("platforms_now", "1, 3", ["instagram", "youtube"]),
    ("platforms_now", "IG, YT and fb", ["instagram", "youtube", "facebook"]), ("platforms_now", "instagarm", ["instagram"]),
    ("team", "sendiri aja", ["alone"]), ("team", "just me", ["alone"]), ("team", "with a team", ["team"]),
    ("formats", "video pendek, foto", ["short_video", "photo"]),
    ("formats", "video pendek dan foto", ["short_video", "photo"]),
    ("formats", "short video and photos", ["short_video", "photo"]), ("daily_minutes", "1 jam", ["60"]),
    ("daily_minutes", "1 hour", ["60"]), ("criticism", "balas dengan tenang", ["calm"]),
    ("criticism", "reply calmly", ["calm"]), ("criticism", "balas baik2", ["calm"]),
    ("purposes", "pengen terkenal", ["exist"]), ("purposes", "dikenal sama ngingetin pelanggan", ["exist", "reminder"]),
    ("cadence", "tiap hari", ["7"]), ("cadence", "once a week", ["1"]),
])
def test_options_read_as_people_type(core: Core, step_id: str, text: str, picked: list[str]) -> None:
    assert read(core, step_id, text) == picked


@pytest.mark.parametrize("step_id, text, value", [
    ("response_time", "3", "12"), ("response_time", "24", "24"), ("response_time", "12", "12"),
    ("cadence", "5", "5"), ("cadence", "7", "7"), ("cadence", "1", "7"), ("daily_minutes", "60", "60"),
])
def test_a_number_in_the_list_is_its_position_and_a_value_outside_it_the_value(core: Core, step_id: str, text: str,
                                                                              value: str) -> None:
    """Issue 22: the list says 'type the number', so '1' on the cadence list is its first option (every day)."""
    step = S.step_by_id(step_id)
    assert step is not None
    reading = S.read_options(step, {}, text, labels(core, step_id))
    assert reading is not None and reading.picked == [value] and not reading.sure  # the bot says what it took


@pytest.mark.parametrize("step_id, text, picked", [
    ("role", "I am a public official, deputy head of a district office", ["official"]),
    ("role", "saya pedagang bakso di Surabaya", ["seller"]),
    ("team", "I have a small team of two staff who handle our accounts", ["team"]),
    ("purposes", "biar dikenal orang, terus juga buat interaksi sama pelanggan", ["exist", "engage"]),
])
def test_an_option_named_inside_a_sentence_is_read(core: Core, step_id: str, text: str, picked: list[str]) -> None:
    assert read(core, step_id, text) == picked


@pytest.mark.parametrize("step_id, text", [
    ("role", "bukan politisi, bukan pejabat juga"),            # negated
    ("role", "I'm not a politician, more a public official"),  # one negated, one not: still read
    ("role", "saya penyanyi sekaligus pejabat daerah"),        # two options on a single-choice step
])
def test_a_sentence_naming_options_reads_only_the_unnegated_one(core: Core, step_id: str, text: str) -> None:
    got = read(core, step_id, text)
    assert got == (["official"] if "public official" in text else None)


def test_unclear_answers_are_not_guessed(core: Core) -> None:
    assert read(core, "role", "xyz") is None
    assert read(core, "formats", "video") is None  # short or long: both fit
    assert read(core, "team", "3") is None
    step = S.step_by_id("formats")
    assert step is not None
    assert S.closest_options(step, {}, "video", labels(core, "formats"))[:2] == ["short_video", "long_video"]


async def at_step(core: Core, step_id: str, uid: str, lang: str = "id") -> Any:
    """A user whose questionnaire waits at `step_id`, the earlier steps answered."""
    user = await core.storage.get_or_create_user("fake", uid, "Sari")
    await core.storage.update_user(user.id, language=lang, language_pinned=1)
    for step, value in A.script(PERSONA_ID, lang):
        if step.id == step_id:
            break
        await core.storage.save_answer(user.id, step.id, A.stored(value))
    await core.storage.save_flow(Flow(user.id, "active", step_id, None, [], None))
    return user


@pytest.mark.parametrize("lang, understood", [("id", "Dalam 24 jam"), ("en", "Within 24 hours")])
async def test_typed_number_value_is_stored_and_said(core: Core, lang: str, understood: str) -> None:
    user = await at_step(core, "response_time", f"num-{lang}", lang)
    out = await say(core, user, "24")
    assert out[0].key == "q.understood" and understood in out[0].text
    assert (await core.storage.answers(user.id))["response_time"] == "24"


@pytest.mark.parametrize("lang, text", [("id", "video"), ("en", "video")])
async def test_unclear_option_names_the_closest_not_the_whole_question(core: Core, lang: str, text: str) -> None:
    user = await at_step(core, "formats", f"close-{lang}", lang)
    out = await say(core, user, text)
    assert keys(out) == ["err.pick_closest"]
    assert core.catalog.t(lang, "opt.formats.short_video") in out[0].text
    assert core.catalog.t(lang, "opt.formats.long_video") in out[0].text


# -- yes / no ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["ya", "iya", "Iya dong", "yup", "oke", "ok", "siap", "betul", "yes", "sure!"])
def test_yes_words(text: str) -> None:
    assert L.yes_no(text) is True


@pytest.mark.parametrize("text", ["tidak", "nggak", "gak", "no", "belum", "nope", "no thanks", "ga jadi"])
def test_no_words(text: str) -> None:
    assert L.yes_no(text) is False


@pytest.mark.parametrize("text", ["mungkin", "Sari Musik", "ya tidak", ""])
def test_neither_yes_nor_no(text: str) -> None:
    assert L.yes_no(text) is None


@pytest.mark.parametrize("lang, text", [("id", "ya"), ("en", "yes")])
async def test_typed_yes_confirms_the_summary(core: Core, lang: str, text: str) -> None:
    user = await done_user(core, f"sum-{lang}", lang)
    await core.storage.save_flow(Flow(user.id, "confirm", None, None, [], None))
    assert "plan.done" in keys(await say(core, user, text))


@pytest.mark.parametrize("lang, text", [("id", "belum"), ("en", "no")])
async def test_typed_no_at_the_summary_lists_answers_to_edit(core: Core, lang: str, text: str) -> None:
    user = await done_user(core, f"sumno-{lang}", lang)
    await core.storage.save_flow(Flow(user.id, "confirm", None, None, [], None))
    assert keys(await say(core, user, text)) == ["edit.pick"]


@pytest.mark.parametrize("lang, yes, no", [("id", "iya", "nggak"), ("en", "sure", "nope")])
async def test_typed_yes_no_for_reset_and_delete(core: Core, lang: str, yes: str, no: str) -> None:
    user = await done_user(core, f"priv-{lang}", lang)
    await cmd(core, user, "delete")
    assert "confirm.cancelled" in keys(await say(core, user, no))
    assert await core.storage.answers(user.id)
    await cmd(core, user, "reset")
    assert "privacy.reset_done" in keys(await say(core, user, yes))
    assert not await core.storage.answers(user.id)


@pytest.mark.parametrize("lang, yes", [("id", "ya"), ("en", "yes")])
async def test_typed_yes_stops_reminders(core: Core, lang: str, yes: str) -> None:
    user = await done_user(core, f"stop-{lang}", lang)
    assert keys(await tap(core, user, "r:s")) == ["rem.confirm_stop"]
    assert keys(await say(core, user, yes)) == ["rem.stopped"]
    assert not any(n.enabled for n in await NudgeStore(core.storage).series(user.id))


# -- greetings and names ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale, text", [("id", "halo kak"), ("id", "Selamat pagi!"),
                                          ("en", "Hello, I want to build my personal brand"), ("en", "hi there")])
async def test_a_greeting_before_the_first_answer_is_welcomed_not_stored(core: Core, locale: str, text: str) -> None:
    who = UserRef("fake", f"greet-{text}")
    await core.handle(Inbound(who, "command", command="start", locale=locale))
    out = await core.handle(Inbound(who, "text", text=text, locale=locale))
    assert "intro.greeting" in [m.key for m in out] and out[-1].step == "name"
    user = await core.storage.find_user("fake", who.user_id)
    assert user is not None and "name" not in await core.storage.answers(user.id)


@pytest.mark.parametrize("locale, text", [("en", "what is this for?"), ("id", "ini buat apa sih?"),
                                          ("en", "Can you help me with my campaign?")])
async def test_a_question_before_the_first_answer_is_answered_not_taken_as_a_name(core: Core, locale: str,
                                                                                  text: str) -> None:
    who = UserRef("fake", f"ask-{text}")
    await core.handle(Inbound(who, "command", command="start", locale=locale))
    out = await core.handle(Inbound(who, "text", text=text, locale=locale))
    assert [m.key for m in out][0] == "intro.welcome" and out[-1].step == "name"
    assert "name.confirm" not in [m.key for m in out]
    user = await core.storage.find_user("fake", who.user_id)
    assert user is not None and "name" not in await core.storage.answers(user.id)


@pytest.mark.parametrize("sentence, keep", [("nama saya Rina dari toko batik", "ya"), ("I'm Rina and I sell batik", "yes")])
async def test_a_name_that_reads_like_a_sentence_is_confirmed(core: Core, sentence: str, keep: str) -> None:
    who = UserRef("fake", f"name-{keep}")
    await core.handle(Inbound(who, "command", command="start"))
    out = await core.handle(Inbound(who, "text", text=sentence))
    assert out[-1].key == "name.confirm" and len(out[-1].choices) == 2
    user = await core.storage.find_user("fake", who.user_id)
    assert user is not None and "name" not in await core.storage.answers(user.id)
    out = await core.handle(Inbound(who, "text", text=keep))
    assert (await core.storage.answers(user.id))["name"] == "Rina" and out[-1].step == "role"  # the name in it


async def test_name_confirmation_buttons(core: Core) -> None:
    who = UserRef("fake", "name-buttons")
    await core.handle(Inbound(who, "command", command="start"))
    out = await core.handle(Inbound(who, "text", text="panggil aku Rina ya kak"))
    no, yes = out[-1].choices[1].value, out[-1].choices[0].value
    out = await core.handle(Inbound(who, "choice", choice=no))
    assert "name.retype" in [m.key for m in out] and out[-1].step == "name"
    out = await core.handle(Inbound(who, "text", text="Rina Batik"))
    assert out[-1].step == "role"  # a plain name is kept at once
    assert (await core.handle(Inbound(who, "choice", choice=yes)))[0].key == "err.stale_button"


# -- times and places ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, times", [
    ("jam 7 malam", ["19:00"]), ("19.30", ["19:30"]), ("7 pagi", ["07:00"]), ("setengah 8 malam", ["19:30"]),
    ("7pm", ["19:00"]), ("jam 9 pagi sama jam 7 malem", ["09:00", "19:00"]), ("9am and 7.30pm", ["09:00", "19:30"]),
    ("jam 2 siang", ["14:00"]), ("jam 4 sore", ["16:00"]), ("8, 19.30 08:00", ["08:00", "19:30"]),
])
def test_times_as_people_say_them(text: str, times: list[str]) -> None:
    assert R.parse_times(text) == times


@pytest.mark.parametrize("text", ["jam tujuh", "25:00", "13 pagi", "sometime 8", ""])
def test_unreadable_times_are_refused_whole(text: str) -> None:
    assert R.parse_times(text) is None


def test_quiet_hours_in_words() -> None:
    assert R.parse_quiet("jam 10 malam sampai jam 6 pagi") == ("22:00", "06:00")
    assert R.parse_quiet("10pm to 6am") == ("22:00", "06:00")


@pytest.mark.parametrize("text, zone", [
    ("jakarta", "Asia/Jakarta"), ("Bandung", "Asia/Jakarta"), ("Surabaya", "Asia/Jakarta"), ("Medan", "Asia/Jakarta"),
    ("Bali", "Asia/Makassar"), ("denpasar", "Asia/Makassar"), ("Makassar", "Asia/Makassar"),
    ("Balikpapan", "Asia/Makassar"), ("Manado", "Asia/Makassar"), ("Ambon", "Asia/Jayapura"),
    ("Jayapura", "Asia/Jayapura"), ("aku di jogja", "Asia/Jakarta"), ("Tokyo", "Asia/Tokyo"),
    ("new york", "America/New_York"), ("London", "Europe/London"), ("São Paulo", "America/Sao_Paulo"),
])
def test_zones_by_place(text: str, zone: str) -> None:
    assert R.parse_zone(text) == zone


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_a_bad_time_keeps_the_prompt_open(core: Core, lang: str) -> None:
    user = await done_user(core, f"times-{lang}", lang)
    await tap(core, user, "r:t:respond")
    assert keys(await say(core, user, "jam tujuh")) == ["rem.bad_times"]
    assert keys(await say(core, user, "jam 9 pagi sama jam 7 malem")) == ["rem.times_set"]
    respond = {n.kind: n for n in await NudgeStore(core.storage).series(user.id)}["respond"]
    assert respond.times == ["09:00", "19:00"]


async def test_the_first_zone_question_takes_a_typed_city(core: Core) -> None:
    user = await core.storage.get_or_create_user("fake", "first-zone", "Sari")
    await core.storage.update_user(user.id, language="id", language_pinned=1)
    for step_id, value in A.plan_answers(PERSONA_ID).items():
        await core.storage.save_answer(user.id, step_id, value)
    await core.storage.save_flow(Flow(user.id, "confirm", None, None, [], None))
    out = await say(core, user, "ya")
    assert "rem.first_zone" in keys(out)
    assert keys(await say(core, user, "makassar")) == ["rem.zone_set"]
    settings = await NudgeStore(core.storage).get_settings(user.id)
    assert settings is not None and settings.tz == "Asia/Makassar"


# -- language in code-mixed chat --------------------------------------------------------------------------------------

def _rows() -> list[tuple[str, str, str]]:
    with (DATA / "codemixed.tsv").open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return [(r["slice"], r["label"], r["text"]) for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)]


@pytest.mark.parametrize("text", ISSUE_LISTS)
def test_loanword_lists_never_switch_to_english(text: str) -> None:
    assert detect_language(text) != "en"
    state = LangState("id")
    for _ in range(3):
        decision = decide_language(state, text)
        assert not decision.changed and decision.state.language == "id"
        state = decision.state


def test_codemixed_dev_set_targets() -> None:
    rows = _rows()
    ids = [t for _, label, t in rows if label == "id"]
    ens = [t for _, label, t in rows if label == "en"]
    assert len(ids) >= 50 and len(ens) >= 30
    assert sum(detect_language(t) == "en" for t in ids) <= 0.005 * len(ids)
    assert sum(detect_language(t) == "en" for t in ens) >= 0.9 * len(ens)
    assert not any(decide_language(LangState("id"), t).changed for t in ids)


@pytest.mark.parametrize("text", ["Hello, I want to build my personal brand",
                                  "Can you help me plan my content for next week?"])
def test_a_clear_english_sentence_still_switches(text: str) -> None:
    """Counts towards a switch (a chat changes language on sustained evidence: the second one in a row switches)."""
    assert analyse(text).clear
    first = decide_language(LangState("id"), text)
    assert first.state.pending == "en" and first.state.pending_count == 1
    assert decide_language(first.state, "Thanks, and what should I post first?").state.language == "en"


def test_a_lone_english_noun_phrase_does_not_switch_at_once() -> None:
    decision = decide_language(LangState("id"), "daily outfit inspiration")
    assert not decision.changed


async def test_indonesian_user_with_loanword_lists_finishes_in_indonesian(core: Core) -> None:
    persona = dict(PERSONA_ID, name="Rina Batik", segments=["pecinta batik", "karyawan kantor", "ibu muda"],
                   priority_segment="karyawan kantor", pillars=ISSUE_LISTS[0].split(", "),
                   competitors="brand batik lain yang cuma jualan, aku lebih ke storytelling")
    who = UserRef("fake", "mixed", "Rina")
    w = await A.walk(core, who, persona, lang="id", mode="typed", locale="id")
    assert any(m.key == "summary.title" and m.lang == "id" for m in w.last)
    user = await core.storage.find_user("fake", "mixed")
    assert user is not None and user.language == "id"
    for text in ISSUE_LISTS[1:]:
        out = await core.handle(Inbound(who, "text", text=text))
        assert "lang.switched" not in [m.key for m in out] and all(m.lang == "id" for m in out)
    assert (await core.handle(Inbound(who, "text", text="ya")))[0].key == "plan.done"


# -- console -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale, hint", [("id", "/language en"), ("en", "/language id")])
async def test_console_first_screen_says_language_once_and_never_tap(core: Core, tmp_path: Path, locale: str,
                                                                     hint: str) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(core, user_id=f"c-{locale}", stdin=io.StringIO("Sari\nxyz\n1\n"), stdout=out,
                             files_dir=str(tmp_path), locale=locale)
    await console.listen()
    text = out.getvalue()
    assert text.count(hint) == 1
    assert "ketuk" not in text.lower() and " tap " not in text.lower()


def test_lexicon_content_is_checked() -> None:
    assert L.check() == []
    words = {name: ["x"] for name in L.WORD_LISTS} | {"yes": ["ya"], "no": ["Ya"]}
    rest = {k: v for k, v in load_content("lexicon").items() if k not in ("aliases", "measures", "yes_no", "others")}
    found = L.lexicon_findings({**rest, "words": words, "aliases": {"role": {"pilot": ["pilot"]}, "nope": {}},
                                "zones": {"atlantis": "Ocean/Atlantis"}}, {"role": ["seller"]})
    messages = " | ".join(m for _, m in found)
    assert "'ya' is both a yes and a no word" in messages and "'pilot' is not an option" in messages
    assert "'nope' is not a step" in messages and "'Ocean/Atlantis' is not an IANA time zone" in messages
