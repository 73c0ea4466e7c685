"""The user's data: /export (everything stored, as JSON), /reset and /delete (after a confirmation)."""
from __future__ import annotations

import json

from bot.context import Context
from bot.router import Router
from bot.storage import Flow
from bot.types import Choice, OutFile
from handlers import questionnaire as Q

ACTIONS = ("reset", "delete")


def ask_confirmation(ctx: Context, action: str) -> None:
    ctx.say(f"confirm.{action}", expects="choice", choices=(
        Choice(f"x:{action}:yes", ctx.t(f"btn.{action}_yes")), Choice(f"x:{action}:no", ctx.t("btn.no"))))


async def _ask(ctx: Context, action: str) -> None:
    flow = await ctx.storage.get_flow(ctx.user.id)
    if flow is None:
        flow = Flow(ctx.user.id, "paused", None, None, [], None)
    flow.pending = action
    await ctx.storage.save_flow(flow)
    ask_confirmation(ctx, action)


async def cmd_reset(ctx: Context) -> None:
    await _ask(ctx, "reset")


async def cmd_delete(ctx: Context) -> None:
    await _ask(ctx, "delete")


async def on_confirm(ctx: Context) -> None:
    """x:<action>:yes|no — only valid while that confirmation is pending."""
    bits = ctx.inbound.choice.split(":")
    flow = await ctx.storage.get_flow(ctx.user.id)
    if len(bits) != 3 or bits[1] not in ACTIONS or bits[2] not in ("yes", "no") or flow is None \
            or flow.pending != bits[1]:
        ctx.say("err.stale_button")
        return
    action, yes = bits[1], bits[2] == "yes"
    flow.pending = None
    if not yes:
        await ctx.storage.save_flow(flow)
        ctx.say("confirm.cancelled")
        answers = await ctx.storage.answers(ctx.user.id)
        if flow.step is None and not answers and flow.status != "done":
            ctx.say("hint.start")  # nothing begun yet: /start gives the intro
        else:
            await Q.resume(ctx, flow, answers)
        return
    if action == "delete":
        ctx.say("privacy.deleted")
        await ctx.storage.delete_user(ctx.user.id)
        return
    await ctx.storage.clear_answers(ctx.user.id)
    ctx.say("privacy.reset_done")
    await Q.begin(ctx)


async def cmd_export(ctx: Context) -> None:
    data = await ctx.storage.export_user(ctx.user.id)
    for answer in data.get("answers", []):
        answer["value"] = json.loads(answer["value"])
    blob = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    ctx.say("privacy.export", file=OutFile("brandcoach-data.json", blob, "application/json"))


def register(router: Router) -> None:
    router.commands.update({"reset": cmd_reset, "delete": cmd_delete, "export": cmd_export})
    router.choices["x"] = on_confirm
