"""The calendar as an iCalendar (.ics) file phones import: one event per post, one daily repeating event per
reply round, in the user's zone (IANA zones travel as a VTIMEZONE; a fixed 'UTC+07:00' offset as UTC times).

The icalendar library is imported when a file is made, not when the bot starts.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from handlers.calendar.build import KIND_POST, Entry
from handlers.reminders import schedule as S

# (entry) -> (summary, description)
Describe = Callable[[Entry], tuple[str, str]]


def _start(entry: Entry, tz: str) -> datetime:
    hour, minute = (int(x) for x in entry.time.split(":"))
    zone = S.zone(tz)
    local = datetime(entry.day.year, entry.day.month, entry.day.day, hour, minute, tzinfo=zone)
    return local if isinstance(zone, ZoneInfo) else local.astimezone(timezone.utc)


def build_ics(entries: list[Entry], tz: str, describe: Describe, *, stamp: datetime, uid_seed: str,
              name: str) -> bytes:
    """The .ics bytes: posts as single events; each reply time as one event repeating daily over the days."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//brandcoach//content calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    if isinstance(S.zone(tz), ZoneInfo):
        cal.add("x-wr-timezone", tz)
    posts = [e for e in entries if e.kind == KIND_POST]
    replies = [e for e in entries if e.kind != KIND_POST]
    first_reply: dict[str, Entry] = {}
    count: dict[str, int] = {}
    for e in replies:
        first_reply.setdefault(e.time, e)
        count[e.time] = count.get(e.time, 0) + 1
    for e in posts + list(first_reply.values()):
        summary, description = describe(e)
        event = icalendar.Event()
        begin = _start(e, tz)
        event.add("uid", f"{uid_seed}-{e.kind}-{e.day.isoformat()}-{e.time.replace(':', '')}@brandcoach")
        event.add("dtstamp", stamp.astimezone(timezone.utc))
        event.add("dtstart", begin)
        event.add("dtend", begin + timedelta(minutes=e.minutes or 5))
        event.add("summary", summary)
        if description:
            event.add("description", description)
        if e.kind != KIND_POST:
            event.add("rrule", {"freq": "daily", "count": count[e.time]})
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(minutes=0))
        event.add_component(alarm)
        cal.add_component(event)
    if isinstance(S.zone(tz), ZoneInfo):
        cal.add_missing_timezones()
    return bytes(cal.to_ical())
