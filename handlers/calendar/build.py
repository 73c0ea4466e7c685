"""The content calendar as data (pure): post slots with a pillar, format, platform and idea, and the reply routine.

`build_calendar(answers, settings, start)` is what /calendar, the .ics file, the plan's section (and a PDF) use.
Slots are counted from the plan's anchor date, so the calendar of a given day stays the same from one call to
the next; an idea is never given twice within `days` days (the bank has more generic ideas than a month's posts).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from bot import schema
from bot.content import content_dir, load_content
from handlers import carry
from handlers import ideas as I
from handlers.plan import budget
from handlers.plan.memo import frozen, memo
from handlers.reminders.content import Idea

KIND_POST: Literal["post"] = "post"
KIND_REPLY: Literal["reply"] = "reply"


@dataclass(frozen=True)
class Entry:
    """One calendar event: a local date and clock time in the settings' zone."""

    day: date
    time: str                       # "HH:MM", local
    kind: Literal["post", "reply"]
    minutes: int
    pillar: str = ""
    format: str = ""                # a "formats" option
    platform: str = ""              # a platform option ("" when the user named none)
    idea: str = ""                  # an idea id (its text: idea.<id> in the catalogs)
    opening: str = ""               # the first post, an introduction: how to keep it on top ([pin]: pin, featured,
                                    # or "none" for a link to share)


@dataclass(frozen=True)
class CalendarSettings:
    """What the calendar needs beyond the answers: the zone, the posting and reply times, and the anchor."""

    tz: str = "Asia/Jakarta"
    post_times: tuple[str, ...] = ("09:00",)
    post_days: tuple[int, ...] = (0, 2, 4)     # weekdays, 0 = Monday
    reply_times: tuple[str, ...] = ()
    anchor: date | None = None                 # the day slots are counted from (the plan's date); None: start
    seed: str = ""                             # shuffles the idea order per user


def content() -> dict[str, Any]:
    return load_content("calendar")


def minutes_split(answers: dict[str, Any], reply_times: tuple[str, ...] = ()) -> tuple[int, int]:
    """(minutes to create a post, minutes per reply round): the plan's time budget (handlers/plan/budget.py), so
    the calendar says what the plan says."""
    cal = content()
    plan = load_content("plan")
    minutes = budget.minutes_of(answers, plan)
    if minutes is None:
        return int(cal.get("post_minutes", 30)), 0
    windows, per_round = budget.reply_routine(answers, reply_times, plan)
    share = float((plan.get("budget") or {}).get("create_share", 0.6))
    create = budget.day_split(minutes, share, len(windows), per_round)[0]  # as the plan's time split says it
    return max(int(cal.get("min_minutes", 5)), create), per_round


def platforms(answers: dict[str, Any]) -> list[str]:
    """The platforms the plan keeps (its focus, narrowed for a small budget), else the ones used now."""
    return budget.kept_platforms(answers) or budget.chosen(answers, "platforms_now")


