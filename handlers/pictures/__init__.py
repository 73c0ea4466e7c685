"""Pictures people keep and share: the plan card (PNG), the plan as a PDF, and the progress chart (PNG).

Other features call the hooks: the plan adds `plan_pictures`, /progress adds `progress_picture`; /card sends the
card alone. The texts are prepared here; drawing runs away from the event loop (`pool.py`: one drawing thread by
default, ~45 ms of CPU a plan; a process pool if configured), and a failure to draw never loses the text reply: it
is logged and the user is told the text has everything. The plan's pictures do not hold its text back: they follow
as their own messages once drawn (`ctx.later`), and the plan's text says how to get them again. While they are
still being drawn or sent, /card and /plan do not draw them again: they say they are on the way
(the follow-up's name, in this process's memory: a restart clears it, see bot/followups.py).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.types import OutFile
from handlers.pictures import pool

if TYPE_CHECKING:  # the drawing worker imports this package: it needs no context or router (~11 MB)
    from bot.context import Context

log = logging.getLogger(__name__)
Tr = Callable[..., str]
CHART_WEEKS = 12
PNG, PDF = "image/png", "application/pdf"


def card_facts(answers: Mapping[str, Any], t: Tr, when: Any = None, contact: str = "") -> Any:
    """What the card shows, in the user's language (plain data: it can be drawn in another process); `when` is the
    user's posting schedule (handlers/plan/posting.py), else it is worked out from the answers; `contact` is the
    user's name on the chat platform, shown as the handle line when the name answer holds no handle."""
    from handlers.pictures.card import card_facts as facts

    return facts(answers, t, when, contact)


POSTING_PROVIDER = "reminders.posting"  # the user's one posting schedule, offered by the reminders feature


async def user_posting(ctx: Context) -> Any:
    """The user's posting schedule through the reminders' provider (None without one: worked out from answers)."""
    provider = ctx.core.router.providers.get(POSTING_PROVIDER)
    return await provider(ctx.storage, ctx.user.id) if provider is not None else None


def card_png(facts: Any) -> bytes:
    """Draw the card (runs in the drawing pool)."""
    from handlers.pictures.card import render_card

    return render_card(facts).png


def pdf_bytes(title: str, made: str, sections: Sequence[Any]) -> bytes:
    """Write the PDF (runs in the drawing pool)."""
    from handlers.pictures.pdf import render_pdf

    return render_pdf(title, made, [_plain(s) for s in sections], "brandcoach")


def _plain(section: Any) -> Any:
    """A section as plain data (title and lines), whatever feature made it."""
    from types import SimpleNamespace

    return SimpleNamespace(title=str(section.title), lines=[str(line) for line in section.lines])


def card_file(answers: Mapping[str, Any], t: Tr, when: Any = None, contact: str = "") -> OutFile:
    """The plan card as a PNG file, drawn here (for the command line and tests)."""
    return OutFile(t("pic.card.file_name"), card_png(card_facts(answers, t, when, contact)), PNG)


def pdf_file(title: str, sections: Sequence[Any], t: Tr, when: datetime) -> OutFile:
    """The whole plan as a PDF file: every section the plan has, in order."""
    made = t("pic.pdf.made", date=when.strftime("%Y-%m-%d"))
    return OutFile(t("pic.pdf.file_name"), pdf_bytes(title, made, sections), PDF)


def chart_file(checkins: Sequence[Mapping[str, object]], current_week: str, prev_week: Callable[[str], str],
               cadence: Any, streak: int, t: Tr) -> OutFile:
    """The progress chart of the last CHART_WEEKS weeks as a PNG file."""
    from handlers.pictures.chart import chart_weeks, render_chart, weeks_back

    target = int(str(cadence)) if str(cadence or "").isdigit() else None
    weeks = chart_weeks(checkins, weeks_back(current_week, CHART_WEEKS, prev_week))
    return OutFile(t("pic.chart.file_name"), render_chart(weeks, target, streak, t).png, PNG)


