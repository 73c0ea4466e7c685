"""Typed input as QA testers typed it: navigation words, 'did you mean' + yes, multi-select ranges and 'all',
yes/no phrases, names in sentences, pausing at the summary, typed /reminders menus. Both languages."""
from __future__ import annotations

from typing import Any

import pytest

import answers as A
from bot.core import Core
from bot.storage import Flow, User
from conftest import PERSONA_ID
from handlers import lexicon as L
from handlers import steps as S
from handlers.reminders.store import NudgeStore
from nudge_helpers import cmd, done_user, keys, say

GOAL = A.first_step(lambda s: s.kind == "text" and s.required and not s.asks_name and s.id != "vision")
OPTIONAL = A.first_step(lambda s: s.kind == "text" and not s.required and s.when is None)


async def at(core: Core, step_id: str, uid: str, lang: str = "id", *, with_answer: bool = False,
             extra: dict[str, Any] | None = None, draft: list[str] | None = None) -> User:
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
    await core.storage.save_flow(Flow(user.id, "active", step_id, None, draft or [], None))
    return user


async def flow_of(core: Core, user: User) -> Flow:
    flow = await core.storage.get_flow(user.id)
    assert flow is not None
    return flow


# -- 1. navigation words on text questions -----------------------------------------------------------------------

@pytest.mark.parametrize("lang, word", [("id", "tetap"), ("id", "Tetap pakai ini"), ("en", "keep"),
                                        ("en", "Keep this"), ("id", "biarin"), ("id", "lanjut aja"), ("id", "gapapa"),
                                        ("en", "it's fine")])
async def test_keep_word_keeps_the_answer(core: Core, lang: str, word: str) -> None:
    user = await at(core, GOAL.id, f"keep-{lang}-{word}", lang, with_answer=True)
    before = (await core.storage.answers(user.id))[GOAL.id]
    out = await say(core, user, word)
    assert (await core.storage.answers(user.id))[GOAL.id] == before
    assert (await flow_of(core, user)).step != GOAL.id and "err.too_short" not in keys(out)


@pytest.mark.parametrize("word", ["biarin", "lanjut", "gpp"])
async def test_keep_word_keeps_a_choice_after_a_suggestion(core: Core, word: str) -> None:
    """'biarin' after 'Dalam 1 jam' drew a budget suggestion: keep it, not 'Did you mean Dalam 24 jam?'."""
    user = await at(core, "response_time", f"keep-choice-{word}", "id", with_answer=True)
    before = (await core.storage.answers(user.id))["response_time"]
    out = await say(core, user, word)
    assert "err.pick_closest" not in keys(out) and "err.pick_option" not in keys(out)
    assert (await core.storage.answers(user.id))["response_time"] == before
    assert (await flow_of(core, user)).step != "response_time"


@pytest.mark.parametrize("lang, word", [("id", "perbaiki"), ("en", "improve")])
async def test_improve_word_asks_again(core: Core, lang: str, word: str) -> None:
    user = await at(core, GOAL.id, f"improve-{lang}", lang, with_answer=True)
    before = (await core.storage.answers(user.id))[GOAL.id]
    out = await say(core, user, word)
    assert out[-1].step == GOAL.id and out[-1].kind == "question" and not any(m.kind == "refusal" for m in out)
    assert (await core.storage.answers(user.id))[GOAL.id] == before


@pytest.mark.parametrize("lang, word", [("id", "lewati"), ("id", "lewat aja"), ("id", "gak ada"), ("id", "tidak ada"),
                                        ("id", "-"), ("en", "skip"), ("en", "none"), ("en", "Skip")])
async def test_skip_word_skips_an_optional_question(core: Core, lang: str, word: str) -> None:
    user = await at(core, OPTIONAL.id, f"skip-{lang}-{word}", lang)
    await say(core, user, word)
    assert (await core.storage.answers(user.id))[OPTIONAL.id] is None
    assert (await flow_of(core, user)).step != OPTIONAL.id


async def test_a_real_answer_that_starts_like_a_button_is_kept(core: Core) -> None:
    user = await at(core, GOAL.id, "keep-real", "id", with_answer=True)
    await say(core, user, "tetap semangat jualan batik tiap hari sampai 1000 pembeli")
    assert (await core.storage.answers(user.id))[GOAL.id].startswith("tetap semangat")


async def test_skip_word_on_a_required_question_is_an_answer_attempt(core: Core) -> None:
    user = await at(core, GOAL.id, "skip-req", "id")
    await say(core, user, "skip")
    assert (await flow_of(core, user)).step == GOAL.id and GOAL.id not in await core.storage.answers(user.id)


