"""The Discord adapter, offline: raw gateway payloads into a real discord.Client, HTTP side captured."""
from __future__ import annotations

from typing import Any

import pytest

import answers as A
from bot.adapters.base import UserUnreachable
from handlers.reminders.actions import Snooze
from bot.adapters.discord import DiscordAdapter, slash_commands
from bot.adapters.discord_ui import MESSAGE_LIMIT, split_text
from bot.config import Config
from bot.core import Core
from bot.types import Choice, Outbound
from handlers import steps as S
from discord_fakes import (APP_ID, EPHEMERAL, GUILD_ID, Call, Harness, choice_values, components_of,
                           user_payload)

SARI = user_payload("111111111111111111", "Sari")
ALEX = user_payload("222222222222222222", "Alex")
EVE = user_payload("333333333333333333", "Eve")

# What each step gets: ("text", s) through the Answer button and its form, ("answer", s) through /answer text,
# ("pick", value) a button or select option, ("multi", [values]) the multi-select, ("skip_button",) the Skip
# button, ("slash_skip",) the /skip command.
SCRIPT_ID: dict[str, tuple[Any, ...]] = {
    "name": ("text", "Sari Musik"),
    "role": ("pick", "a:role:artist"),
    "platforms_now": ("multi", ["t:platforms_now:instagram", "t:platforms_now:tiktok"]),
    "team": ("pick", "a:team:team"),
    "team_replier": ("text", "Dina, manajer media sosialku"),
    "purposes": ("multi", ["t:purposes:engage", "t:purposes:explain"]),
    "vision": ("text", "Musisi indie yang menemani perjalanan anak muda"),
    "mission": ("text", "Merilis satu lagu tiap bulan dan manggung di kota kecil"),
    "goal_5y": ("text", "Punya 100 ribu pendengar bulanan"),
    "goal_10y": ("answer", "Tur keliling Asia Tenggara"),
    "segments": ("text", "mahasiswa, pekerja muda, komunitas musik"),
    "priority_segment": ("pick", "a:priority_segment:0"),
    "competitors": ("text", "Band indie lain di Bandung, aku lebih akustik"),
    "needs": ("text", "Lagu yang jujur dan cerita di balik lagunya"),
    "focus_platforms": ("multi", ["t:focus_platforms:instagram", "t:focus_platforms:tiktok"]),
    "pillars": ("text", "proses kreatif lagu, kehidupan sehari-hari, kolaborasi"),
    "formats": ("multi", ["t:formats:short_video", "t:formats:photo"]),
    "cadence": ("pick", "a:cadence:3"),
    "creative_angle": ("text", "Cerita lagu lewat sketsa tangan"),
    "quality": ("text", "Audio jernih, teks dicek dulu"),
    "daily_minutes": ("pick", "a:daily_minutes:30"),
    "response_time": ("pick", "a:response_time:3"),
    "offline": ("text", "Manggung akustik di kafe tiap bulan"),
    "criticism": ("pick", "a:criticism:calm"),
    "controversy": ("pick", "a:controversy:never"),
    "get_noticed": ("skip_button",),
}

SCRIPT_EN: dict[str, tuple[Any, ...]] = {
    "name": ("text", "Alex Rivera"),
    "role": ("pick", "a:role:professional"),
    "platforms_now": ("multi", ["t:platforms_now:linkedin"]),
    "team": ("pick", "a:team:alone"),
    "purposes": ("multi", ["t:purposes:exist", "t:purposes:engage"]),
    "vision": ("text", "The go-to data coach for small businesses"),
    "mission": ("answer", "Teach one practical data trick every week"),
    "goal_5y": ("text", "Run workshops for 500 small businesses"),
    "goal_10y": ("slash_skip",),
    "segments": ("text", "small business owners; freelancers"),
    "priority_segment": ("pick", "a:priority_segment:0"),
    "competitors": ("skip_button",),
    "needs": ("text", "Simple, cheap ways to use their own sales data"),
    "focus_platforms": ("multi", ["t:focus_platforms:linkedin", "t:focus_platforms:threads"]),
    "pillars": ("text", "data tips; case studies; tool reviews"),
    "formats": ("multi", ["t:formats:photo", "t:formats:text"]),
    "cadence": ("pick", "a:cadence:5"),
    "creative_angle": ("text", "Plain words, no jargon, real numbers"),
    "quality": ("text", "Every chart sourced and readable on a phone"),
    "daily_minutes": ("pick", "a:daily_minutes:15"),
    "response_time": ("pick", "a:response_time:24"),
    "offline": ("text", "Monthly meetups at the local chamber of commerce"),
    "criticism": ("pick", "a:criticism:calm"),
    "controversy": ("pick", "a:controversy:never"),
    "get_noticed": ("text", "Guest posts and podcasts"),
}



def messages(calls: list[Call]) -> list[dict[str, Any]]:
    """What the bot said: messages posted (followups, DMs) and the texts it put in edited messages."""
    return [dict(c.json, flags=c.json.get("flags", 0)) for c in calls
            if c.kind in ("followup", "channel_message", "edit_original") and c.json and "content" in c.json]


