"""The core through core.handle: bad input, commands mid-flow, edits, privacy, ordering, errors."""
from __future__ import annotations

import asyncio
import json
import os

import pytest
from typing import Any

import answers as A
from answers import SKIP
from bot.core import Core
from bot.router import Router
from bot.backends import open_storage
from bot.types import Inbound, Outbound, UserRef

from conftest import table_names  # noqa: E402

BACKENDS = ("sqlite", "postgresql")  # every test on a core runs on both storage backends

ANA = UserRef("fake", "1", "Ana")
BEN = UserRef("fake", "2", "Ben")


async def say(core: Core, user: UserRef, text: str, locale: str | None = None) -> list[Outbound]:
    return await core.handle(Inbound(user, "text", text=text, locale=locale))


async def cmd(core: Core, user: UserRef, name: str, *args: str) -> list[Outbound]:
    return await core.handle(Inbound(user, "command", command=name, args=args))


async def tap(core: Core, user: UserRef, value: str) -> list[Outbound]:
    return await core.handle(Inbound(user, "choice", choice=value))


def keys(out: list[Outbound]) -> list[str]:
    return [m.key for m in out]


async def step_of(core: Core, user: UserRef) -> str | None:
    u = await core.storage.find_user(user.platform, user.user_id)
    flow = await core.storage.get_flow(u.id)  # type: ignore[union-attr]
    return flow.step if flow else None


async def answers_of(core: Core, user: UserRef) -> dict:
    u = await core.storage.find_user(user.platform, user.user_id)
    return await core.storage.answers(u.id)  # type: ignore[union-attr]


async def test_start_asks_first_question_with_progress(core: Core) -> None:
    out = await cmd(core, ANA, "start")
    assert keys(out) == ["intro.welcome", "q.name.prompt"]
    assert out[1].text.startswith(f"Langkah 1/{A.total({})} ")
    assert out[1].expects == "text" and out[1].max_len == 80


async def test_ten_thousand_characters_are_refused_and_nothing_stored(core: Core) -> None:
    await cmd(core, ANA, "start")
    out = await say(core, ANA, "x" * 10_000)
    assert out[0].key == "err.too_long" and "80" in out[0].text
    assert await answers_of(core, ANA) == {}
    assert await step_of(core, ANA) == "name"


async def test_emoji_and_mixed_scripts_are_kept_as_typed(core: Core) -> None:
    await cmd(core, ANA, "start")
    await say(core, ANA, "  Ana 🎤 アナ  Сергей ")
    assert (await answers_of(core, ANA))["name"] == "Ana 🎤 アナ Сергей"


async def test_command_in_the_middle_of_a_step_keeps_the_step(core: Core) -> None:
    await cmd(core, ANA, "start")
    await say(core, ANA, "Ana")
    out = await cmd(core, ANA, "help")
    assert "/edit" in out[0].text
    assert await step_of(core, ANA) == "role"
    out = await cmd(core, ANA, "frobnicate")
    assert keys(out) == ["err.unknown_command", "q.role.prompt"]
    assert "/frobnicate" in out[0].text


async def test_number_out_of_range_for_a_choice_is_reasked(core: Core) -> None:
    await cmd(core, ANA, "start")
    await say(core, ANA, "Ana")
    out = await say(core, ANA, "99")
    assert keys(out) == ["err.pick_option", "q.role.prompt"]
    assert "role" not in await answers_of(core, ANA)
    out = await say(core, ANA, "Politisi")  # a label typed instead of tapped
    assert (await answers_of(core, ANA))["role"] == "politician"


async def test_non_text_inbound_gets_a_reask(core: Core) -> None:
    await cmd(core, ANA, "start")
    out = await core.handle(Inbound(ANA, "other", other="sticker"))
    assert keys(out) == ["err.not_text", "q.name.prompt"]