async def _drawn(ctx: Context, draw: Callable[[], Awaitable[list[OutFile]]],
                 failed: str = "pic.failed") -> list[OutFile]:
    """The files `draw` makes (away from the event loop); none, and a note to the user, if drawing failed."""
    try:
        return await draw()
    except Exception:
        log.exception("drawing a picture failed")
        ctx.say(failed)
        return []


def _coming_name(ctx: Context) -> str:
    """The follow-up that draws and sends this user's plan pictures."""
    return f"plan-pictures:{ctx.user.id}"


def pictures_coming(ctx: Context) -> bool:
    """Whether this user's plan pictures are still being drawn or sent."""
    return ctx.core.follow_ups.under_way(_coming_name(ctx))


PlanParts = Callable[["Context"], Awaitable[tuple[Mapping[str, Any], str, Sequence[Any]] | None]]


def plan_pictures(ctx: Context, parts: PlanParts) -> str:
    """Hook for the plan: the card (a photo) and the PDF (a document) follow the plan's text as their own messages
    once drawn; the text never waits for them. `parts` gives (answers, title, sections) when the drawing's turn
    comes (None: no plan any more), so that a drawing waiting for its turn holds no plan. Returns a line for the
    plan's reply: they are coming, and how to get them again if they never do (a failed drawing, a restart); or,
    while the last ones are still on their way, that they are (nothing is drawn again)."""
    if pictures_coming(ctx):
        return ctx.t("pic.on_the_way")
    made = ctx.t("pic.pdf.made", date=ctx.storage.clock.now().strftime("%Y-%m-%d"))

    async def follow(later: Context) -> None:
        async def draw() -> list[OutFile]:
            async with pool.turn():  # a few plans built and drawn (their bytes held) at a time
                plan = await parts(later)
                if plan is None:
                    return []  # the plan is gone (deleted, reset): nothing to draw
                answers, title, sections = plan
                plain = [_plain(s) for s in sections]
                facts = card_facts(answers, later.t, await user_posting(later), later.user.display_name)
                card, pdf = await asyncio.gather(pool.run(card_png, facts), pool.run(pdf_bytes, title, made, plain))
            return [OutFile(later.t("pic.card.file_name"), card, PNG), OutFile(later.t("pic.pdf.file_name"), pdf, PDF)]

        for file, caption in zip(await _drawn(later, draw, "pic.plan_failed"), ("pic.card.caption", "pic.pdf.caption")):
            later.say(caption, file=file)

    ctx.later(follow, _coming_name(ctx))
    return ctx.t("pic.coming")


async def progress_picture(ctx: Context, checkins: Sequence[Mapping[str, object]], current_week: str,
                           prev_week: Callable[[str], str], streak: int, target: int | None = None) -> None:
    """Hook for /progress: the chart after the text summary; the target line is the posts a week of the user's
    posting schedule (given by /progress, which says it in its text too), else the cadence answer's."""
    cadence = target if target is not None else (await ctx.storage.answers(ctx.user.id)).get("cadence")

    async def draw() -> list[OutFile]:  # in the drawing thread: the chart is small, and its labels need the catalog
        return [await pool.in_thread(chart_file, checkins, current_week, prev_week, cadence, streak, ctx.t)]

    for file in await _drawn(ctx, draw):
        ctx.say("pic.chart.caption", file=file)


async def cmd_card(ctx: Context) -> None:
    """/card: the plan card alone (once the questionnaire has been confirmed)."""
    flow = ctx.flow if ctx.flow is not None else await ctx.storage.get_flow(ctx.user.id)
    if flow is None or (flow.status != "done" and not flow.planned_at):
        ctx.say("pic.no_plan")
        return
    if pictures_coming(ctx):  # the plan's card is still on its way: drawing it again would send it twice
        ctx.say("pic.on_the_way")
        return
    answers = await ctx.storage.answers(ctx.user.id)

    async def draw() -> list[OutFile]:
        facts = card_facts(answers, ctx.t, await user_posting(ctx), ctx.user.display_name)
        return [OutFile(ctx.t("pic.card.file_name"), await pool.run(card_png, facts), PNG)]

    for file in await _drawn(ctx, draw):
        ctx.say("pic.card.caption", file=file)
