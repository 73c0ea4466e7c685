"""/check alone waits for a draft; a command that then shows a question (/back, /skip on a required question, /start,
an unknown command) makes the next message that question's answer, never a draft to check."""
from __future__ import annotations

import pytest

from bot.core import Core
from handlers import steps as S
from nudge_helpers import cmd, keys, say
from test_typed_input import GOAL, at, flow_of

FIRST = S.next_step({}, None)
NAMES = ["Andi Wijaya", "Bu Ratna", "nadia.glowup", "Om Yos"]


@pytest.mark.parametrize("name", NAMES)
async def test_back_at_the_first_question_after_check_takes_the_answer(core: Core, name: str) -> None:
    assert FIRST is not None
    user = await at(core, FIRST.id, f"chk-back-{name}", "id")
    assert keys(await cmd(core, user, "check")) == ["check.ask"]
    await cmd(core, user, "back")
    out = await say(core, user, name)
    assert "check.title" not in keys(out)
    flow = await flow_of(core, user)
    assert flow.awaits is None
    stored = (await core.storage.answers(user.id)).get(FIRST.id)
    assert stored == name or flow.draft is not None  # kept, or offered back as a name to confirm


@pytest.mark.parametrize("command", [("skip",), ("start",), ("nosuchcommand",)])
async def test_a_command_that_shows_the_question_forgets_the_awaited_draft(core: Core, command: tuple[str]) -> None:
    user = await at(core, GOAL.id, f"chk-{command[0]}", "id")
    await cmd(core, user, "check")
    await cmd(core, user, *command)
    out = await say(core, user, "Jadi guru les yang dipercaya orang tua di kota, dengan 100 murid")
    assert "check.title" not in keys(out)
    assert GOAL.id in await core.storage.answers(user.id)