async def test_forged_and_stale_callbacks_change_nothing(core: Core) -> None:
    await cmd(core, ANA, "start")
    await say(core, ANA, "Ana")
    for forged in ["a:role:king", "a:vision:x", "zz:1", "a:role", "", "t:platforms_now:instagram", "c:yes",
                   "x:delete:yes", "e:nonexistent", "l:fr", "a:role:artist:extra"]:
        out = await tap(core, ANA, forged)
        assert out[0].key == "err.stale_button", forged
    assert await answers_of(core, ANA) == {"name": "Ana"}
    assert await step_of(core, ANA) == "role"
    assert await core.storage.find_user("fake", "1") is not None  # x:delete:yes without a pending delete


async def test_multi_choice_toggles_then_done(core: Core) -> None:
    await cmd(core, ANA, "start")
    await say(core, ANA, "Ana")
    await tap(core, ANA, "a:role:artist")
    out = await tap(core, ANA, "t:platforms_now:tiktok")
    assert out[0].kind == "redraw"
    assert [c.selected for c in out[0].choices if c.value == "t:platforms_now:tiktok"] == [True]
    out = await tap(core, ANA, "t:platforms_now:instagram")
    out = await tap(core, ANA, "t:platforms_now:tiktok")  # untick
    out = await tap(core, ANA, "d:platforms_now")
    assert (await answers_of(core, ANA))["platforms_now"] == ["instagram"]
    assert await step_of(core, ANA) == "team"


async def test_done_with_nothing_ticked_is_refused(core: Core) -> None:
    await cmd(core, ANA, "start")
    await say(core, ANA, "Ana")
    await tap(core, ANA, "a:role:artist")
    out = await tap(core, ANA, "d:platforms_now")
    assert out[0].key == "err.pick_option"
    assert await step_of(core, ANA) == "platforms_now"


async def test_back_at_step_one_and_back_later(core: Core) -> None:
    await cmd(core, ANA, "start")
    out = await cmd(core, ANA, "back")
    assert out[0].key == "err.first_step"
    await say(core, ANA, "Ana")
    out = await cmd(core, ANA, "back")
    assert out[0].key == "q.name.prompt" and "Ana" in out[0].text  # shows the current answer
    out = await tap(core, ANA, "k:name")  # keep it
    assert out[0].key == "q.role.prompt"


async def test_skip_only_optional_steps(core: Core) -> None:
    await cmd(core, ANA, "start")
    out = await cmd(core, ANA, "skip")
    assert out[0].key == "err.not_optional"
    assert await step_of(core, ANA) == "name"


async def test_edit_from_the_summary_returns_to_the_summary(core: Core) -> None:
    await finish(core, ANA)
    out = await cmd(core, ANA, "edit")
    assert out[0].key == "edit.pick" and any(c.value == f"e:{EDITED.id}" for c in out[0].choices)
    out = await tap(core, ANA, f"e:{EDITED.id}")
    assert out[0].key == f"q.{EDITED.id}.prompt"
    out = await say(core, ANA, "Visi baru untuk musikku yang jujur")
    assert out[0].key == "summary.title"
    assert "Visi baru" in out[0].text
    out = await tap(core, ANA, "c:yes")
    assert "plan.title" in keys(out)


async def test_changing_segments_drops_the_priority_pick(core: Core) -> None:
    await finish(core, ANA)
    await tap(core, ANA, f"e:{PICKS.options_from}")
    out = await say(core, ANA, "fans, journalists")
    assert out[0].key == f"q.{PICKS.id}.prompt"
    assert [c.label for c in out[0].choices][:2] == ["fans", "journalists"]
    await tap(core, ANA, f"a:{PICKS.id}:1")
    assert (await answers_of(core, ANA))[PICKS.id] == "journalists"


def warned_value() -> Any:
    return WARNS.warn_options[0] if WARNS.kind == "choice" else [WARNS.warn_options[0]]


async def test_controversy_answer_gets_the_articles_warning_but_is_stored(core: Core) -> None:
    await finish(core, ANA, **{WARNS.id: warned_value()})
    out = await cmd(core, ANA, "plan")
    assert "Beberapa jawabanmu mengarah ke sensasi" in out[0].text
    assert (await answers_of(core, ANA))[WARNS.id] == warned_value()