# -- 2. /cancel at the summary, then /start ----------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["id", "en"])
async def test_cancel_at_summary_then_start_returns_to_summary(core: Core, lang: str) -> None:
    user = await done_user(core, f"pause-sum-{lang}", lang, answers=A.plan_answers(PERSONA_ID, lang))
    await core.storage.save_flow(Flow(user.id, "confirm", None, None, [], None))
    assert "flow.paused" in keys(await cmd(core, user, "cancel"))
    out = await cmd(core, user, "start")
    assert "summary.title" in keys(out) and "flow.welcome_back" not in keys(out)
    assert (await flow_of(core, user)).status == "confirm"


async def test_edit_while_paused_at_summary_returns_to_summary(core: Core) -> None:
    user = await done_user(core, "pause-edit", "id", answers=A.plan_answers(PERSONA_ID))
    await core.storage.save_flow(Flow(user.id, "confirm", None, None, [], None))
    await cmd(core, user, "cancel")
    await cmd(core, user, "edit", "role")
    out = await say(core, user, "2")
    assert "summary.title" in keys(out)


# -- 3. "Did you mean X?" then yes -------------------------------------------------------------------------------

@pytest.mark.parametrize("reply", ["iya", "iya 2", "ya betul"])
async def test_yes_accepts_the_suggested_option(core: Core, reply: str) -> None:
    user = await at(core, "team", f"mean-{reply}", "id")
    out = await say(core, user, "tiem")
    assert keys(out) == ["err.pick_closest"]
    await say(core, user, reply)
    assert (await core.storage.answers(user.id))["team"] == "team"


async def test_yes_accepts_the_suggested_segment_in_english(core: Core) -> None:
    segments = ["backpacker muda", "pekerja kantoran", "ibu rumah tangga"]
    user = await at(core, "priority_segment", "mean-en", "en", extra={"segments": segments})
    out = await say(core, user, "young backpackers")
    assert keys(out) == ["err.pick_closest"] and "backpacker muda" in out[0].text
    await say(core, user, "yes")
    assert (await core.storage.answers(user.id))["priority_segment"] == "backpacker muda"


async def test_no_to_the_suggestion_asks_again(core: Core) -> None:
    user = await at(core, "team", "mean-no", "id")
    await say(core, user, "tiem")
    out = await say(core, user, "bukan")
    assert out[-1].step == "team" and "team" not in await core.storage.answers(user.id)
    assert not (await flow_of(core, user)).draft


# -- 5. multi-select ------------------------------------------------------------------------------------------------

def _labels(core: Core, step_id: str) -> dict[str, list[str]]:
    step = S.step_by_id(step_id)
    assert step is not None
    return {v: [core.catalog.t(lang, f"opt.{step_id}.{v}") for lang in ("id", "en")] for v in step.options}


def _every(step_id: str) -> list[str]:
    """Every option of a multi step but its exclusive ones, as the content has them today."""
    step = S.step_by_id(step_id)
    assert step is not None
    return [v for v in step.options if v not in step.exclusive]


@pytest.mark.parametrize("text, picked", [
    ("1-4", ["instagram", "tiktok", "youtube", "x"]), ("2 - 3", ["tiktok", "youtube"]),
    ("ig tiktok youtube", ["instagram", "tiktok", "youtube"]),
    ("ig sama tiktok, fb jg deh", ["instagram", "tiktok", "facebook"]),
    ("semua", _every("platforms_now")), ("semuanya", _every("platforms_now")), ("all", _every("platforms_now")),
])
def test_multi_readings(core: Core, text: str, picked: list[str]) -> None:
    step = S.step_by_id("platforms_now")
    assert step is not None
    assert S.match_options(step, {}, text, _labels(core, "platforms_now")) == picked


@pytest.mark.parametrize("text", ["-1", f"1-{len(_every('platforms_now')) + 2}"])  # a range past the last option
def test_multi_unreadable(core: Core, text: str) -> None:
    step = S.step_by_id("platforms_now")
    assert step is not None
    assert S.match_options(step, {}, text, _labels(core, "platforms_now")) is None


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_none_with_a_platform_is_refused_clearly(core: Core, lang: str) -> None:
    user = await at(core, "platforms_now", f"none-{lang}", lang)
    text = "Belum ada, Instagram" if lang == "id" else "None, Instagram"
    out = await say(core, user, text)
    assert out[0].key == "err.pick_alone" and core.catalog.t(lang, "opt.platforms_now.none") in out[0].text
    assert "platforms_now" not in await core.storage.answers(user.id)


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_typed_number_on_a_ticked_multi_says_what_was_stored(core: Core, lang: str) -> None:
    user = await at(core, "platforms_now", f"ticked-{lang}", lang, draft=["instagram", "youtube"])
    out = await say(core, user, "2")
    assert out[0].key == "q.understood" and core.catalog.t(lang, "opt.platforms_now.tiktok") in out[0].text
    assert (await core.storage.answers(user.id))["platforms_now"] == ["tiktok"]


# -- 7. yes/no phrases, cadence, names -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, said", [("gak jadi deh", False), ("iya hapus aja", True), ("ya udah hapus", True),
                                        ("no, keep it", False), ("yes delete it", True), ("ya tidak", None),
                                        ("gak jadi deh ya", False)])
