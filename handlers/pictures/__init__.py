"""Pictures people keep and share: the plan card (PNG), the plan as a PDF, and the progress chart (PNG).

Other features call the hooks: the plan adds `plan_pictures`, /progress adds `progress_picture`; /card sends the
card alone. Drawing runs in a worker thread (it takes tens of milliseconds), and a failure to draw never loses the
text reply: it is logged and the user is told the text has everything.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.context import Context
from bot.router import Router
from bot.types import OutFile

log = logging.getLogger(__name__)
Tr = Callable[..., str]
CHART_WEEKS = 12
PNG, PDF = "image/png", "application/pdf"


def card_file(answers: Mapping[str, Any], t: Tr) -> OutFile:
    """The plan card as a PNG file (pure but for the drawing)."""
    from handlers.pictures.card import card_facts, render_card

    return OutFile(t("pic.card.file_name"), render_card(card_facts(answers, t)).png, PNG)


def pdf_file(title: str, sections: Sequence[Any], t: Tr, when: datetime) -> OutFile:
    """The whole plan as a PDF file: every section the plan has, in order."""
    from handlers.pictures.pdf import render_pdf

    made = t("pic.pdf.made", date=when.strftime("%Y-%m-%d"))
    return OutFile(t("pic.pdf.file_name"), render_pdf(title, made, sections, "brandcoach"), PDF)


def chart_file(checkins: Sequence[Mapping[str, object]], current_week: str, prev_week: Callable[[str], str],
               cadence: Any, streak: int, t: Tr) -> OutFile:
    """The progress chart of the last CHART_WEEKS weeks as a PNG file."""
    from handlers.pictures.chart import chart_weeks, render_chart, weeks_back

    target = int(cadence) if str(cadence or "").isdigit() else None
    weeks = chart_weeks(checkins, weeks_back(current_week, CHART_WEEKS, prev_week))
    return OutFile(t("pic.chart.file_name"), render_chart(weeks, target, streak, t).png, PNG)


async def _drawn(ctx: Context, draw: Callable[[], list[OutFile]]) -> list[OutFile]:
    """The files drawn in a worker thread; none (and a note to the user) if drawing failed."""
    try:
        return await asyncio.to_thread(draw)
    except Exception:
        log.exception("drawing a picture failed")
        ctx.say("pic.failed")
        return []


async def plan_pictures(ctx: Context, answers: Mapping[str, Any], title: str, sections: Sequence[Any]) -> None:
    """Hook for the plan: the card (a photo) and the PDF (a document) after the plan's text."""
    now = ctx.storage.clock.now()
    files = await _drawn(ctx, lambda: [card_file(answers, ctx.t), pdf_file(title, sections, ctx.t, now)])
    for file, caption in zip(files, ("pic.card.caption", "pic.pdf.caption")):
        ctx.say(caption, file=file)


async def progress_picture(ctx: Context, checkins: Sequence[Mapping[str, object]], current_week: str,
                           prev_week: Callable[[str], str], streak: int) -> None:
    """Hook for /progress: the chart after the text summary (the cadence answer gives the target line)."""
    cadence = (await ctx.storage.answers(ctx.user.id)).get("cadence")
    files = await _drawn(ctx, lambda: [chart_file(checkins, current_week, prev_week, cadence, streak, ctx.t)])
    for file in files:
        ctx.say("pic.chart.caption", file=file)


async def cmd_card(ctx: Context) -> None:
    """/card: the plan card alone (once the questionnaire has been confirmed)."""
    flow = ctx.flow if ctx.flow is not None else await ctx.storage.get_flow(ctx.user.id)
    if flow is None or (flow.status != "done" and not flow.planned_at):
        ctx.say("pic.no_plan")
        return
    answers = await ctx.storage.answers(ctx.user.id)
    for file in await _drawn(ctx, lambda: [card_file(answers, ctx.t)]):
        ctx.say("pic.card.caption", file=file)


def register(router: Router) -> None:
    router.command("card", cmd_card)