async def test_a_plan_without_a_warned_answer_has_no_warning(core: Core) -> None:
    await finish(core, ANA)
    out = await cmd(core, ANA, "plan")
    assert "Beberapa jawabanmu mengarah ke sensasi" not in out[0].text


async def test_warning_text_explains_negative_fame(core: Core) -> None:
    answers = await walk_to(core, ANA, WARNS.id)
    assert await step_of(core, ANA) == WARNS.id and WARNS.id not in answers
    *ticks, last = A.taps(WARNS, warned_value(), answers)  # a choice is one tap; a multi ticks, then Done
    for value in ticks:
        await tap(core, ANA, value)
    out = await tap(core, ANA, last)
    # the article's point 9 in the words of the user's role (a seller's buyers, a candidate's votes)
    from handlers.playbook import stake
    lang_t = lambda key, **kw: core.catalog.t("id", key, **kw)  # noqa: E731
    assert out[0].key == "warn.controversy" and stake(lang_t, answers.get("role")) in out[0].text
    if answers.get("role") != "seller":
        assert "membeli tawaranmu" not in out[0].text


async def test_plan_before_finishing_says_where_you_are(core: Core) -> None:
    await cmd(core, ANA, "start")
    await say(core, ANA, "Ana")
    out = await cmd(core, ANA, "plan")
    assert out[0].key == "plan.not_ready" and "2" in out[0].text


async def test_plan_has_markdown_file(core: Core) -> None:
    await finish(core, ANA)
    out = await cmd(core, ANA, "plan")
    files = [m.file for m in out if m.file]
    assert files and files[0].name.endswith(".md") and files[0].data.startswith(b"# ")


async def test_cancel_pauses_and_start_resumes(core: Core) -> None:
    await cmd(core, ANA, "start")
    await say(core, ANA, "Ana")
    out = await cmd(core, ANA, "cancel")
    assert out[0].key == "flow.paused"
    out = await say(core, ANA, "hello?")
    assert out[0].key == "flow.paused_hint"
    assert await answers_of(core, ANA) == {"name": "Ana"}
    out = await cmd(core, ANA, "start")
    assert keys(out) == ["flow.welcome_back", "q.role.prompt"]


async def test_reset_needs_confirmation(core: Core) -> None:
    await cmd(core, ANA, "start")
    await say(core, ANA, "Ana")
    out = await cmd(core, ANA, "reset")
    assert out[0].key == "confirm.reset"
    out = await tap(core, ANA, "x:reset:no")
    assert await answers_of(core, ANA) == {"name": "Ana"}
    await cmd(core, ANA, "reset")
    out = await tap(core, ANA, "x:reset:yes")
    assert await answers_of(core, ANA) == {}
    assert await step_of(core, ANA) == "name"


async def test_delete_erases_every_row_of_the_user(core: Core, db_path: str) -> None:
    await finish(core, ANA)
    await finish(core, BEN)
    await cmd(core, ANA, "delete")
    assert await core.storage.find_user("fake", "1") is not None
    out = await tap(core, ANA, "x:delete:yes")
    assert out[0].key == "privacy.deleted"
    assert await core.storage.find_user("fake", "1") is None
    for table in await table_names(core.storage):
        for row in await core.storage.fetch_all(f"SELECT * FROM {table}"):
            assert "Ana" not in json.dumps(tuple(row), default=str), (table, row)
    assert await answers_of(core, BEN)  # the other user is intact


async def test_export_returns_everything_stored(core: Core) -> None:
    await finish(core, ANA)
    out = await cmd(core, ANA, "export")
    data = json.loads(out[0].file.data)  # type: ignore[union-attr]
    assert data["user"]["platform_user_id"] == "1"
    stored = {a["step"]: a["value"] for a in data["answers"]}
    assert stored == await answers_of(core, ANA)


