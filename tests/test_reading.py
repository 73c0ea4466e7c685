"""Issue 22: the questionnaire reads typed answers to choice and multi steps the way people write them: a number is
the position in the numbered list, counts and durations in words, negation inside a sentence, several options in
one sentence with everyday names, a reply that says what was taken and what was not, and polite or casual
meta-replies (keep, skip, confirm, go back) that are never stored. Both languages."""
from __future__ import annotations

from typing import Any

import pytest

import answers as A
from bot.core import Core
from bot.storage import Flow, User
from conftest import PERSONA_ID
from handlers import lexicon as L
from handlers import steps as S
from nudge_helpers import done_user, keys, say

GOAL = A.first_step(lambda s: s.kind == "text" and s.required and not s.asks_name and s.id != "vision")
OPTIONAL = A.first_step(lambda s: s.kind == "text" and not s.required and s.when is None)


def labels(core: Core, step_id: str) -> dict[str, list[str]]:
    step = S.step_by_id(step_id)
    assert step is not None
    return {v: [core.catalog.t(lang, f"opt.{step_id}.{v}") for lang in ("id", "en")] for v in step.options}


def reading(core: Core, step_id: str, text: str) -> S.Reading | None:
    step = S.step_by_id(step_id)
    assert step is not None
    return S.read_options(step, {}, text, labels(core, step_id))


def all_but(step_id: str, *left: str) -> list[str]:
    """Every option of a multi step (its exclusive ones aside) except `left`, in content order."""
    step = S.step_by_id(step_id)
    assert step is not None
    return [v for v in step.options if v not in step.exclusive and v not in left]


def picked(core: Core, step_id: str, text: str) -> list[str] | None:
    found = reading(core, step_id, text)
    return found.picked if found and found.picked else None


async def at(core: Core, step_id: str, uid: str, lang: str = "id", *, with_answer: bool = False,
             extra: dict[str, Any] | None = None) -> User:
    """A user waiting at `step_id` (earlier steps answered; this one too when `with_answer`)."""
    user = await core.storage.get_or_create_user("fake", uid, "Sari")
    await core.storage.update_user(user.id, language=lang, language_pinned=1)
    for step, value in A.script(PERSONA_ID, lang):
        if step.id == step_id and not with_answer:
            break
        await core.storage.save_answer(user.id, step.id, A.stored(value))
        if step.id == step_id:
            break
    for sid, value in (extra or {}).items():
        await core.storage.save_answer(user.id, sid, value)
    await core.storage.save_flow(Flow(user.id, "active", step_id, None, [], None))
    return user


async def flow_of(core: Core, user: User) -> Flow:
    flow = await core.storage.get_flow(user.id)
    assert flow is not None
    return flow


# -- 1. a number on a numbered list is its position; counts and durations in words ---------------------------------

@pytest.mark.parametrize("step_id", ["cadence", "daily_minutes", "response_time"])
def test_every_in_range_number_is_the_position_on_a_list_of_amounts(core: Core, step_id: str) -> None:
    step = S.step_by_id(step_id)
    assert step is not None and S.numeric_values(step)
    for n, value in enumerate(step.options, 1):
        found = reading(core, step_id, str(n))
        assert found is not None and found.picked == [value]
        assert not found.sure  # on amounts the bot says what it took


async def test_typing_1_on_the_cadence_list_stores_every_day(core: Core) -> None:
    user = await at(core, "cadence", "cad-1", "id")
    out = await say(core, user, "1")
    assert (await core.storage.answers(user.id))["cadence"] == "7"
    assert out[0].key == "q.understood" and core.catalog.t("id", "opt.cadence.7") in out[0].text