def post_time_clear(post: str, replies: tuple[str, ...], reply_minutes: int) -> str:
    """The post's time, moved past a reply round that starts at the same time (so the two never clash)."""
    if post not in replies:
        return post
    hour, minute = (int(x) for x in post.split(":"))
    total = min(23 * 60 + 55, hour * 60 + minute + max(15, -(-reply_minutes // 15) * 15))
    return f"{total // 60:02d}:{total % 60:02d}"


def _slot(formats: list[str], at: int, mine: list[str], per_format: dict[str, int],
          this_week: dict[str, int]) -> tuple[str, str]:
    """(format, platform) of a post slot: the format at its turn (or the next one) on one of the user's platforms
    that carries it (rotating), skipping platforms that have had their [per_week] posts this week; when every
    platform is full, the format at its turn anyway."""
    caps = content().get("per_week", {})
    first: tuple[str, str] | None = None
    for step in range(len(formats)):
        fmt = formats[(at + step) % len(formats)]
        suits = [p for p in carry.carriers(fmt) if p in mine]
        if not suits:
            if not mine:
                return fmt, ""
            continue
        used = per_format.get(fmt, 0)
        turn = suits[used % len(suits):] + suits[:used % len(suits)]
        first = first or (fmt, turn[0])
        open_ = [p for p in turn if p not in caps or this_week.get(p, 0) < int(caps[p])]
        if open_:
            return fmt, open_[0]
    return first or (formats[at % len(formats)], "")


def _pins() -> dict[str, str]:
    return {str(k): str(v) for k, v in (content().get("pin") or {}).items()}


def _opening_slot(formats: list[str], mine: list[str]) -> tuple[str, str]:
    """(format, platform) of the first post, an introduction: the first of the user's formats an introduction can be
    made as ([opening] formats), on a platform that pins it if one of theirs carries it, else on any that does; ("",
    "") when none fits, and the first slot goes as any other (it is still the introduction)."""
    pins, fits = _pins(), [str(f) for f in (content().get("opening") or {}).get("formats", [])]
    usable = [f for f in formats if f in fits]
    for wanted in (lambda p: p in pins, lambda p: True):
        for fmt in usable:
            for platform in carry.carriers(fmt):
                if platform in mine and wanted(platform):
                    return fmt, platform
    return "", ""


_CALENDARS = memo("calendar.build", 32)


def build_calendar(answers: dict[str, Any], settings: CalendarSettings, start: date,
                   days: int | None = None) -> list[Entry]:
    """The calendar's entries from `start` for `days` days (content/calendar.toml's `days` by default), by date
    and time: a post on each posting day, and each reply round of each day. Remembered per inputs (bounded): the
    plan's section is built for the plan's text and again for its PDF."""
    return list(_CALENDARS.get(lambda: (frozen(answers), settings, start, days, content_dir()),
                               lambda: tuple(_build_calendar(answers, settings, start, days))))


def _build_calendar(answers: dict[str, Any], settings: CalendarSettings, start: date,
                    days: int | None = None) -> list[Entry]:
    days = int(content().get("days", 30)) if days is None else days
    end = start + timedelta(days=days)
    window = int(content().get("days", 30))
    pillars = I.user_pillars(answers) or [""]
    mine = platforms(answers)
    formats = carry.slot_formats(I.user_formats(answers, settings.post_days), mine)
    purposes = [str(p) for p in answers.get("purposes") or []]
    create, reply_minutes = minutes_split(answers, settings.reply_times)
    post_days = set(settings.post_days)
    # the one posting time (handlers/plan/posting.py), already clear of the reply rounds it plans
    post_time = settings.post_times[0] if settings.post_times else "09:00"
    opening = content().get("opening") or {}
    later = {str(k): int(v) for k, v in (opening.get("later_ideas") or {}).items()}  # recaps after a month
    once = {str(i) for i in opening.get("once_ideas") or []}
    first_day: date | None = None
    role = str(answers.get("role") or "")  # ideas in the role's words, for the purposes as the role reads them
    orders = {p: I.ranked(p, purposes, f"{settings.seed}:{p}", role) for p in set(pillars)}
    last_used: dict[str, date] = {}
    per_format: dict[str, int] = {}
    per_week: dict[tuple[int, int], dict[str, int]] = {}  # posts per platform in each ISO week
    out: list[Entry] = []
    day = min(settings.anchor or start, start)
    n = 0
    while day < end:
        if day.weekday() in post_days:
            pillar = pillars[n % len(pillars)]
            week = per_week.setdefault(day.isocalendar()[:2], {})
            first_day = first_day or day
            fmt, platform = _opening_slot(formats, mine) if n == 0 else ("", "")
            if not fmt:
                # every format (so every platform) comes round, each with every pillar in turn
                fmt, platform = _slot(formats, n + n // math.lcm(len(pillars), len(formats)), mine, per_format, week)
            per_format[fmt] = per_format.get(fmt, 0) + 1
            week[platform] = week.get(platform, 0) + 1
            how = (_pins().get(platform, "none") if platform else "none") if n == 0 else ""
            idea = "" if n == 0 else _choose(  # week 1 opens with the introduction (its own text, no idea)
                [i for i in orders[pillar] if I.fits_format(i, fmt, platform) and i.id not in once
                 and (day - first_day).days >= later.get(i.id, 0)], last_used, day, window)
            if idea:
                last_used[idea] = day
            if day >= start:
                out.append(Entry(day, post_time, KIND_POST, create, pillar, fmt, platform, idea, how))
            n += 1
        if day >= start:
            out += [Entry(day, t, KIND_REPLY, reply_minutes) for t in settings.reply_times]
        day += timedelta(days=1)
    return sorted(out, key=lambda e: (e.day, e.time, e.kind))


def _choose(order: list[Idea], last_used: dict[str, date], day: date, window: int) -> str:
    """The first idea in the pillar's order not used within the window, else the one used longest ago."""
    for idea in order:
        when = last_used.get(idea.id)
        if when is None or (day - when).days >= window:
            return idea.id
    return min(order, key=lambda i: last_used.get(i.id, date.min)).id if order else ""


# ---- content schema and check (content/calendar.toml) ------------------------------------------------------

SCHEMA = schema.Table({
    "days": schema.Field(int, required=True, min=7, max=92),
    "post_minutes": schema.Field(int, min=1, max=600),
    "min_minutes": schema.Field(int, min=1, max=120),
    "formats": schema.Field(schema.MapOf(schema.Field(schema.ListOf(str)), key_pattern=r"[a-z0-9_]+")),
    "home": schema.Field(schema.MapOf(schema.Field(str), key_pattern=r"[a-z0-9_]+")),
    "per_week": schema.Field(schema.MapOf(schema.Field(int, min=1, max=7), key_pattern=r"[a-z0-9_]+")),
    "opening": schema.Field(schema.Table({
        "formats": schema.Field(schema.ListOf(str)),
        "later_ideas": schema.Field(schema.MapOf(schema.Field(int, min=1, max=365), key_pattern=r"[a-z0-9_]+")),
        "once_ideas": schema.Field(schema.ListOf(str)),
    })),
    "pin": schema.Field(schema.MapOf(schema.Field(str, choices=("pin", "featured")), key_pattern=r"[a-z0-9_]+")),
})


def step_options(step: str) -> list[str] | None:
    steps = load_content("questionnaire").get("steps") or []
    found = [s.get("options") for s in steps if isinstance(s, dict) and s.get("id") == step]
    return [str(o) for o in found[0]] if found and isinstance(found[0], list) else None


def findings(data: dict[str, Any], formats: list[str] | None, platforms_known: list[str] | None) -> list[schema.Finding]:
    """Schema violations, and formats or platforms that are not options of the questionnaire."""
    found = schema.validate(data, SCHEMA)
    table = data.get("formats")
    if found or not isinstance(table, dict):
        return found
    for fmt, plats in table.items():
        if formats is not None and fmt not in formats:
            found.append((f"formats.{fmt}", f"{fmt!r} is not an option of the 'formats' step"))
        found += [(f"formats.{fmt}", f"{p!r} is not an option of the 'focus_platforms' step") for p in plats
                  if platforms_known is not None and p not in platforms_known]
        found += [(f"formats.{fmt}", f"duplicate platform {p!r}") for p in schema.duplicates(plats)]
    for name in ("home", "per_week"):
        found += [(f"{name}.{p}", f"{p!r} is not an option of the 'focus_platforms' step")
                  for p in data.get(name) or {} if platforms_known is not None and p not in platforms_known]
    for p, fmt in (data.get("home") or {}).items():
        if p not in table.get(fmt, []):
            found.append((f"home.{p}", f"{fmt!r} is not a format [formats] lets {p!r} carry"))
    if platforms_known is not None:
        found += [("formats", f"platform {p!r} carries no format: add it to [formats] and [home]")
                  for p in platforms_known if not any(p in plats for plats in table.values())]
        found += [(f"pin.{p}", f"{p!r} is not an option of the 'focus_platforms' step") for p in data.get("pin") or {}
                  if p not in platforms_known]
    opening = data.get("opening") or {}
    found += [("opening.formats", f"{f!r} is not an option of the 'formats' step") for f in opening.get("formats", [])
              if formats is not None and f not in formats]
    known_ideas = {str(i.get("id")) for i in load_content("ideas").get("ideas", []) if isinstance(i, dict)}
    found += [(f"opening.{name}", f"{i!r} is not an idea of content/ideas.toml")
              for name in ("later_ideas", "once_ideas") for i in opening.get(name) or [] if i not in known_ideas]
    return found


def check() -> list[schema.Issue]:
    from bot.content import content_doc

    doc = content_doc("calendar")
    return doc.issues(findings(doc.data, step_options("formats"), step_options("focus_platforms")))


schema.register_check("calendar", check)