async def test_language_command_pins_and_switches(core: Core) -> None:
    await cmd(core, ANA, "start")
    out = await cmd(core, ANA, "language", "en")
    assert out[0].text.startswith("Got it")
    assert out[1].text.startswith(f"Step 1/{A.total({})} ")
    out = await say(core, ANA, "saya mau jadi penyanyi terkenal di Indonesia")
    user = await core.storage.find_user("fake", "1")
    assert user.language == "en" and user.language_pinned  # type: ignore[union-attr]
    out = await cmd(core, ANA, "language")
    assert {c.value for c in out[0].choices} == {"l:id", "l:en"}


async def test_locale_hint_sets_the_first_language(core: Core) -> None:
    out = await core.handle(Inbound(BEN, "command", command="start", locale="en-GB"))
    assert out[1].text.startswith("Step 1/")


async def test_two_users_interleaved_never_cross(core: Core) -> None:
    await asyncio.gather(cmd(core, ANA, "start"), cmd(core, BEN, "start"))
    for a, b in [("Ana", "Ben"), ("1", "2")]:
        await asyncio.gather(say(core, ANA, a), say(core, BEN, b))
    assert await answers_of(core, ANA) == {"name": "Ana", "role": "politician"}
    assert await answers_of(core, BEN) == {"name": "Ben", "role": "artist"}


async def test_one_users_messages_are_handled_in_order(core: Core) -> None:
    await cmd(core, ANA, "start")
    # fired concurrently, applied in the order sent: name first, then the role
    await asyncio.gather(say(core, ANA, "Ana"), say(core, ANA, "3"), say(core, ANA, "1,2"))
    assert await answers_of(core, ANA) == {"name": "Ana", "role": "official",
                                           "platforms_now": ["instagram", "tiktok"]}


