"""The brand plan: sections and recommendations from the answers, by the rules in content/plan.toml."""
from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot import schema
from bot.content import load_content
from bot.context import Context
from bot.dispatcher import LoopSemaphore
from bot.features import Command, Feature, Point
from bot.i18n import Catalog
from bot.router import Router
from bot.types import OutFile
from handlers import places
from handlers import steps as S
from handlers.events import AnswersReset, PlanConfirmed, UserDeleted
from handlers.pictures import plan_pictures
from handlers.plan import budget
from handlers.plan.build import Schedule, Section, Tr, build_sections
from handlers.plan.memo import frozen
from handlers.plan.render import render_markdown, render_text
from handlers.plan.spec import PlanRules, parse_rules

__all__ = ["FEATURE", "FOLLOW_UP", "SECTIONS", "PlanSent", "Schedule", "Section", "build_plan", "cmd_plan",
           "plan_rules", "render_markdown", "render_text", "send_plan"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanSent:
    """What FOLLOW_UP's contributors are told: the plan is being sent, after its confirmation or on /plan."""

    confirmed: bool


# The plan's contribution points (bot/features.Point), in its own output; the router calls contributors in order.
# Sections other features add at the end of the plan (e.g. the content calendar): (ctx, answers) -> a Section or None.
SECTIONS: Point[Section] = Point("plan.sections")
# What is asked right after the plan (e.g. the reminders' zone question after the first confirmation):
# (ctx, PlanSent) -> True when the contributor asked something (its own message), else None. The plan then leaves
# out its own closing line ("what next"), so the user is left with one question.
FOLLOW_UP: Point[bool] = Point("plan.follow_up")


@lru_cache(maxsize=1)
def plan_rules() -> PlanRules:
    """content/plan.toml, checked against the questionnaire and both catalogs (a ValueError names the rule).

    A line about a question the questionnaire no longer asks is left out, with a warning in the log.
    """
    skipped: list[str] = []
    rules = parse_rules(load_content("plan"), S.all_steps(), Catalog().messages, skipped)
    for problem in skipped:
        log.warning("content/plan.toml: line left out: %s", problem.removeprefix("content/plan.toml: "))
    return rules


def check_plan_content() -> list[schema.Issue]:
    """For `brandcoach check-content`: content/plan.toml's rules against the questionnaire and the catalogs."""
    try:
        parse_rules(load_content("plan"), S.all_steps(), Catalog().messages, [])
    except ValueError as exc:
        return [schema.Issue("content/plan.toml", 0, "plan", str(exc).removeprefix("content/plan.toml: "))]
    return []


schema.register_check("plan", check_plan_content)


def build_plan(answers: dict[str, Any], t: Tr, schedule: Schedule | None = None) -> list[Section]:
    """The plan's sections, each a title and lines, with recommendations from the answers (and the reminder
    settings, when the user has them)."""
    return build_sections(plan_rules(), S.all_steps(), answers, t, schedule)


SCHEDULE_PROVIDER = "reminders.schedule"  # the user's own reminder times and days, zone and today (reminders)


async def stored_schedule(ctx: Context) -> Schedule | None:
    """The user's reminder times and days, zone and today there, through the reminders' provider (None without
    one)."""
    provider = ctx.core.router.providers.get(SCHEDULE_PROVIDER)
    if provider is None:
        return None
    times, days, post_times, zone, today = await provider(ctx.storage, ctx.user.id)
    return Schedule(tuple(times) if times else None, tuple(days) if days else None,
                    tuple(post_times) if post_times else None, zone, today)


async def built_plan(ctx: Context, answers: dict[str, Any]) -> tuple[str, list[Section]]:
    """The plan's title and sections (the rules' and other features' hooks'), letting other users' replies go
    out between the parts (building is CPU on the event loop)."""
    schedule = await stored_schedule(ctx)
    sections = build_plan(answers, ctx.t, schedule)
    await asyncio.sleep(0)
    sections += await ctx.core.router.gather(SECTIONS, ctx, answers)
    return ctx.t("plan.title", name=answers.get("name", "")), sections


class JustSent:
    """The plans whose text was just sent, for their pictures when the drawing's turn comes right away (the common
    case: building a plan again costs as much CPU on the event loop as the first time). Bounded: a burst of 1,000
    confirms keeps the last few plans, and a drawing that waits its turn builds its plan again then (what it shows
    may then follow answers changed meanwhile). Taken once: the entry goes when its pictures take it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[int, tuple[Any, str, str, list[Section]]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def keep(self, user_id: int, answers: dict[str, Any], tag: str, title: str, sections: list[Section]) -> None:
        try:
            key = frozen(answers)
        except TypeError:
            return
        with self._lock:
            self._items[user_id] = (key, tag, title, sections)
            self._items.move_to_end(user_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def drop(self, user_id: int) -> None:
        """Forget what is held for the user (their answers were reset or deleted)."""
        with self._lock:
            self._items.pop(user_id, None)

    def take(self, user_id: int, answers: dict[str, Any], tag: str) -> tuple[str, list[Section]] | None:
        """The plan sent to this user for exactly these answers in this language, else None (build it again)."""
        with self._lock:
            entry = self._items.pop(user_id, None)
        if entry is None or entry[1] != tag:
            return None
        try:
            same = entry[0] == frozen(answers)
        except TypeError:
            return None
        return (entry[2], entry[3]) if same else None


JUST_SENT = JustSent(16)


async def plan_for_pictures(ctx: Context) -> tuple[dict[str, Any], str, list[Section]] | None:
    """What the plan's pictures show: the plan whose text was just sent to this user, when it is still held
    (JustSent) and the answers are the same; else built again when their drawing's turn comes: a drawing waiting
    for its turn holds no plan (1,000 confirms at once would otherwise keep 1,000 plans in memory). The card shows
    the answers the plan keeps. None when the user has no plan any more (deleted or reset meanwhile): nothing is
    drawn."""
    flow = await ctx.storage.get_flow(ctx.user.id)
    if flow is None or (flow.status != "done" and not flow.planned_at):
        return None
    ctx.flow = flow  # sections that date from the plan (the calendar's weeks) count from its date, as in the text
    answers = await ctx.storage.answers(ctx.user.id)
    sent = JUST_SENT.take(ctx.user.id, answers, ctx.tag)
    title, sections = sent if sent is not None else await built_plan(ctx, answers)
    return budget.kept_answers(answers), title, sections


BUILDING_AT_ONCE = 4  # plans built at the same moment: the rest wait their turn holding nothing (memory)
_building = LoopSemaphore(lambda: BUILDING_AT_ONCE)


def building_turn() -> asyncio.Semaphore:
    """Admission for building a plan: building is CPU on the event loop, so a few at a time finish as soon as all
    at once would, without 1,000 half-built plans (1,000 confirms at once) held in memory together."""
    return _building.get()


async def send_plan(ctx: Context, answers: dict[str, Any], confirmed: bool = False) -> None:
    """The plan as text and as a Markdown file, now; its pictures (the card and the PDF) follow once drawn; then
    what a contributing feature asks next (FOLLOW_UP), or the plan's own closing line."""
    async with building_turn():
        title, sections = await built_plan(ctx, answers)
        md = render_markdown(title, sections).encode("utf-8")
        await asyncio.sleep(0)
        text = render_text(title, sections)
    JUST_SENT.keep(ctx.user.id, answers, ctx.tag, title, sections)
    coming = plan_pictures(ctx, plan_for_pictures)
    ctx.say("plan.title", text=text)
    ctx.say("plan.file_caption", text=f"{ctx.t('plan.file_caption')}\n\n{coming}",
            file=OutFile(ctx.t("plan.file_name"), md, "text/markdown"))
    if not await ctx.core.router.first(FOLLOW_UP, ctx, PlanSent(confirmed)):
        ctx.say("plan.next")


async def cmd_plan(ctx: Context) -> None:
    """/plan: the plan when the questionnaire is done (or was confirmed before), else where the user stands."""
    flow = await ctx.storage.get_flow(ctx.user.id)
    answers = await ctx.storage.answers(ctx.user.id)
    if flow is not None and flow.status != "done" and flow.planned_at:
        ctx.say("plan.editing")  # a plan was confirmed before: show it from the answers as they are now
    elif flow is None or flow.status != "done":
        if flow is None:
            ctx.say("plan.not_started")
        elif flow.status == "confirm" or (flow.step is None and answers):
            ctx.say("plan.confirm_first", button=ctx.t("btn.confirm"))  # all answered: the summary waits for a yes
        else:
            total = len(S.applicable(answers))
            n, total = S.progress(answers, flow.step) if flow.step else (total, total)
            ctx.say("plan.not_ready", n=n, total=total)
        return
    await send_plan(ctx, answers)


async def on_forget(ctx: Context, event: AnswersReset | UserDeleted) -> None:
    """The user's answers were reset or their data deleted: the plan held for their pictures goes too."""
    JUST_SENT.drop(ctx.user.id)


async def on_plan_confirmed(ctx: Context, event: PlanConfirmed) -> None:
    """The questionnaire's answers were confirmed: send the plan."""
    await send_plan(ctx, await ctx.storage.answers(ctx.user.id), confirmed=True)


def _check_rules(router: Router) -> None:
    plan_rules()  # check content/plan.toml when the bot starts, not at the first /plan
    # The gazetteer (~7.5 MB, ~0.3 s to read) before users come: the first plan reads it for the audience's zone,
    # and reading it then held the event loop ~0.3 s, every other user's reply waiting behind it.
    places.gazetteer()


# Group 10: on a confirmation the plan is sent before the features that set things up from it (reminders, 20).
FEATURE = Feature("plan", group=10, commands=(Command("plan", cmd_plan),),
                  subscribes={PlanConfirmed: on_plan_confirmed, AnswersReset: on_forget, UserDeleted: on_forget},
                  points=(SECTIONS, FOLLOW_UP), setup=_check_rules)
