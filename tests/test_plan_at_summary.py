"""/plan at the summary screen (every question answered, not yet confirmed) says the summary waits for a yes and
names the button, in every catalog; never 'you're at step N of N'."""
from __future__ import annotations

import pytest

import answers as A
from bot.core import Core
from bot.storage import Flow
from conftest import PERSONA_ID
from nudge_helpers import cmd, keys, say


@pytest.mark.parametrize("lang", ["id", "en", "id-formal"])
async def test_plan_at_the_summary_asks_to_confirm_it(core: Core, lang: str) -> None:
    user = await core.storage.get_or_create_user("fake", f"summary-{lang}", "Sari")
    await core.storage.update_user(user.id, language=lang, language_pinned=1)
    for step, value in A.script(PERSONA_ID, "en" if lang == "en" else "id"):
        await core.storage.save_answer(user.id, step.id, A.stored(value))
    await core.storage.save_flow(Flow(user.id, "confirm", None, None, None, None))
    out = await cmd(core, user, "plan")
    assert keys(out) == ["plan.confirm_first"]
    assert "{" not in out[0].text and "/start" in out[0].text
    assert core.catalog.t(lang, "btn.confirm") in out[0].text  # the button the summary shows, by its label
    out = await say(core, user, "yes" if lang == "en" else "ya")
    assert "plan.title" in keys(out)  # the yes it asks for makes the plan