async def test_a_failing_handler_gets_an_apology_and_the_loop_lives(db_path: str) -> None:
    router = Router()

    async def boom(ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("kaboom")

    router.command("boom", boom)

    async def ok(ctx):  # type: ignore[no-untyped-def]
        ctx.say("help.title")

    router.command("ok", ok)

    core = Core(open_storage(db_path), router=router)
    await core.start()
    try:
        out = await cmd(core, ANA, "boom")
        assert keys(out) == ["error.apology"]
        assert keys(await cmd(core, ANA, "ok")) == ["help.title"]
    finally:
        await core.stop()


async def test_database_file_is_private(core: Core, db_path: str, backend: str) -> None:
    if backend == "postgresql":
        pytest.skip("a server's database: its access is PostgreSQL's roles, not a file mode")
    assert os.stat(db_path).st_mode & 0o077 == 0


async def test_migrations_are_idempotent(core: Core) -> None:
    before = await core.storage.migrate()
    assert await core.storage.migrate() == before >= 1


async def test_blocked_user_who_writes_again_is_reachable(core: Core) -> None:
    await cmd(core, ANA, "start")
    await core.storage.set_reachable("fake", "1", False)
    out = await cmd(core, ANA, "start")
    assert out[0].key == "reach.back"
    assert (await core.storage.find_user("fake", "1")).reachable  # type: ignore[union-attr]


# -- helpers -------------------------------------------------------------------

# Ana's answers where the tests look; every other step gets a generated valid answer (tests/answers.py).
PERSONA: dict[str, Any] = {
    "role": "artist", "team": "alone", "purposes": ["explain", "engage"],
    "vision": "Penyanyi yang dikenal karena lagu jujur", "goal_10y": SKIP, "segments": ["remaja", "mahasiswa"],
    "priority_segment": "remaja", "competitors": SKIP, "controversy": "never", "get_noticed": SKIP,
}
WARNS = A.first_step(lambda s: bool(s.warn_options))          # a step whose options trigger the warning
PICKS = A.first_step(lambda s: s.options_from is not None)    # a choice among an earlier list answer
CONDITIONAL = A.first_step(lambda s: s.when is not None)      # asked only when an earlier answer matches
EDITED = A.first_step(lambda s: s.kind == "text" and s.required and s.when is None and s.detect)


def persona(user: UserRef, **override: Any) -> dict[str, Any]:
    return {**PERSONA, "name": user.display_name, **override}


async def walk_to(core: Core, user: UserRef, stop: str | None = None, **override: Any) -> dict[str, Any]:
    """Answer (tapping the choices) until the bot asks `stop`, or to the summary; returns the stored answers."""
    await A.walk(core, user, persona(user, **override), stop_at=stop)
    return await answers_of(core, user)


async def finish(core: Core, user: UserRef, **override: Any) -> None:
    await walk_to(core, user, **override)
    out = await tap(core, user, "c:yes")
    assert "plan.title" in keys(out), keys(out)


async def test_a_name_does_not_switch_the_language(core: Core) -> None:
    await core.handle(Inbound(ANA, "command", command="start", locale="en"))
    out = await say(core, ANA, "Budi Santoso")
    assert keys(out) == ["q.role.prompt"] and out[0].text.startswith("Step 2/")


async def test_a_flood_is_throttled_for_that_user_alone(core: Core, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(40):
        await cmd(core, ANA, "help")
    out = await cmd(core, ANA, "help")
    assert keys(out) == ["err.slow_down"]
    assert await cmd(core, ANA, "help") == []  # told once, then skipped quietly
    assert keys(await cmd(core, BEN, "help")) == ["help.title"]  # others unaffected
    clock.advance(seconds=5)
    assert keys(await cmd(core, ANA, "help")) == ["help.title"]


async def test_stats_only_for_admins_and_only_counts(core: Core) -> None:
    await finish(core, ANA)
    out = await cmd(core, BEN, "stats")
    assert keys(out) == ["stats.refused"]
    core.admins = frozenset({"fake:2"})
    out = await cmd(core, BEN, "stats")
    assert out[0].key == "stats.title"
    assert "fake" in out[0].text and "2" in out[0].text
    assert "Ana" not in out[0].text and "Penyanyi" not in out[0].text


async def test_first_plan_asks_the_time_zone_for_its_reminders(core: Core) -> None:
    await walk_to(core, ANA)
    out = await tap(core, ANA, "c:yes")
    assert keys(out)[-1] == "rem.first_zone"
    assert [c.value for c in out[-1].choices] == ["r:z:WIB", "r:z:WITA", "r:z:WIT", "r:z:type"]
    await tap(core, ANA, "r:z:WITA")
    # a later confirmation (after an edit) just points to /reminders again
    await tap(core, ANA, f"e:{EDITED.id}")
    await say(core, ANA, "Visi baru untuk musikku yang jujur")
    out = await tap(core, ANA, "c:yes")
    assert keys(out)[-1] == "plan.next"


async def test_a_clear_switch_of_language_is_announced_once(core: Core) -> None:
    await core.handle(Inbound(ANA, "command", command="start", locale="en"))
    await say(core, ANA, "Ana")
    await tap(core, ANA, "a:role:artist")
    await core.handle(Inbound(ANA, "choice", values=("t:platforms_now:tiktok",)))
    await tap(core, ANA, "a:team:alone")
    await core.handle(Inbound(ANA, "choice", values=("t:purposes:engage",)))
    out = await say(core, ANA, "Saya ingin dikenal sebagai penyanyi yang jujur dan dekat dengan penggemar")
    assert keys(out)[0] == "lang.switched" and "/language en" in out[0].text
    assert out[-1].text.startswith("Langkah")
    out = await say(core, ANA, "Merilis lagu setiap bulan dan tampil di kota kecil")
    assert "lang.switched" not in keys(out)
    out = await say(core, ANA, "ok")  # language-neutral: no flapping
    assert "lang.switched" not in keys(out)


async def test_one_english_sentence_after_typed_options_does_not_flip_the_language(core: Core) -> None:
    """Options typed as numbers and a name through the Indonesian questionnaire, then one English answer and a
    code-mixed Indonesian one: the chat stays Indonesian, with no switch announced either way."""
    await A.walk(core, ANA, persona(ANA), mode="typed", stop_at=EDITED.id)
    user = await core.storage.find_user("fake", "1")
    assert user.language == "id" and user.lang_pending is None  # type: ignore[union-attr]
    for text in ["I want people to trust my honest songs", "aku mau fokus di content creation buat brand awareness"]:
        out = await say(core, ANA, text)
        assert "lang.switched" not in keys(out), text
        q = A.question_of(out)
        assert q is not None and q.lang == "id" and q.text.startswith("Langkah"), keys(out)
    out = await cmd(core, ANA, "language", "en")  # the explicit choice always wins
    out = await say(core, ANA, "Saya ingin dikenal sebagai penyanyi yang jujur dan dekat dengan penggemar setia")
    assert "lang.switched" not in keys(out) and out and all(m.lang == "en" for m in out)


async def test_a_typed_yes_to_a_confirmation_is_no_evidence_of_language(core: Core) -> None:
    await cmd(core, ANA, "start")  # Indonesian, provisionally (no locale)
    await cmd(core, ANA, "reset")
    out = await say(core, ANA, "yes please")  # the confirmation's option word, not a switch to English
    assert "privacy.reset_done" in keys(out) and "lang.switched" not in keys(out) and out[-1].lang == "id"


async def test_editing_segments_from_the_summary_asks_the_priority_then_returns(core: Core) -> None:
    await walk_to(core, ANA)
    await tap(core, ANA, f"e:{PICKS.options_from}")
    out = await say(core, ANA, "fans, journalists")
    assert out[0].key == f"q.{PICKS.id}.prompt"
    out = await tap(core, ANA, f"a:{PICKS.id}:0")
    assert out[0].key == "summary.title"  # straight back: no walk through every later step


async def test_editing_segments_mid_questionnaire_never_skips_the_priority(core: Core) -> None:
    later = A.S.next_step(A.plan_answers(persona(ANA)), PICKS.id)
    assert later is not None, "the content asks nothing after the pick: this test needs a later step"
    await walk_to(core, ANA, later.id)
    await cmd(core, ANA, "edit", str(PICKS.options_from))
    out = await say(core, ANA, "fans, journalists")
    assert out[0].key == f"q.{PICKS.id}.prompt"
    await tap(core, ANA, f"a:{PICKS.id}:1")
    assert await step_of(core, ANA) == later.id  # back where the user was
    assert (await answers_of(core, ANA))[PICKS.id] == "journalists"


async def test_switching_to_a_team_from_the_summary_asks_who_replies(core: Core) -> None:
    assert CONDITIONAL.when is not None
    source, value = CONDITIONAL.when
    other = next(v for v in A.S.step_by_id(source).options if v != value)  # type: ignore[union-attr]
    answers = await walk_to(core, ANA, **{source: other})
    assert CONDITIONAL.id not in answers  # not asked while the condition does not hold
    await tap(core, ANA, f"e:{source}")
    out = await tap(core, ANA, f"a:{source}:{value}")
    assert out[0].key == f"q.{CONDITIONAL.id}.prompt"
    out = await say(core, ANA, "Dina, manajerku")
    assert out[0].key == "summary.title" and "Dina, manajerku" in out[0].text


async def test_plan_stays_available_while_editing_after_confirming(core: Core) -> None:
    await finish(core, ANA)
    await cmd(core, ANA, "edit")
    await tap(core, ANA, f"e:{EDITED.id}")
    out = await cmd(core, ANA, "plan")
    assert keys(out)[0] == "plan.editing" and "plan.title" in keys(out)
    out = await tap(core, ANA, "c:yes")  # an old confirm button while editing: refused, nothing changes
    assert keys(out) == ["err.stale_button"]
    assert await step_of(core, ANA) == EDITED.id


async def test_edit_with_an_unknown_step_lists_the_answers(core: Core) -> None:
    await cmd(core, ANA, "start")
    await say(core, ANA, "Ana")
    out = await cmd(core, ANA, "edit", "foo")
    assert out[0].key == "edit.pick" and [c.value for c in out[0].choices] == ["e:name"]


async def test_a_newcomer_who_cancels_a_delete_still_gets_the_intro(core: Core) -> None:
    await cmd(core, BEN, "delete")
    await tap(core, BEN, "x:delete:no")
    out = await cmd(core, BEN, "start")
    assert keys(out) == ["intro.welcome", "q.name.prompt"]
