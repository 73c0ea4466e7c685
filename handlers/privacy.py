"""The user's data: /export (everything stored, as JSON), /reset and /delete (after a confirmation)."""
from __future__ import annotations

import json

from bot.actions import Action, action
from bot.context import Context
from bot.features import Command, Feature
from bot.router import Awaited
from bot.state import Confirmation, awaits
from bot.types import Choice, OutFile
from handlers import lexicon as L
from handlers import questionnaire as Q
from handlers.events import AnswersReset, UserDeleted

ACTIONS = ("reset", "delete")


@awaits("confirm:{what}")
class Confirm(Confirmation):
    """A typed yes or no to the open reset or delete (`what`)."""

    what: str


@action("x:{what}:yes", role="danger")
class ConfirmDanger(Action):
    what: str


@action("x:{what}:no", role="navigation")
class CancelDanger(Action):
    what: str


def ask_confirmation(ctx: Context, what: str) -> None:
    ctx.say(f"confirm.{what}", expects="choice", choices=(
        Choice(ConfirmDanger(what), ctx.t(f"btn.{what}_yes")), Choice(CancelDanger(what), ctx.t("btn.no"))))


async def _ask(ctx: Context, what: str) -> None:
    await ctx.expect(Confirm(what))
    ask_confirmation(ctx, what)


async def on_typed(ctx: Context) -> None:
    """Text while a confirmation is open: a yes or a no as people say it decides; anything else asks again."""
    what = ctx.awaits.what if isinstance(ctx.awaits, Confirm) else ""
    said = L.yes_no(ctx.inbound.text)
    if said is not None and what in ACTIONS:
        await _decide(ctx, what, said)
        return
    ctx.say("confirm.use_buttons")
    ask_confirmation(ctx, what)


async def cmd_reset(ctx: Context) -> None:
    await _ask(ctx, "reset")


async def cmd_delete(ctx: Context) -> None:
    await _ask(ctx, "delete")


async def on_confirm(ctx: Context) -> None:
    """Yes or no to a reset or delete: only valid while that confirmation is open."""
    act = ctx.action
    if not isinstance(act, (ConfirmDanger, CancelDanger)) or ctx.awaits != Confirm(act.what):
        ctx.refuse("err.stale_button")
        return
    await _decide(ctx, act.what, isinstance(act, ConfirmDanger))


async def _decide(ctx: Context, what: str, yes: bool) -> None:
    """Carry out (or cancel) the open reset or delete."""
    flow = ctx.flow
    assert flow is not None
    flow.awaits = flow.awaits_at = None
    if not yes:
        await ctx.save_flow(flow)
        ctx.say("confirm.cancelled")
        answers = await ctx.storage.answers(ctx.user.id)
        if flow.step is None and not answers and flow.status != "done":
            ctx.say("hint.start")  # nothing begun yet: /start gives the intro
        else:
            await Q.resume(ctx, flow, answers)
        return
    if what == "delete":
        ctx.say("privacy.deleted")
        await ctx.storage.delete_user(ctx.user.id)
        ctx.flow = None
        await ctx.emit(UserDeleted())
        return
    await ctx.storage.clear_answers(ctx.user.id)
    await ctx.emit(AnswersReset())
    ctx.say("privacy.reset_done")
    await Q.begin(ctx)


async def cmd_export(ctx: Context) -> None:
    data = await ctx.storage.export_user(ctx.user.id)
    for answer in data.get("answers", []):
        answer["value"] = json.loads(answer["value"])
    blob = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    ctx.say("privacy.export", file=OutFile("brandcoach-data.json", blob, "application/json"))


FEATURE = Feature(
    "privacy",
    commands=(Command("reset", cmd_reset), Command("export", cmd_export), Command("delete", cmd_delete)),
    actions={ConfirmDanger: on_confirm, CancelDanger: on_confirm},
    awaits={Confirm: Awaited(on_typed, language_evidence=False)},  # a typed yes or no is an option word
    publishes=(AnswersReset, UserDeleted),
)
