"""/stats for the admins named in BRANDCOACH_ADMINS: counts only, never personal data."""
from __future__ import annotations

from bot.context import Context
from bot.features import Command, Feature


async def cmd_stats(ctx: Context) -> None:
    who = f"{ctx.user.platform}:{ctx.user.platform_user_id}"
    if who not in ctx.core.admins:
        ctx.say("stats.refused")
        return
    counts = await ctx.storage.counts()
    lines = [ctx.t("stats.title")]
    lines += [ctx.t("stats.users", platform=p, count=n) for p, n in sorted(counts.users.items())]
    lines += [ctx.t("stats.flows", status=s, count=n) for s, n in sorted(counts.flows.items())]
    lines.append(ctx.t("stats.unreachable", count=counts.unreachable))
    lines += [ctx.t("stats.rows", table=t, count=n) for t, n in sorted(counts.rows.items())]
    ctx.say("stats.title", text="\n".join(lines))


FEATURE = Feature("admin", commands=(Command("stats", cmd_stats, menu=False),))