def last_question(calls: list[Call]) -> dict[str, Any]:
    """The last message posted or edited with components, as the fake server now holds it."""
    for call in reversed(calls):
        if call.kind in ("followup", "channel_message", "edit_original") and call.json \
                and call.json.get("components") and isinstance(call.response, dict):
            return call.response
    raise AssertionError("no message with components in: " + " | ".join(c.content[:80] for c in calls))


def open_button(message: dict[str, Any]) -> str | None:
    return next((c["custom_id"] for c in components_of(message)
                 if c.get("type") == 2 and c["custom_id"].split("|")[2] == "open"), None)


def step_of(message: dict[str, Any]) -> str:
    """The questionnaire step a question message belongs to, read from its components."""
    button = open_button(message)
    if button:
        return button.split("|")[3]
    for value in choice_values(message):
        bits = value.split(":")
        if bits[0] in ("a", "t", "s", "k") and len(bits) >= 2:
            return bits[1]
    raise AssertionError(f"not a question: {message.get('content', '')[:100]}")


async def generated_action(h: Harness, user: dict[str, Any], step_id: str, locale: str) -> tuple[Any, ...]:
    """A valid answer to a step the script does not name (a question added to the content), from its bounds."""
    step = S.step_by_id(step_id)
    assert step is not None, step_id
    found = await h.adapter.core.storage.find_user("discord", user["id"])
    known = await h.adapter.core.storage.answers(found.id) if found else {}
    value = A.generated(step, known, locale[:2])
    if step.kind == "choice":
        return ("pick", A.taps(step, value, known)[0])
    if step.kind == "multi":
        return ("multi", A.taps(step, value, known)[:-1])
    return ("text", A.typed(step, known, value))


def showing(h: Harness, calls: list[Call]) -> dict[str, Any] | None:
    """The message that now shows the open question: posted or edited last with components (its current state)."""
    for call in reversed(calls):
        if call.kind in ("followup", "channel_message", "edit_original") and call.json \
                and call.json.get("components") and isinstance(call.response, dict):
            return h.http.messages.get(call.response["id"], call.response)
    return None


def opened_form(calls: list[Call]) -> dict[str, Any] | None:
    """The form (modal) the last interaction answered with, if it did."""
    for call in calls:
        if call.kind == "callback" and call.json["type"] == 9:
            return call.json["data"]
    return None


def form_inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """The labelled text inputs of a form, in order (each label with its input)."""
    return [c for c in modal["components"] if c["type"] == 18 and c["component"]["type"] == 4]


def private_in_server(calls: list[Call]) -> bool:
    """Only the user sees it: an ephemeral deferral (its edits stay ephemeral) and ephemeral followups."""
    deferred = [c for c in calls if c.kind == "callback" and c.json["type"] in (4, 5)]
    return all(c.json["data"]["flags"] & EPHEMERAL for c in deferred) and \
        all(c.flags & EPHEMERAL for c in calls if c.kind == "followup")


def form_text(modal: dict[str, Any]) -> str:
    """Everything a form shows in words: its texts, labels, descriptions and placeholders."""
    out = []
    for c in modal["components"]:
        out += [c.get("content", ""), c.get("label", ""), c.get("description", ""),
                (c.get("component") or {}).get("placeholder", "")]
    return "\n".join(t for t in out if t)


def form_value(how: tuple[Any, ...]) -> str:
    """What a script entry types into a form field ("" leaves an optional question empty: skipped)."""
    return str(how[1]) if how[0] in ("text", "answer") else ""


async def run_questionnaire(h: Harness, user: dict[str, Any], script: dict[str, tuple[Any, ...]], *,
                            guild: bool, locale: str) -> list[Call]:
    """Answer every question through forms, selects and buttons as a user would; return every HTTP call."""
    every: list[Call] = []
    calls = await h.slash(user, "start", guild=guild, locale=locale)
    every += calls
    seen: list[str] = []
    question: dict[str, Any] | None = None
    for _ in range(80):
        modal = opened_form(calls)
        if modal is not None:  # a form: fill every question it asks
            inputs = form_inputs(modal)
            assert inputs and len(modal["components"]) <= 5
            filled: dict[str, str] = {}
            for label in inputs:
                step = label["component"]["custom_id"]
                assert step not in seen, f"step {step!r} asked again (an answer was refused); steps: {seen}"
                seen.append(step)
                how = script[step] if step in script else await generated_action(h, user, step, locale)
                filled[step] = form_value(how)
                assert label["component"]["max_length"] <= 4000
            calls = await h.submit(user, modal["custom_id"], filled, message=question, guild=guild, locale=locale)
            every += calls
            continue
        question = showing(h, calls) or question
        assert question is not None
        values = choice_values(question)
        if "c:yes" in values:
            calls = await h.press(user, values["c:yes"][0], message=question, guild=guild, locale=locale)
            every += calls
            return every
        button = open_button(question)
        if button is not None:
            calls = await h.press(user, button, message=question, guild=guild, locale=locale)
            every += calls
            continue
        step = step_of(question)
        assert step not in seen, f"step {step!r} asked again (an answer was refused); steps: {seen}"
        seen.append(step)
        how, *arg = script[step] if step in script else await generated_action(h, user, step, locale)
        if how == "pick":
            custom_id, comp = values[arg[0]]
            if comp["type"] == 3:
                calls = await h.press(user, custom_id, values=[arg[0]], message=question, guild=guild, locale=locale)
            else:
                calls = await h.press(user, custom_id, message=question, guild=guild, locale=locale)
        elif how == "multi":
            custom_id, comp = values[arg[0][0]]
            assert comp["type"] == 3 and comp["max_values"] > 1
            calls = await h.press(user, custom_id, values=list(arg[0]), message=question, guild=guild, locale=locale)
        elif how == "skip_button":
            calls = await h.press(user, values[f"s:{step}"][0], message=question, guild=guild, locale=locale)
        else:
            raise AssertionError(f"{how!r} for a choice step {step!r}")
        every += calls
    raise AssertionError(f"questionnaire did not finish; steps seen: {seen}")