@pytest.mark.parametrize("step_id, text, value", [
    ("cadence", "3x", "3"), ("cadence", "3 kali", "3"), ("cadence", "tiga kali", "3"), ("cadence", "sa bisa 3x", "3"),
    ("cadence", "5x seminggu", "5"), ("cadence", "kayaknya sanggup 2x sehari", "7"), ("cadence", "four times a week", "3"),
    ("daily_minutes", "30 menitan, aku masih kuliah", "30"), ("daily_minutes", "sejam", "60"),
    ("daily_minutes", "setengah jam", "30"), ("daily_minutes", "half an hour", "30"), ("daily_minutes", "2 jam-an", "120"),
    ("daily_minutes", "about 45 minutes", "30"), ("daily_minutes", "satu setengah jam", "60"),
    ("response_time", "paling lama 2 jam", "3"), ("response_time", "setengah hari", "12"),
])
def test_counts_and_durations_with_a_unit_mean_the_value(core: Core, step_id: str, text: str, value: str) -> None:
    assert picked(core, step_id, text) == [value]


def test_two_different_amounts_are_unclear(core: Core) -> None:
    assert picked(core, "daily_minutes", "15 menit atau 2 jam") is None


# -- 2. negation inside a sentence --------------------------------------------------------------------------------

@pytest.mark.parametrize("step_id, text, taken, left", [
    ("platforms_now", "Saya belum berani mencoba TikTok", [], ["tiktok"]),
    ("platforms_now", "semua kecuali twitter", all_but("platforms_now", "x"), ["x"]),
    ("focus_platforms", "IG aja, jangan tiktok", ["instagram"], ["tiktok"]),
    ("focus_platforms", "not TikTok yet, just Instagram", ["instagram"], ["tiktok"]),
    ("platforms_now", "tidak pakai fb", [], ["facebook"]),
    ("platforms_now", "IG udah lama, TikTok belum", ["instagram"], ["tiktok"]),
    ("focus_platforms", "bukan tiktok tapi youtube", ["youtube"], ["tiktok"]),
    ("formats", "everything except live streams", all_but("formats", "live"), ["live"]),
    ("focus_platforms", "selain IG, aku juga mau serius di TikTok", ["instagram", "tiktok"], []),
    ("platforms_now", "Just insta really. Used to have FB but deleted it", ["instagram"], ["facebook"]),
    ("focus_platforms", "tiktok sm ig aja, yt nanti dulu", ["tiktok", "instagram"], ["youtube"]),
    ("platforms_now", "instagram, tiktok... pretty much everything but Threads", all_but("platforms_now", "threads"),
     ["threads"]),
])
def test_negated_options_are_left_out(core: Core, step_id: str, text: str, taken: list[str], left: list[str]) -> None:
    found = reading(core, step_id, text)
    assert found is not None and found.picked == taken and list(found.left) == left


@pytest.mark.parametrize("lang, text, left_label", [("id", "Saya belum berani mencoba TikTok", "TikTok"),
                                                     ("en", "I don't use facebook", "Facebook")])
async def test_a_sentence_that_only_negates_stores_nothing_and_says_so(core: Core, lang: str, text: str,
                                                                      left_label: str) -> None:
    user = await at(core, "platforms_now", f"neg-{lang}", lang)
    out = await say(core, user, text)
    assert out[0].key == "q.only_left" and left_label in out[0].text
    assert "platforms_now" not in await core.storage.answers(user.id)
    assert out[-1].step == "platforms_now"


# -- 3. several options in one sentence, everyday names -----------------------------------------------------------

@pytest.mark.parametrize("step_id, text, taken", [
    ("platforms_now", "tiktok sama ig, 8k followers di tiktok", ["tiktok", "instagram"]),
    ("focus_platforms", "tiktok main, ig buat portfolio brand, sm youtube shorts", ["tiktok", "instagram", "youtube"]),
    ("formats", "reels, carousels, stories and longer written posts", ["short_video", "carousel", "stories", "text"]),
    ("platforms_now", "fesbuk sm wa grup", ["facebook", "whatsapp"]),
    ("platforms_now", "insta, yt & twitter/x", ["instagram", "youtube", "x"]),
    ("focus_platforms", "Mostly insta for now, plus a bit of linkedin for clients", ["instagram", "linkedin"]),
])
def test_every_option_named_in_a_sentence_is_kept(core: Core, step_id: str, text: str, taken: list[str]) -> None:
    assert picked(core, step_id, text) == taken


