"""Discord slash commands the bot does not know (or that fail) are answered at once, never left hanging."""
from __future__ import annotations


import re

import pytest
from discord_fakes import EPHEMERAL, Call, Harness, user_payload

from bot.core import Core

SARI = user_payload("111111111111111111", "Sari")
CALLBACK_MESSAGE = 4  # InteractionResponseType.channel_message: an immediate reply, not a deferral



def first_callback(calls: list[Call]) -> Call:
    callbacks = [c for c in calls if c.kind == "callback"]
    assert callbacks, f"the interaction was never acknowledged: {[c.path for c in calls]}"
    return callbacks[0]


@pytest.mark.parametrize(("locale", "text", "help_name"), [
    ("id", "Perintah ini sudah tidak berlaku atau tidak kukenal.", "/bantuan"),
    ("en-US", "This command is outdated or unknown.", "/help"),
])
async def test_unknown_command_gets_an_immediate_ephemeral_pointer_to_help(
        harness: Harness, core: Core, locale: str, text: str, help_name: str) -> None:
    calls = await harness.slash(SARI, "renamed-long-ago", guild=True, locale=locale)
    callback = first_callback(calls)
    assert callback.json["type"] == CALLBACK_MESSAGE  # answered in the first response, within Discord's 3 s
    assert callback.flags & EPHEMERAL
    assert text in callback.content and help_name in callback.content
    assert await core.storage.find_user("discord", SARI["id"]) is None  # nothing reached the core


async def test_unknown_command_in_a_dm_is_answered_too(harness: Harness) -> None:
    callback = first_callback(await harness.slash(SARI, "mulai-lama", guild=False, locale="id"))
    assert callback.json["type"] == CALLBACK_MESSAGE and "/bantuan" in callback.content


async def test_a_command_that_fails_before_answering_gets_the_notice(harness: Harness,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(harness.adapter, "_run_command", broken)
    callback = first_callback(await harness.slash(SARI, "help", guild=True, locale="en-US"))
    assert callback.json["type"] == CALLBACK_MESSAGE and callback.flags & EPHEMERAL
    assert "outdated or unknown" in callback.content


async def test_a_command_that_fails_after_deferring_gets_a_followup(harness: Harness,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = harness.adapter

    async def half(interaction: object, name: str, args: tuple[str, ...], text: str) -> None:
        await adapter._defer(interaction, thinking=True)  # type: ignore[arg-type]
        raise RuntimeError("boom after the deferral")

    monkeypatch.setattr(adapter, "_run_command", half)
    calls = await harness.slash(SARI, "help", guild=True, locale="en-US")
    followups = [c for c in calls if c.kind == "followup"]
    assert len(followups) == 1 and "outdated or unknown" in followups[0].content
    assert followups[0].flags & EPHEMERAL



def longest_run(text: str, char: str) -> int:
    """The longest stretch of `char` in `text`."""
    return max((len(run) for run in re.findall(f"{re.escape(char)}+", text)), default=0)


async def test_a_refused_form_value_is_kept_only_as_long_as_its_field(harness: Harness, core: Core) -> None:
    """A forged form value far longer than its field is refused and kept for the form to show again, but only as
    much of it as the field can hold: never the whole forged value in the flow."""
    await harness.slash(SARI, "start")
    calls = await harness.slash(SARI, "answer")
    modal = calls[0].json["data"]
    field = modal["components"][0]["component"]
    limit = field["max_length"]
    forged = "x" * 10_000
    calls = await harness.submit(SARI, modal["custom_id"], {field["custom_id"]: forged}, message=None)
    user = await core.storage.find_user("discord", SARI["id"])
    assert user is not None and field["custom_id"] not in await core.storage.answers(user.id)  # refused
    flow = await core.storage.get_flow(user.id)
    assert longest_run(repr(flow.draft), "x") == limit  # what the field holds is kept, never more
    calls = await harness.slash(SARI, "answer")  # the form again: the kept value, cut to the field
    again = calls[0].json["data"]["components"]
    shown = next(c["component"] for c in again if c.get("component", {}).get("custom_id") == field["custom_id"])
    assert shown["value"] == "x" * limit


async def test_a_time_zone_picked_under_the_plan_leaves_the_plan_in_place(harness: Harness, core: Core) -> None:
    """The zone question asked right after the plan shares the plan's last message; picking a zone there must not
    replace that message (the week's calendar, the notes): its buttons go, the confirmation comes as a new one."""
    from discord_fakes import choice_values
    from test_discord import SCRIPT_ID, run_questionnaire, showing

    calls = await run_questionnaire(harness, SARI, SCRIPT_ID, guild=False, locale="id")
    under_plan = showing(harness, calls)
    assert under_plan is not None
    zones = {value: cid for value, (cid, _) in choice_values(under_plan).items() if value.startswith("r:z:")}
    assert zones, "no zone question under the plan"
    before = under_plan["content"]
    calls = await harness.press(SARI, next(iter(zones.values())), message=under_plan, guild=False, locale="id")
    kept = harness.http.messages.get(under_plan["id"], under_plan)
    assert kept["content"] == before and not kept.get("components")  # the plan's text stays; its buttons go
    said = [c.content for c in calls if c.kind in ("followup", "channel_message")]
    head = core.catalog.t("id", "rem.zone_set", zone="\0", now="\0").split("\0")[0]
    assert any(head in text for text in said), said
