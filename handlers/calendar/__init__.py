"""/calendar: the 30-day content calendar (this week and next week in chat, all of it as an .ics file), and its
section in the plan. The entries come from `build.build_calendar` (pure); the posting days, times and zone from
the user's reminders (their plan's defaults until they exist)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.actions import Action, action
from bot.context import Context
from bot.features import Command, Feature
from bot.types import Choice, OutFile
from handlers import ideas as I
from handlers.calendar.build import KIND_POST, CalendarSettings, Entry, build_calendar
from handlers.plan import SECTIONS, Section
from handlers.plan import posting as P
from handlers.reminders import content as NC
from handlers.reminders import manage as M
from handlers.reminders import schedule as S
from handlers.reminders.store import NudgeStore

__all__ = ["FEATURE", "CalendarSettings", "Entry", "build_calendar", "calendar_settings"]


@action("cal:ics")
class CalendarFile(Action):
    """Send the calendar as an .ics file."""


@action("cal:w:{week}", role="navigation")
class CalendarWeeks(Action):
    """Show two weeks of the calendar, starting `week` weeks from this one (0: this week and next)."""

    week: int


def calendar_settings(answers: dict[str, Any], tz: str, series: dict[str, tuple[list[str], list[int]]],
                      anchor: date | None, seed: str, on: date | None = None) -> CalendarSettings:
    """Pure: the calendar's settings. `series` holds the reminders the user set themselves ((times, days) per
    kind); the posting days and time are the one posting schedule (handlers/plan/posting.py) in the zone `tz` on
    the day `on`, so the calendar says what the plan, the card and the reminders say."""
    kinds = NC.kinds()
    own = series.get("post") or ([], [])
    when = P.decide(answers, tz, on, own[1] or None, own[0] or None)
    reply = series.get("respond") or (NC.default_schedule(kinds["respond"], answers, tz, on)[:2] if "respond" in kinds
                                      else (NC.plan_table("reply_windows", answers), []))
    return CalendarSettings(tz=tz, post_times=when.times, post_days=when.days, reply_times=tuple(reply[0]),
                            anchor=anchor, seed=seed)


def _anchor(planned_at: str | None) -> date | None:
    try:
        return date.fromisoformat(planned_at[:10]) if planned_at else None
    except ValueError:
        return None


async def load(ctx: Context) -> tuple[dict[str, Any], CalendarSettings, date]:
    """(answers, calendar settings, today in the user's zone)."""
    answers = await ctx.storage.answers(ctx.user.id)
    store = NudgeStore(ctx.storage)
    settings = await store.get_settings(ctx.user.id)
    tz = settings.tz if settings else M.first_zone(answers)
    reply, days, times = await M.own_schedule(ctx.storage, ctx.user.id)  # the reminders the user set themselves
    series = {"post": (times or [], days or []), **({"respond": (reply, [])} if reply else {})}
    flow = ctx.flow
    today = ctx.storage.clock.now().astimezone(S.zone(tz)).date()
    cal = calendar_settings(answers, tz, series, _anchor(flow.planned_at if flow else None), str(ctx.user.id), today)
    return answers, cal, today


def _has(ctx: Context) -> Any:
    return lambda key: ctx.core.catalog.has(key, ctx.lang)


def _day(ctx: Context, d: date) -> str:
    return ctx.t("cal.date", day=ctx.t(f"day.{d.weekday()}"), date=d.strftime("%d/%m"))


def post_text(ctx: Context, e: Entry) -> str:
    """What the post is: the introduction (and how to keep it on top of the profile) for the opening post, else
    the idea's text."""
    if e.opening:
        platform = ctx.t(f"opt.focus_platforms.{e.platform}") if e.platform else ""
        return f"{ctx.t('posting.intro')} {ctx.t(f'posting.pin.{e.opening}', platform=platform)}"
    return I.idea_text(ctx.t, _has(ctx), e.idea, e.pillar, e.format) if e.idea else ""


def post_line(ctx: Context, e: Entry, with_date: bool = True) -> str:
    """'Monday 13/01 09:00 · Instagram · Photo · pillar: the idea', without 'pillar:' when the idea quotes it."""
    idea = post_text(ctx, e)
    named = bool(e.opening) or NC.names_pillar(idea, NC.idea_topic(ctx.t, e.pillar), e.pillar)  # said once
    key = "cal.post_line_named" if named else "cal.post_line"
    return ctx.t(key, date=_day(ctx, e.day) if with_date else "", time=e.time,
                 platform=ctx.t(f"opt.focus_platforms.{e.platform}") if e.platform else "-",
                 format=ctx.t(f"opt.formats.{e.format}"), pillar=e.pillar or "-",
                 idea=idea[:1].upper() + idea[1:] if named else idea).strip()  # a sentence after "·" starts upper


def reply_line(ctx: Context, entries: list[Entry]) -> str | None:
    replies = [e for e in entries if e.kind != KIND_POST]
    times = sorted({e.time for e in replies})
    if not times:
        return None
    return ctx.t("cal.reply_line", times=", ".join(times), minutes=replies[0].minutes)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


async def show(ctx: Context, week: int = 0) -> None:
    """Two weeks of posts (this week from today, and next week), the reply routine, buttons."""
    answers, cal, today = await load(ctx)
    start = _monday(today) + timedelta(weeks=week)
    first = max(start, today)
    entries = build_calendar(answers, cal, first, (start + timedelta(weeks=2) - first).days)
    lines = [ctx.t("cal.title", zone=cal.tz)]
    for n, label in enumerate(("cal.this_week", "cal.next_week") if week == 0 else ("cal.week_of", "cal.week_of")):
        monday = start + timedelta(weeks=n)
        posts = [e for e in entries if e.kind == KIND_POST and monday <= e.day < monday + timedelta(weeks=1)]
        lines += ["", ctx.t(label, date=monday.strftime("%d/%m"))]
        lines += [f"• {post_line(ctx, e)}" for e in posts] or [ctx.t("cal.no_posts")]
    routine = reply_line(ctx, entries)
    if routine:
        lines += ["", routine]
    lines += ["", ctx.t("cal.ics_hint")]
    choices = [Choice(CalendarFile(), ctx.t("cal.btn_ics"))]
    choices += [Choice(CalendarWeeks(week + 2), ctx.t("cal.btn_later"))] if week < 2 else []
    choices += [Choice(CalendarWeeks(0), ctx.t("cal.btn_now"))] if week else []
    ctx.say("cal.title", text="\n".join(lines), choices=choices)


def describe(ctx: Context) -> Any:
    def run(e: Entry) -> tuple[str, str]:
        if e.kind == KIND_POST:
            summary = ctx.t("cal.ics_post", platform=ctx.t(f"opt.focus_platforms.{e.platform}") if e.platform
                            else ctx.t("opt.formats." + e.format), pillar=e.pillar or "-")
            return summary, ctx.t("cal.ics_post_desc", format=ctx.t(f"opt.formats.{e.format}"), idea=post_text(ctx, e))
        return ctx.t("cal.ics_reply"), ctx.t("cal.ics_reply_desc", minutes=e.minutes)
    return run


async def send_file(ctx: Context) -> None:
    """The next 30 days as an .ics file."""
    from handlers.calendar.ics import build_ics

    answers, cal, today = await load(ctx)
    entries = build_calendar(answers, cal, today)
    if not entries:
        ctx.say("cal.empty")
        return
    data = build_ics(entries, cal.tz, describe(ctx), stamp=ctx.storage.clock.now(), uid_seed=f"u{ctx.user.id}",
                     name=ctx.t("cal.ics_name"))
    ctx.say("cal.file_caption", file=OutFile(ctx.t("cal.file_name"), data, "text/calendar"),
            days=(entries[-1].day - today).days + 1)


def _ready(ctx: Context) -> bool:
    flow = ctx.flow
    return flow is not None and (flow.status == "done" or flow.planned_at is not None)


async def cmd_calendar(ctx: Context) -> None:
    """/calendar: this week and next; `/calendar ics` sends the file."""
    if not _ready(ctx):
        ctx.say("cal.need_plan")
        return
    if ctx.inbound.args and ctx.inbound.args[0].lower().lstrip(".") in ("ics", "file", "berkas", "unduh"):
        await send_file(ctx)
        return
    await show(ctx)


async def on_file(ctx: Context) -> None:
    if not _ready(ctx):
        ctx.refuse("err.stale_button")
        return
    await send_file(ctx)


async def on_weeks(ctx: Context) -> None:
    act = ctx.action
    assert isinstance(act, CalendarWeeks)
    if not _ready(ctx) or not 0 <= act.week <= 4:
        ctx.refuse("err.stale_button")
        return
    await show(ctx, act.week)


async def plan_section(ctx: Context, answers: dict[str, Any]) -> Section | None:
    """The plan's calendar section: the first week of posts, the reply routine, and where to see the rest."""
    _, cal, today = await load(ctx)
    entries = build_calendar(answers, cal, today, 7)
    posts = [e for e in entries if e.kind == KIND_POST]
    if not posts:
        return None
    lines = [post_line(ctx, e) for e in posts]
    routine = reply_line(ctx, entries)
    lines += [routine] if routine else []
    lines.append(ctx.t("cal.plan_more"))
    return Section(ctx.t("cal.plan_title"), lines)


FEATURE = Feature("calendar", group=30, commands=(Command("calendar", cmd_calendar),),
                  actions={CalendarFile: on_file, CalendarWeeks: on_weeks},
                  contributes={SECTIONS: plan_section})  # the plan's calendar section, after the plan's own