@pytest.mark.parametrize("step_id, text, taken", [
    ("team", "dibantuin anak saya", ["team"]), ("role", "Saya pensiunan guru, sekarang hanya orang biasa", ["person"]),
    ("criticism", "hapus komennya, males ribut", ["delete"]), ("formats", "I live in Bali and post reels", ["short_video"]),
])
def test_everyday_sentences_on_single_choices(core: Core, step_id: str, text: str, taken: list[str]) -> None:
    assert picked(core, step_id, text) == taken


@pytest.mark.parametrize("step_id, text", [("focus_platforms", "apa bedanya IG sama threads?"),
                                           ("purposes", "can you explain what option 2 means?")])
def test_a_question_about_the_options_is_not_an_answer(core: Core, step_id: str, text: str) -> None:
    assert picked(core, step_id, text) is None


def test_a_thing_that_is_not_an_option_is_named_as_such(core: Core) -> None:
    found = reading(core, "platforms_now", "fesbuk sm grup telegram")
    assert found is not None and found.picked == ["facebook"] and found.others == ("telegram",)


# -- 4. the reply says what was taken and what was not -----------------------------------------------------------

@pytest.mark.parametrize("lang, text, taken, left", [
    ("id", "IG sama fb aja, jangan tiktok", ["Instagram", "Facebook"], "TikTok"),
    ("en", "Instagram and Facebook, not TikTok", ["Instagram", "Facebook"], "TikTok"),
])
async def test_the_reply_names_taken_and_left_out_options(core: Core, lang: str, text: str, taken: list[str],
                                                         left: str) -> None:
    user = await at(core, "platforms_now", f"said-{lang}", lang)
    out = await say(core, user, text)
    said = out[0]
    assert said.key == "q.understood"
    expected = core.catalog.t(lang, "q.understood_without", answer=", ".join(taken), left=left)
    assert said.text == expected
    assert (await core.storage.answers(user.id))["platforms_now"] == ["instagram", "facebook"]


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_reply_says_an_unknown_platform_is_not_an_option(core: Core, lang: str) -> None:
    user = await at(core, "platforms_now", f"tg-{lang}", lang)
    out = await say(core, user, "fesbuk sm grup telegram")
    assert out[0].key == "q.understood"
    assert core.catalog.t(lang, "q.not_an_option", names=core.catalog.t(lang, "other.telegram")) in out[0].text
    assert (await core.storage.answers(user.id))["platforms_now"] == ["facebook"]


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_a_single_choice_takes_the_first_and_says_the_other_was_left(core: Core, lang: str) -> None:
    user = await at(core, "criticism", f"crit-{lang}", lang)
    out = await say(core, user, "reply calmly, and I delete the obvious trolls")
    assert (await core.storage.answers(user.id))["criticism"] == "calm"
    assert core.catalog.t(lang, "opt.criticism.delete") in out[0].text


# -- 5. meta-replies are never stored -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, intent", [
    ("saya tetap memakai jawaban saya", "keep"),
    ("Mohon maaf, menurut saya kedua tema tersebut berbeda, jadi saya tetap memakai jawaban saya.", "keep"),
    ("pakai yang tadi aja", "keep"), ("keep my answer", "keep"), ("I'd like to keep my previous answer, thanks", "keep"),
    ("skip dulu deh, belum kepikiran", "skip"), ("nanti aja", "skip"), ("lewati dulu ya kak", "skip"),
    ("not sure yet, skip", "skip"),
    ("Terima kasih, sudah benar. Silakan dibuatkan rencananya.", "confirm"), ("All correct, please make my plan", "confirm"),
    ("balik ke pertanyaan sebelumnya", "back"), ("go back", "back"), ("kak, mundur ke pertanyaan sebelumnya dong", "back"),
])
def test_meta_replies_are_recognised_inside_polite_sentences(text: str, intent: str) -> None:
    assert L.meta_reply(text) == intent


