"""General commands: /start, /help, /cancel; unknown commands and non-text messages."""
from __future__ import annotations

from bot.context import Context
from bot.features import Command, Feature
from bot.router import Router
from handlers import questionnaire as Q


async def cmd_start(ctx: Context) -> None:
    """Begin the questionnaire, or pick up exactly where the user left off."""
    flow, answers = await Q.load(ctx)
    if flow is None or (not answers and flow.step is None and flow.status != "done"):
        await Q.begin(ctx)  # new here (perhaps after a cancelled /reset or /delete): the intro, then question 1
        return
    if flow.awaits:
        flow.awaits = flow.awaits_at = None  # /start drops any open confirmation or typed setting
        await ctx.save_flow(flow)
    if flow.status == "paused":
        # paused at the summary (no open step, answers given): back to the summary, not to question 1
        flow.status = "confirm" if flow.step is None and answers else "active"
        await ctx.save_flow(flow)
    if flow.status == "active":
        ctx.say("flow.welcome_back")
    await Q.resume(ctx, flow, answers)


async def cmd_help(ctx: Context) -> None:
    lines = [ctx.t("help.title")] + [f"/{name} — {ctx.t(f'cmd.{name}')}" for name in ctx.core.commands()]
    ctx.say("help.title", text="\n".join(lines))


async def cmd_cancel(ctx: Context) -> None:
    """Pause the questionnaire; answers stay."""
    flow = ctx.flow
    if flow is None or flow.status not in ("active", "confirm") and not Q.confirming(flow):
        ctx.say("flow.nothing_to_cancel")
        return
    if Q.confirming(flow):
        flow.awaits = flow.awaits_at = None
        await ctx.save_flow(flow)
        ctx.say("confirm.cancelled")
        await Q.resume(ctx, flow, await ctx.storage.answers(ctx.user.id))
        return
    flow.status = "paused"
    await ctx.save_flow(flow)
    ctx.say("flow.paused")


async def on_unknown_command(ctx: Context) -> None:
    ctx.say("err.unknown_command", command=ctx.inbound.command[:40])
    await Q.reprompt(ctx)


async def on_other(ctx: Context) -> None:
    """Stickers, photos, voice...: a short re-ask in the user's language."""
    ctx.say("err.not_text")
    await Q.reprompt(ctx)


def _default_routes(router: Router) -> None:
    router.unknown_command = on_unknown_command
    router.other = on_other


FEATURE = Feature("commands", commands=(Command("start", cmd_start), Command("cancel", cmd_cancel),
                                        Command("help", cmd_help)), setup=_default_routes)