def test_yes_no_with_extra_words(text: str, said: bool | None) -> None:
    assert L.yes_no(text) is said


async def test_reset_and_delete_with_phrases(core: Core) -> None:
    user = await done_user(core, "phr", "id")
    await cmd(core, user, "reset")
    assert "confirm.cancelled" in keys(await say(core, user, "gak jadi deh"))
    await cmd(core, user, "delete")
    assert "privacy.deleted" in keys(await say(core, user, "iya hapus aja"))


@pytest.mark.parametrize("text", ["3x a week", "3x seminggu", "3 kali seminggu", "three times a week"])
def test_cadence_per_week(core: Core, text: str) -> None:
    step = S.step_by_id("cadence")
    assert step is not None
    assert S.match_options(step, {}, text, _labels(core, "cadence")) == ["3"]


@pytest.mark.parametrize("text, name, yes", [("I'm Alex, a travel vlogger", "Alex", "yes"),
                                             ("nama saya Rina dari toko batik", "Rina", "iya")])
async def test_name_is_taken_out_of_a_sentence(core: Core, text: str, name: str, yes: str) -> None:
    user = await at(core, "name", f"nm-{name}", "en" if yes == "yes" else "id")
    out = await say(core, user, text)
    assert out[-1].key == "name.confirm" and name in out[-1].text and text not in out[-1].text
    await say(core, user, yes)
    assert (await core.storage.answers(user.id))["name"] == name


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_emoji_only_name_is_refused(core: Core, lang: str) -> None:
    user = await at(core, "name", f"emoji-{lang}", lang)
    out = await say(core, user, "😀🔥💯")
    assert out[0].key == "err.name_letters" and "name" not in await core.storage.answers(user.id)


# -- 4. typed words in /reminders menus ----------------------------------------------------------------------------

@pytest.mark.parametrize("lang, menu, times", [("id", "ubah jam", "jam 9 pagi"), ("en", "change times", "9am")])
async def test_typed_label_in_a_kind_menu(core: Core, lang: str, menu: str, times: str) -> None:
    user = await done_user(core, f"remk-{lang}", lang, tz="Asia/Jakarta")
    await cmd(core, user, "reminders")
    out = await say(core, user, "1")
    assert out[-1].key == "rem.kind_title"
    assert keys(await say(core, user, menu)) == ["rem.ask_times"]
    assert keys(await say(core, user, times)) == ["rem.times_set"]


@pytest.mark.parametrize("lang, label", [("id", "jam tenang"), ("en", "quiet hours")])
async def test_typed_label_in_the_main_menu(core: Core, lang: str, label: str) -> None:
    user = await done_user(core, f"remq-{lang}", lang, tz="Asia/Jakarta")
    await cmd(core, user, "reminders")
    assert keys(await say(core, user, label)) == ["rem.ask_quiet"]


@pytest.mark.parametrize("lang, text", [("id", "jam 10 malem sampe jam 8 pagi"), ("en", "10pm to 8am")])
async def test_quiet_hours_typed_at_the_quiet_menu(core: Core, lang: str, text: str) -> None:
    user = await done_user(core, f"remqt-{lang}", lang, tz="Asia/Jakarta")
    await cmd(core, user, "reminders")
    await say(core, user, "jam tenang" if lang == "id" else "quiet hours")
    assert keys(await say(core, user, text)) == ["rem.quiet_set"]
    settings = await NudgeStore(core.storage).get_settings(user.id)
    assert settings is not None and (settings.quiet_start, settings.quiet_end) == ("22:00", "08:00")


@pytest.mark.parametrize("status, text, step", [
    ("confirm", "visi", "vision"), ("confirm", "ubah target 5 tahun", "goal_5y"), ("confirm", "Vision", "vision"),
    ("done", "ganti pilar konten", "pillars"), ("done", "edit vision", "vision"),
])
async def test_a_typed_answer_name_after_edit_opens_that_answer(core: Core, status: str, text: str, step: str) -> None:
    """/edit lists 'Visi: ...'; typing 'visi' used to re-show the summary (or the plan menu) instead."""
    user = await done_user(core, f"name-{status}-{text}", "id", answers=A.plan_answers(PERSONA_ID))
    await core.storage.save_flow(Flow(user.id, status, None, None, [], None))
    out = await say(core, user, text)
    flow = await flow_of(core, user)
    assert flow.status == "active" and flow.step == step and out[-1].step == step


@pytest.mark.parametrize("text", ["target", "2", "ya"])
async def test_an_unclear_or_numeric_text_at_the_summary_is_not_an_edit(core: Core, text: str) -> None:
    user = await done_user(core, f"name-none-{text}", "id", answers=A.plan_answers(PERSONA_ID))
    await core.storage.save_flow(Flow(user.id, "confirm", None, None, [], None))
    await say(core, user, text)
    assert (await flow_of(core, user)).step is None