@pytest.mark.parametrize("text", [
    "Saya tetap konsisten posting tiap hari", "tetap semangat jualan batik tiap hari sampai 1000 pembeli",
    "I want to go back to school and teach yoga", "Jangan skip sarapan, itu pesan utama kontenku",
    "Punya toko sendiri dan tetap dekat dengan pelanggan", "Saya mau skip sarapan dan fokus konten pagi",
    "Nanti saya buka cabang kedua di Surabaya", "",
])
def test_real_answers_that_hold_a_meta_word_are_answers(text: str) -> None:
    assert L.meta_reply(text) is None


@pytest.mark.parametrize("lang, text", [
    ("id", "Mohon maaf, menurut saya kedua tema tersebut berbeda, jadi saya tetap memakai jawaban saya."),
    ("id", "pakai yang tadi aja"), ("en", "keep my answer please"),
])
async def test_keep_in_a_sentence_keeps_the_text_answer(core: Core, lang: str, text: str) -> None:
    user = await at(core, GOAL.id, f"keep-{lang}-{text[:12]}", lang, with_answer=True)
    before = (await core.storage.answers(user.id))[GOAL.id]
    await say(core, user, text)
    assert (await core.storage.answers(user.id))[GOAL.id] == before
    assert (await flow_of(core, user)).step != GOAL.id


async def test_keep_in_a_sentence_keeps_a_multi_answer(core: Core) -> None:
    user = await at(core, "formats", "keep-multi", "id", with_answer=True)
    before = (await core.storage.answers(user.id))["formats"]
    await say(core, user, "Maaf kak, saya tetap pakai jawaban yang tadi saja")
    assert (await core.storage.answers(user.id))["formats"] == before
    assert (await flow_of(core, user)).step != "formats"


@pytest.mark.parametrize("lang, text", [("id", "skip dulu deh, belum kepikiran"), ("id", "nanti aja"),
                                        ("en", "not sure yet, skip")])
async def test_a_polite_skip_skips_an_optional_question(core: Core, lang: str, text: str) -> None:
    user = await at(core, OPTIONAL.id, f"skip-{lang}-{text[:8]}", lang)
    await say(core, user, text)
    assert (await core.storage.answers(user.id))[OPTIONAL.id] is None
    assert (await flow_of(core, user)).step != OPTIONAL.id


@pytest.mark.parametrize("lang, text", [("id", "skip dulu deh, belum kepikiran"), ("en", "not sure yet, skip"),
                                        ("id", "lewati dulu ya kak")])
async def test_a_skip_on_a_required_question_is_never_stored_and_shows_an_example(core: Core, lang: str,
                                                                                   text: str) -> None:
    user = await at(core, "goal_5y", f"req-{lang}-{text[:8]}", lang)
    out = await say(core, user, text)
    assert "goal_5y" not in await core.storage.answers(user.id)
    assert (await flow_of(core, user)).step == "goal_5y"
    assert out[0].kind == "refusal" and core.catalog.t(lang, "q.goal_5y.example") in out[0].text


async def test_a_skip_on_a_required_choice_is_not_stored(core: Core) -> None:
    user = await at(core, "formats", "req-choice", "id")
    out = await say(core, user, "skip dulu deh, belum kepikiran")
    assert "formats" not in await core.storage.answers(user.id)
    assert out[0].kind == "refusal" and out[-1].step == "formats"


@pytest.mark.parametrize("lang, text", [("id", "Terima kasih, sudah benar. Silakan dibuatkan rencananya."),
                                        ("en", "Thanks, that's all correct. Please go ahead and make my plan.")])
