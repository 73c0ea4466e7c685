"""Done buttons on daily nudges ("posted", "replied"): stored per day in nudge_done, counted in /progress beside the
weekly check-in streak."""
from __future__ import annotations

from datetime import date, timedelta

from bot.context import Context
from bot.storage import Storage
from bot.types import Choice
from bot.i18n import Catalog
from handlers.reminders import schedule as S
from handlers.reminders.actions import Done
from handlers.reminders.store import NudgeStore

DONE_KINDS = ("posted", "replied")
TAP_DAYS = 2  # a nudge's button counts on its day and this many days after


def done_choice(catalog: Catalog, lang: str, done: str, day: str) -> Choice:
    return Choice(Done(done, day), catalog.t(lang, f"done.btn.{done}"))


def parse_day(day: str) -> date | None:
    try:
        return date(int(day[:4]), int(day[4:6]), int(day[6:8])) if len(day) == 8 and day.isdigit() else None
    except ValueError:
        return None


async def mark(storage: Storage, user_id: int, day: date, kind: str) -> None:
    await NudgeStore(storage).mark_done(user_id, day.isoformat(), kind, int(storage.clock.now().timestamp()))


async def done_days(storage: Storage, user_id: int, since: date) -> dict[str, set[date]]:
    """The days marked done since a date, per kind."""
    out: dict[str, set[date]] = {k: set() for k in DONE_KINDS}
    for day, kind in await NudgeStore(storage).done_since(user_id, since.isoformat()):
        out.setdefault(kind, set()).add(date.fromisoformat(day))
    return out


def day_streak(days: set[date], today: date) -> int:
    """Days in a row with something done, counting back from today (or yesterday, if today is not done yet)."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


async def today(ctx: Context) -> date:
    settings = await NudgeStore(ctx.storage).get_settings(ctx.user.id)
    return ctx.storage.clock.now().astimezone(S.zone(settings.tz if settings else S.DEFAULT_ZONE)).date()


async def summary(ctx: Context) -> tuple[dict[str, int], int]:
    """(days done this week per kind, the streak of days with something done)."""
    now = await today(ctx)
    monday = now - timedelta(days=now.weekday())
    days = await done_days(ctx.storage, ctx.user.id, now - timedelta(days=400))
    week = {k: sum(1 for d in days.get(k, set()) if monday <= d <= now) for k in DONE_KINDS}
    return week, day_streak(set().union(*days.values()), now)


async def progress_lines(ctx: Context) -> list[str]:
    """/progress's lines about done taps: this week's counts and the day streak."""
    week, streak = await summary(ctx)
    lines = [ctx.t("done.progress_week", posted=week["posted"], replied=week["replied"])]
    lines.append(ctx.t("done.progress_streak", days=streak) if streak else ctx.t("done.progress_streak_zero"))
    return lines


async def on_done(ctx: Context) -> None:
    """A done tap: counted once per day and kind, on the nudge's day or shortly after."""
    act = ctx.action
    assert isinstance(act, Done)
    day, now = parse_day(act.day), await today(ctx)
    if act.kind not in DONE_KINDS or day is None or not now - timedelta(days=TAP_DAYS) <= day <= now:
        ctx.refuse("err.stale_button")
        return
    await mark(ctx.storage, ctx.user.id, day, act.kind)
    week, streak = await summary(ctx)
    ctx.settle(ctx.t(f"done.btn.{act.kind}"))
    ctx.say(f"done.saved_{act.kind}", count=week[act.kind], streak=streak)