def interaction_budget() -> int:
    """One interaction per question of the content, plus a few for commands and the confirmation."""
    from handlers.steps import all_steps
    return len(all_steps()) + 6


def message_budget(plan_text: str) -> int:
    """New messages: the first question's, the plan's parts (Discord holds 2,000 characters a message) and one for
    its files; everything else edits the message in place."""
    return 2 + -(-len(plan_text) // 1900)


def plan_calls(calls: list[Call]) -> tuple[str, dict[str, bytes]]:
    text = "\n".join(m["content"] for m in messages(calls))
    files: dict[str, bytes] = {}
    for c in calls:
        files.update(c.files)
    return text, files


async def test_whole_questionnaire_in_indonesian_in_a_server(harness: Harness, core: Core) -> None:
    calls = await run_questionnaire(harness, SARI, SCRIPT_ID, guild=True, locale="id")
    user = await core.storage.find_user("discord", SARI["id"])
    assert user is not None and user.language == "id"
    flow = await core.storage.get_flow(user.id)
    assert flow is not None and flow.status == "done"
    answers = await core.storage.answers(user.id)
    assert answers["name"] == "Sari Musik"
    assert answers["role"] == "artist"
    assert answers["platforms_now"] == ["instagram", "tiktok"]
    assert answers["purposes"] == ["engage", "explain"]
    assert answers["segments"] == ["mahasiswa", "pekerja muda", "komunitas musik"]
    assert answers["priority_segment"] == "mahasiswa"
    assert answers["goal_10y"] == "Tur keliling Asia Tenggara"
    assert answers["get_noticed"] is None
    # The plan: every message under 2000 characters, the Markdown file attached.
    tail = calls[-12:]
    text, files = plan_calls(tail)
    assert "Rencana Personal Branding: Sari Musik" in text
    assert all(len(m["content"]) < 2000 for m in messages(calls))
    assert "rencana-personal-branding.md" in files
    assert files["rencana-personal-branding.md"].decode().startswith("# Rencana Personal Branding: Sari Musik")
    # In a server everything is ephemeral: deferrals, followups; forms are private by nature.
    for call in calls:
        if call.kind == "followup":
            assert call.flags & EPHEMERAL, call.content[:80]
        if call.kind == "callback" and call.json["type"] in (4, 5):
            assert call.json["data"]["flags"] & EPHEMERAL
    # One message edited in place as the user goes (was 42 interactions and ~38 messages): about one interaction
    # per question, and new messages only for the first question and the plan's parts (budget from the content).
    assert harness.interactions <= interaction_budget() and len(harness.http.created) <= message_budget(text)
    assert any(c.kind == "edit_original" and "✅" in c.content for c in calls)
    # /edit on a finished plan: one select menu per 25 answers (Discord's limit); change the name in a form.
    calls = await harness.slash(SARI, "edit")
    picker = last_question(calls)
    selects = [c for c in components_of(picker) if c["type"] == 3]
    assert len(answers) > 25, "this test wants more answers than one select menu holds"
    assert len(selects) == -(-len(answers) // 25) and all(len(s["options"]) <= 25 for s in selects)
    assert sum(len(s["options"]) for s in selects) == len(answers)
    custom_id, _ = choice_values(picker)["e:name"]
    calls = await harness.press(SARI, custom_id, values=["e:name"], message=picker)
    modal = opened_form(calls)  # a free-text question next: its form opens at once, only it (an /edit returns)
    assert modal is not None and [i["component"]["custom_id"] for i in form_inputs(modal)] == ["name"]
    assert form_inputs(modal)[0]["component"]["value"] == "Sari Musik"
    calls = await harness.submit(SARI, modal["custom_id"], {"name": "Sari Akustik"}, message=picker)
    assert "c:yes" in choice_values(last_question(calls))  # back to the summary
    assert (await core.storage.answers(user.id))["name"] == "Sari Akustik"


async def test_whole_questionnaire_in_english_in_dms(harness: Harness, core: Core) -> None:
    calls = await run_questionnaire(harness, ALEX, SCRIPT_EN, guild=False, locale="en-US")
    user = await core.storage.find_user("discord", ALEX["id"])
    assert user is not None and user.language == "en"
    flow = await core.storage.get_flow(user.id)
    assert flow is not None and flow.status == "done"
    answers = await core.storage.answers(user.id)
    assert answers["mission"] == "Teach one practical data trick every week"
    assert answers["goal_10y"] is None and answers["competitors"] is None
    assert answers["focus_platforms"] == ["linkedin", "threads"]
    assert answers["pillars"] == ["data tips", "case studies", "tool reviews"]
    text, files = plan_calls(calls[-12:])
    assert "Personal Branding Plan: Alex Rivera" in text
    assert "personal-branding-plan.md" in files
    # In DMs nothing is ephemeral.
    assert not any(c.flags & EPHEMERAL for c in calls if c.kind == "followup")
    # /plan afterwards: the plan again, split under the limit, with the file.
    again = await harness.slash(ALEX, "plan", guild=False, locale="en-US")
    text, files = plan_calls(again)
    assert "Personal Branding Plan: Alex Rivera" in text and "personal-branding-plan.md" in files
    assert all(len(m["content"]) < 2000 for m in messages(again))


async def test_plain_dm_messages_answer_questions(harness: Harness, core: Core) -> None:
    calls = await harness.dm(SARI, "halo")
    assert [c.kind for c in calls] == ["channel_message"]  # the welcome and the first question in one message
    assert "Langkah 1/" in calls[-1].content
    calls = await harness.dm(SARI, "Sari Musik")
    assert "Langkah 2/" in calls[-1].content
    question = calls[-1].response
    assert step_of(question) == "role" and choice_values(question)["a:role:artist"][1]["type"] == 3
    user = await core.storage.find_user("discord", SARI["id"])
    assert user is not None and (await core.storage.answers(user.id))["name"] == "Sari Musik"
    # A typed slash command in a DM works like the real one, under its Indonesian name too.
    calls = await harness.dm(SARI, "/back")
    assert step_of(last_question(calls)) == "name"
    calls = await harness.dm(SARI, "/mulai")
    assert step_of(last_question(calls)) == "name" and "/mulai" not in calls[-1].content


async def test_answer_without_text_opens_the_form_directly(harness: Harness, core: Core) -> None:
    await harness.slash(SARI, "start")
    calls = await harness.slash(SARI, "answer")
    assert len(calls) == 1 and calls[0].json["type"] == 9
    modal = calls[0].json["data"]
    assert modal["components"][0]["label"] == core.catalog.t("id", "q.name.short")
    assert modal["components"][0]["component"]["max_length"] == 80
    calls = await harness.submit(SARI, modal["custom_id"], "Sari Musik", message=None)
    # Submitted from a slash command (no message): a thinking deferral, then the next question.
    assert calls[0].kind == "callback" and calls[0].json["type"] == 5 and calls[0].json["data"]["flags"] == EPHEMERAL
    assert step_of(last_question(calls)) == "role"
    # The same form again is stale: refused, nothing stored.
    calls = await harness.submit(SARI, modal["custom_id"], "Someone Else", message=None)
    assert "sudah lewat" in messages(calls)[0]["content"]
    user = await core.storage.find_user("discord", SARI["id"])
    assert user is not None and (await core.storage.answers(user.id))["name"] == "Sari Musik"


async def state_of(core: Core, user_id: str) -> tuple[Any, Any]:
    user = await core.storage.find_user("discord", user_id)
    assert user is not None
    return await core.storage.get_flow(user.id), await core.storage.answers(user.id)


async def test_forged_custom_ids_change_nothing(harness: Harness, core: Core) -> None:
    calls = await harness.slash(SARI, "start")
    await harness.submit(SARI, f"bc|{SARI['id']}|modal|name", "Sari Musik", message=last_question(calls))
    calls = await harness.slash(SARI, "start")
    question = last_question(calls)
    before = await state_of(core, SARI["id"])
    for forged in ("evil", "bc|abc|btn|a:role:artist", "bc|111111111111111111|zap|x", "bc|111111111111111111|open|x",
                   "bc|111111111111111111|btn", "x" * 120):
        out = await harness.press(SARI, forged, message=question)
        assert len(out) == 1 and out[0].kind == "callback" and out[0].json["type"] == 4
        assert out[0].flags & EPHEMERAL and "tidak kukenali" in out[0].content
    # Well-formed but with a value the core never offered: the core answers it as stale.
    out = await harness.press(SARI, f"bc|{SARI['id']}|btn|a:role:astronaut", message=question)
    assert any("sudah tidak berlaku" in m["content"] for m in messages(out))
    out = await harness.press(SARI, f"bc|{SARI['id']}|multi", values=["t:role:zzz", "x:delete:yes"], message=question)
    assert all(m["flags"] & EPHEMERAL for m in messages(out))
    assert await state_of(core, SARI["id"]) == before


async def test_another_users_component_is_refused(harness: Harness, core: Core) -> None:
    calls = await harness.slash(SARI, "start")
    question = last_question(calls)
    await harness.submit(SARI, f"bc|{SARI['id']}|modal|name", "Sari Musik", message=question)
    calls = await harness.slash(SARI, "start")
    question = last_question(calls)
    before = await state_of(core, SARI["id"])
    custom_id, _ = choice_values(question)["a:role:artist"]
    out = await harness.press(EVE, custom_id, values=["a:role:artist"], message=question, locale="en-US")
    assert len(out) == 1 and out[0].json["type"] == 4 and out[0].flags & EPHEMERAL
    assert "belongs to someone else" in out[0].content
    out = await harness.submit(EVE, f"bc|{SARI['id']}|modal|role", "hijack", message=question, locale="en-US")
    assert len(out) == 1 and "belongs to someone else" in out[0].content
    out = await harness.press(EVE, open_button(last_question(await harness.slash(SARI, "back"))) or "", locale="id")
    assert "milik orang lain" in out[0].content
    assert await state_of(core, SARI["id"]) != before  # Sari's own /back moved her...
    flow, answers = await state_of(core, SARI["id"])
    assert flow.step == "name" and answers == before[1]  # ...but Eve changed nothing
    assert await core.storage.find_user("discord", EVE["id"]) is None  # the core never saw Eve


async def test_nudge_by_dm_and_50007_marks_unreachable(harness: Harness, core: Core) -> None:
    await harness.slash(ALEX, "start", locale="en-US")
    nudge = Outbound("Time to reply to your comments!", key="nudge.x", lang="en",
                     choices=(Choice(Snooze(1, 255, "h"), "Done"),))
    await core.send_to("discord", ALEX["id"], [nudge])
    sent = [c for c in harness.http.calls if c.kind == "channel_message"]
    assert sent and sent[-1].content == "Time to reply to your comments!"
    assert choice_values(sent[-1].json)["n:1:ff:h"][0] == f"bc|{ALEX['id']}|btn|n:1:ff:h"
    assert "flags" not in sent[-1].json or not sent[-1].json["flags"] & EPHEMERAL
    harness.http.dm_fail[ALEX["id"]] = (403, 50007, "Cannot send messages to this user")
    with pytest.raises(UserUnreachable):
        await core.send_to("discord", ALEX["id"], [nudge])
    user = await core.storage.find_user("discord", ALEX["id"])
    assert user is not None and user.reachable is False
    # The next command: the core welcomes them back; in a server the adapter says how to open DMs.
    calls = await harness.slash(ALEX, "start", locale="en-US")
    texts = [m["content"] for m in messages(calls)]
    assert any("Good to have you back" in t for t in texts)
    assert any("Privacy Settings" in t for t in texts)
    user = await core.storage.find_user("discord", ALEX["id"])
    assert user is not None and user.reachable is True


async def test_unknown_user_on_send_is_unreachable(harness: Harness, core: Core) -> None:
    await harness.slash(EVE, "help", locale="en-US")
    harness.http.dm_fail[EVE["id"]] = (404, 10013, "Unknown User")
    with pytest.raises(UserUnreachable):
        await harness.adapter.send(EVE["id"], [Outbound("hi", lang="en")])
    user = await core.storage.find_user("discord", EVE["id"])
    assert user is not None and not user.reachable


async def test_commands_sync_to_the_guild_localized(harness: Harness) -> None:
    await harness.adapter.sync_commands()
    sync = [c for c in harness.http.calls if c.kind == "sync"]
    assert sync[-1].path == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"
    by_name = {c["name"]: c for c in sync[-1].json}
    assert set(by_name) == set(slash_commands(harness.adapter.core))
    assert {"start", "answer", "skip", "back", "edit", "plan", "language", "reminders", "progress", "delete",
            "export", "help"} <= set(by_name)
    start = by_name["start"]
    assert start["description"] == "start or resume your plan"
    assert start["name_localizations"]["id"] == "mulai"
    assert start["description_localizations"]["id"] == "mulai atau lanjutkan rencana"
    answer = by_name["answer"]
    assert answer["name_localizations"]["id"] == "jawab"
    assert answer["options"][0]["name"] == "text" and answer["options"][0]["name_localizations"]["id"] == "jawaban"
    check = by_name["check"]["options"]
    assert [(o["name"], o["type"], o.get("required", False)) for o in check] == [("text", 3, False)]
    assert check[0]["name_localizations"]["id"] == "teks" and check[0]["max_length"] == 6000
    lang = by_name["language"]["options"][0]
    assert lang["name"] == "language" and {c["value"] for c in lang["choices"]} == {"id", "en"}
    for cmd in sync[-1].json:
        assert cmd["name"] == cmd["name"].lower() and len(cmd["description"]) <= 100
        assert all(n == n.lower() and " " not in n for n in cmd.get("name_localizations", {}).values())


async def test_global_sync_without_a_guild(core: Core) -> None:
    adapter = DiscordAdapter(core, Config())
    h = await Harness.create(adapter)
    try:
        await adapter.sync_commands()
        assert [c.path for c in h.http.calls if c.kind == "sync"] == [f"/applications/{APP_ID}/commands"]
    finally:
        await adapter.disconnect()


async def test_commands_forward_to_the_core(harness: Harness, core: Core) -> None:
    calls = await harness.slash(ALEX, "help", locale="en-US")
    assert "/reminders" in messages(calls)[0]["content"]
    calls = await harness.slash(ALEX, "language", {"language": "id"}, locale="en-US")
    user = await core.storage.find_user("discord", ALEX["id"])
    assert user is not None and user.language == "id" and user.language_pinned
    calls = await harness.slash(ALEX, "export", locale="en-US")
    assert "brandcoach-data.json" in plan_calls(calls)[1]
    calls = await harness.slash(ALEX, "delete", locale="en-US")
    question = last_question(calls)
    yes = choice_values(question)["x:delete:yes"][0]
    await harness.press(ALEX, yes, message=question)
    assert await core.storage.find_user("discord", ALEX["id"]) is None


def test_split_text_stays_under_the_limit() -> None:
    text = "\n".join(f"• line {i} " + "kata " * (i % 40) for i in range(400)) + "\n" + "x" * 4500
    parts = split_text(text)
    assert all(0 < len(p) <= MESSAGE_LIMIT < 2000 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert split_text("short") == ["short"] and split_text("") == []


async def test_check_takes_its_draft_as_a_text_option_or_asks_for_it(harness: Harness, core: Core) -> None:
    draft = "Three things I learned on tour this year.\nWhich one surprised you? #music #tour"
    calls = await harness.slash(ALEX, "check", {"text": draft}, locale="en-US")
    reply = messages(calls)[-1]["content"]
    assert reply.startswith("🔎 Your draft, checked") and "It asks readers to do something" in reply
    assert private_in_server(calls)
    user = await core.storage.find_user("discord", ALEX["id"])
    assert user is not None
    flow = await core.storage.get_flow(user.id)
    assert flow is None or flow.awaits is None  # answered at once: nothing left waiting for a draft
    # Without the option: asked for, and the next typed message (a DM here) is the draft.
    calls = await harness.slash(ALEX, "check", locale="en-US", guild=False)
    assert messages(calls)[-1]["content"].startswith("Send me the caption")
    calls = await harness.dm(ALEX, "New song out Friday, tell me what you think!")
    assert "🔎 Your draft, checked" in calls[-1].content


async def test_reminders_forwarded_and_their_typed_answers_use_a_form(harness: Harness, core: Core) -> None:
    await run_questionnaire(harness, ALEX, SCRIPT_EN, guild=True, locale="en-US")
    calls = await harness.slash(ALEX, "reminders", locale="en-US")
    menu = last_question(calls)
    assert all(len(row["components"]) <= 5 for row in menu["components"]) and len(menu["components"]) <= 5
    calls = await harness.press(ALEX, choice_values(menu)["r:z"][0], message=menu, locale="en-US")
    zones = last_question(calls)
    calls = await harness.press(ALEX, choice_values(zones)["r:z:type"][0], message=zones, locale="en-US")
    modal = opened_form(calls)  # typing the zone: the form opens at once, the prompt in it
    assert modal is not None and [i["component"]["custom_id"] for i in form_inputs(modal)] == ["answer"]
    assert "zone" in form_text(modal).lower()
    assert modal["custom_id"].split("|")[3] == "-"  # a prompt outside the questionnaire
    calls = await harness.submit(ALEX, modal["custom_id"], "Asia/Makassar", message=zones, locale="en-US")
    assert any("Time zone set to" in m["content"] for m in messages(calls))
    assert not [c for c in calls if c.kind == "followup"]  # the menu's message shows it: no new message
    calls = await harness.slash(ALEX, "progress", locale="en-US")
    assert messages(calls) and private_in_server(calls)


async def test_connect_logs_in_syncs_and_disconnects_cleanly(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    import aiohttp

    from discord_fakes import FakeHTTP

    http = FakeHTTP()
    monkeypatch.setattr(aiohttp, "ClientSession", lambda *a, **kw: http)  # login builds its session from this
    adapter = DiscordAdapter(core, Config(discord_token="not-a-real-token", discord_guild_id=GUILD_ID))
    await adapter.connect()
    assert [c.path for c in http.calls][:2] == ["/users/@me", "/oauth2/applications/@me"]
    assert [c.path for c in http.calls if c.kind == "sync"] == [f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"]
    assert adapter.client.application_id == APP_ID
    intents = adapter.client.intents
    assert intents.dm_messages and not (intents.members or intents.presences or intents.message_content)
    await adapter.disconnect()
    assert adapter.client.is_closed()
    await adapter.disconnect()  # twice is harmless


async def test_connect_without_a_token_refuses(core: Core) -> None:
    with pytest.raises(RuntimeError):
        await DiscordAdapter(core, Config()).connect()


def test_core_texts_name_the_commands_the_user_sees_in_discord() -> None:
    from bot.adapters.discord_commands import localize_commands
    from bot.i18n import Catalog

    cat = Catalog()
    assert localize_commands("Ketik /start atau /back.", "id", cat) == "Ketik /mulai atau /kembali."
    assert localize_commands("Type /start or /back.", "en", cat) == "Type /start or /back."
    assert localize_commands("lihat https://t.co/start", "id", cat) == "lihat https://t.co/start"


async def test_disconnect_lets_a_running_handler_finish(harness: Harness, core: Core) -> None:
    import asyncio

    adapter = harness.adapter
    gate = asyncio.Event()
    real_handle = core.handle

    async def slow_handle(inbound):  # type: ignore[no-untyped-def]
        await gate.wait()
        return await real_handle(inbound)

    core.handle = slow_handle  # type: ignore[method-assign]
    try:
        pending = asyncio.create_task(harness.dm(SARI, "halo"))
        for _ in range(50):
            await asyncio.sleep(0)
            if adapter.inflight.tasks:
                break
        assert adapter.inflight.tasks, "the DM handler should be running"
        closing = asyncio.create_task(adapter.disconnect())
        for _ in range(20):
            await asyncio.sleep(0)
        assert not closing.done()  # it waits for the answer in flight
        gate.set()
        calls = await pending
        await closing
        assert "Langkah 1/" in calls[-1].content
    finally:
        core.handle = real_handle  # type: ignore[method-assign]


async def test_english_in_a_server_is_as_short(harness: Harness, core: Core) -> None:
    calls = await run_questionnaire(harness, ALEX, SCRIPT_EN, guild=True, locale="en-US")
    text, _ = plan_calls(calls)
    assert harness.interactions <= interaction_budget() and len(harness.http.created) <= message_budget(text)
    flow, answers = await state_of(core, ALEX["id"])
    assert flow.status == "done" and answers["goal_10y"] is None and answers["competitors"] is None


async def walk_to_the_vision_form(h: Harness) -> tuple[dict[str, Any], dict[str, Any]]:
    """Answer the first section as Alex; the purposes select then opens the form of the next section."""
    calls = await h.slash(ALEX, "start", locale="en-US")
    question = last_question(calls)
    opened = await h.press(ALEX, open_button(question) or "", message=question, locale="en-US")
    calls = await h.submit(ALEX, opened_form(opened)["custom_id"], {"name": "Alex Rivera"}, message=question,
                           locale="en-US")
    for pick in ("a:role:professional", "t:platforms_now:linkedin", "a:team:alone", "t:purposes:exist"):
        question = last_question(calls)
        custom_id, comp = choice_values(question)[pick]
        calls = await h.press(ALEX, custom_id, values=[pick] if comp["type"] == 3 else None, message=question,
                              locale="en-US")
    modal = opened_form(calls)
    assert modal is not None
    return modal, question


async def test_one_form_asks_a_sections_questions_in_full_and_keeps_values(harness: Harness, core: Core) -> None:
    modal, question = await walk_to_the_vision_form(harness)
    steps = [i["component"]["custom_id"] for i in form_inputs(modal)]
    assert steps == ["vision", "mission", "goal_5y", "goal_10y"]
    shown = form_text(modal)
    for step in steps:  # every question in full, labelled with its short form
        assert core.catalog.t("en", f"q.{step}.prompt") in shown and core.catalog.t("en", f"q.{step}.short") in shown
    assert "press Done" not in question["content"] and core.catalog.t("en", "discord.hint.multi") not in shown
    filled = {"vision": "The go-to data coach for small businesses", "mission": "short",
              "goal_5y": "Run workshops for 500 small businesses", "goal_10y": ""}
    calls = await harness.submit(ALEX, modal["custom_id"], filled, message=question, locale="en-US")
    flow, answers = await state_of(core, ALEX["id"])
    assert answers["vision"] == filled["vision"] and "mission" not in answers and flow.step == "mission"
    shown_now = last_question(calls)
    assert "Mission" in shown_now["content"] and "✅" in shown_now["content"]  # the error names the field
    assert len(harness.http.created) == 1  # still the one message
    again = await harness.press(ALEX, open_button(shown_now) or "", message=shown_now, locale="en-US")
    form = opened_form(again)
    assert form is not None
    inputs = {i["component"]["custom_id"]: i for i in form_inputs(form)}
    assert list(inputs) == ["mission", "goal_5y", "goal_10y"]
    assert inputs["mission"]["component"]["value"] == "short" and "⚠️" in form_text(form)
    assert inputs["goal_5y"]["component"]["value"] == filled["goal_5y"]  # the other values are kept
    filled = {"mission": "Teach one practical data trick every week", "goal_5y": filled["goal_5y"], "goal_10y": ""}
    await harness.submit(ALEX, form["custom_id"], filled, message=shown_now, locale="en-US")
    flow, answers = await state_of(core, ALEX["id"])
    assert answers["mission"] == filled["mission"] and answers["goal_10y"] is None and flow.step == "segments"
    # Someone else's form: the notice names a form, not a button.
    out = await harness.submit(EVE, form["custom_id"], {"mission": "hijack"}, message=shown_now, locale="en-US")
    assert "form belongs to someone else" in out[0].content and "button" not in out[0].content


async def test_a_dismissed_form_leaves_no_message_behind_the_user(harness: Harness, core: Core) -> None:
    """The purposes select opens the vision form at once (the message still shows purposes: Discord allows no edit
    with a form); the user closes the form without an event. A press on that message then draws where they are."""
    modal, question = await walk_to_the_vision_form(harness)
    assert step_of(question) == "purposes"
    custom_id, _ = choice_values(question)["t:purposes:engage"]
    calls = await harness.press(ALEX, custom_id, values=["t:purposes:engage"], message=question, locale="en-US")
    edited = [c for c in calls if c.kind == "edit_original"]
    assert edited and not [c for c in calls if c.kind == "followup"]  # the pressed message itself, no new one
    now = showing(harness, calls)
    assert now is not None and step_of(now) == "vision" and open_button(now)
    assert "expired" in now["content"] and core.catalog.t("en", "q.vision.prompt") in now["content"]
    flow, answers = await state_of(core, ALEX["id"])
    assert answers["purposes"] == ["exist"] and flow.step == "vision"  # nothing changed
    # from there the form opens again and its answer moves on
    opened = await harness.press(ALEX, open_button(now) or "", message=now, locale="en-US")
    form = opened_form(opened)
    assert form is not None
    await harness.submit(ALEX, form["custom_id"], {"vision": "The go-to data coach for small businesses",
                                                   "mission": "Teach one practical data trick every week",
                                                   "goal_5y": "Run workshops for 500 small businesses",
                                                   "goal_10y": ""}, message=now, locale="en-US")
    flow, _ = await state_of(core, ALEX["id"])
    assert flow.step == "segments"


async def test_a_refused_press_on_the_current_question_only_gets_the_notice(harness: Harness, core: Core) -> None:
    calls = await harness.slash(SARI, "start")
    question = last_question(calls)
    calls = await harness.press(SARI, "bc|" + SARI["id"] + "|btn|a:role:nope", message=question)
    assert [c.kind for c in calls if c.kind in ("edit_original", "followup")] == ["followup"]


async def test_a_slow_core_still_acknowledges_the_press(harness: Harness, core: Core) -> None:
    import asyncio

    calls = await harness.slash(SARI, "start")
    question = last_question(calls)
    gate = asyncio.Event()
    real_handle = core.handle

    async def slow_handle(inbound):  # type: ignore[no-untyped-def]
        await gate.wait()
        return await real_handle(inbound)

    harness.adapter.ack_budget = 0.01
    core.handle = slow_handle  # type: ignore[method-assign]
    try:
        pressing = asyncio.create_task(harness.press(SARI, open_button(question) or "", message=question))
        while not any(c.kind == "callback" for c in harness.http.calls[len(calls):]):
            await asyncio.sleep(0.005)
        gate.set()
        out = await pressing
        assert out[0].kind == "callback" and out[0].json["type"] == 6  # deferred, the question shown in place
    finally:
        core.handle = real_handle  # type: ignore[method-assign]


async def test_sync_only_when_the_commands_changed(core: Core, tmp_path: Any) -> None:
    from bot.adapters.discord_sync import sync_state_path

    adapter = DiscordAdapter(core, Config(discord_guild_id=GUILD_ID))
    h = await Harness.create(adapter)
    try:
        assert await adapter.sync_commands(force=False) is not None  # first start: synced
        assert await adapter.sync_commands(force=False) is None      # unchanged: not again
        path = sync_state_path(core.db_file())
        assert path is not None and str(GUILD_ID) in open(path).read()
        # Going global clears the development copies in that guild (no command shown twice).
        global_adapter = DiscordAdapter(core, Config())
        g = await Harness.create(global_adapter)
        try:
            await global_adapter.sync_commands(force=False)
            puts = [(c.path, c.json) for c in g.http.calls if c.kind == "sync"]
            assert (f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands", []) in puts
        finally:
            await global_adapter.disconnect()
    finally:
        await adapter.disconnect()
    assert h.interactions == 0


def test_a_bad_guild_id_is_a_clear_error() -> None:
    from bot.config import ConfigError, from_env

    with pytest.raises(ConfigError, match="DISCORD_GUILD_ID"):
        from_env({"DISCORD_GUILD_ID": "my-server"})
    assert from_env({"DISCORD_GUILD_ID": str(GUILD_ID)}).discord_guild_id == GUILD_ID
    assert from_env({}).discord_guild_id is None


def test_the_sync_record_of_a_postgresql_database_is_a_file_in_the_working_directory(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.adapters.discord_sync import load_state, save_state, sync_state_path
    from bot.backends import open_storage

    monkeypatch.chdir(tmp_path)
    url = "postgresql://brandcoach:s3cret-pw@db.internal:5432/brandcoach"
    path = sync_state_path(Core(open_storage(url)).db_file())
    assert path == str(tmp_path / "brandcoach-postgresql.discord-commands.json")  # not a file named after the URL
    save_state(path, {f"{APP_ID}:global": "abc"})
    assert load_state(path) == {f"{APP_ID}:global": "abc"}  # written, so the next start does not sync again
    assert [p.name for p in tmp_path.iterdir()] == ["brandcoach-postgresql.discord-commands.json"]