async def test_a_polite_confirmation_at_the_summary_confirms_once(core: Core, lang: str, text: str) -> None:
    user = await done_user(core, f"conf-{lang}", lang, answers=A.plan_answers(PERSONA_ID, lang))
    await core.storage.save_flow(Flow(user.id, "confirm", None, None, [], None))
    out = await say(core, user, text)
    assert keys(out).count("plan.done") == 1 and "summary.title" not in keys(out)
    assert (await flow_of(core, user)).status == "done"


async def test_an_unclear_text_at_the_summary_does_not_reprint_it(core: Core) -> None:
    user = await done_user(core, "conf-unclear", "id", answers=A.plan_answers(PERSONA_ID))
    await core.storage.save_flow(Flow(user.id, "confirm", None, None, [], None))
    out = await say(core, user, "hmm gimana ya")
    assert "summary.title" not in keys(out) and out[0].key == "summary.yes_no"
    assert (await flow_of(core, user)).status == "confirm"


@pytest.mark.parametrize("lang, text", [("id", "balik ke pertanyaan sebelumnya"), ("en", "go back")])
async def test_go_back_typed_opens_the_previous_question(core: Core, lang: str, text: str) -> None:
    user = await at(core, "cadence", f"back-{lang}", lang)
    out = await say(core, user, text)
    before = S.prev_step(await core.storage.answers(user.id), "cadence")
    assert before is not None and (await flow_of(core, user)).step == before.id and out[-1].step == before.id
    assert "cadence" not in await core.storage.answers(user.id)


# -- 6. yes/no and several picks on a single choice --------------------------------------------------------------

@pytest.mark.parametrize("text, said", [("Tentu tidak.", False), ("tentu saja", True), ("of course not", False),
                                        ("ya tidak", None)])
def test_yes_no_phrases(text: str, said: bool | None) -> None:
    assert L.yes_no(text) is said


def test_tentu_tidak_on_the_yes_no_step_is_no(core: Core) -> None:
    said = L.yes_no_options("controversy")
    assert said is not None
    assert picked(core, "controversy", "Tentu tidak.") == [said[1]]
    assert picked(core, "controversy", "ya, kadang-kadang") == ["sometimes"]


def test_calm_and_delete_on_the_criticism_step(core: Core) -> None:
    step = S.step_by_id("criticism")
    assert step is not None
    found = reading(core, "criticism", "reply calmly, and I delete the obvious trolls")
    assert found is not None
    assert found.picked == (["calm", "delete"] if step.kind == "multi" else ["calm"])


def test_lexicon_reading_content_is_validated() -> None:
    from bot.content import load_content
    data = load_content("lexicon")
    bad = {**data, "measures": {"role": {"unit": "minutes", "round": "down"}, "cadence": {"unit": "days", "round": "x"}},
           "yes_no": {"controversy": {"yes": "maybe", "no": "never"}},
           "others": {"instagram": {"steps": ["platforms_now", "nope"], "names": ["ig"]}},
           "meta": {**data["meta"], "back": {"whole": ["skip"], "phrases": []}}}
    steps = {"role": ["seller"], "cadence": ["7", "1"], "controversy": ["never", "yes"],
             "platforms_now": ["instagram", "tiktok"]}
    found = " | ".join(m for _, m in L.lexicon_findings(bad, steps))
    assert "'days' is not one of" in found and "'x' is not one of" in found
    good_schema = {**bad, "measures": {"role": {"unit": "minutes", "round": "down"}}}
    found = " | ".join(m for _, m in L.lexicon_findings({**good_schema, "aliases": {
        "platforms_now": {"instagram": ["ig"]}}}, steps))
    assert "step 'role' has no amounts" in found and "'maybe' is not an option of step 'controversy'" in found
    assert "'instagram' is an option of step 'platforms_now'" in found and "'nope' is not a step" in found
    assert "'ig' is also an alias" in found and "'skip' is also a skip phrase" in found
