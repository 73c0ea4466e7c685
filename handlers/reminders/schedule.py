"""Pure schedule arithmetic: next occurrence as wall-clock time in the user's zone, quiet hours, snooze."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Indonesian zone abbreviations offered as buttons.
ZONE_ALIASES: dict[str, str] = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
DEFAULT_ZONE = "Asia/Jakarta"

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_HHMM = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")


@lru_cache(maxsize=1)
def _iana_lower() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_zone(text: str) -> str | None:
    """Normalise a typed zone (WIB/WITA/WIT, an IANA name in any case, 'UTC+7', '+05:30') or None."""
    raw = text.strip()
    if not raw or len(raw) > 64:
        return None
    if raw.upper() in ZONE_ALIASES:
        return ZONE_ALIASES[raw.upper()]
    if raw.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    m = _OFFSET.match(raw.replace(" ", ""))
    if m:
        sign, hours, minutes = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
            return None
        return f"UTC{sign}{hours:02d}:{minutes:02d}"
    name = _iana_lower().get(raw.lower().replace(" ", "_"))
    return name


@lru_cache(maxsize=4096)
def zone(name: str) -> tzinfo:
    """A tzinfo for a stored zone name (IANA or 'UTC+HH:MM'); unknown names fall back to the default zone."""
    m = re.match(r"^UTC([+-])(\d{2}):(\d{2})$", name)
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return timezone(delta if m.group(1) == "+" else -delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def parse_time(text: str) -> time | None:
    """'8', '08:00', '19.30' -> time; None when not a valid clock time."""
    m = _HHMM.match(text.strip())
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_times(text: str, limit: int = 12) -> list[str] | None:
    """A typed list of clock times ('08:00, 19:00') -> sorted unique 'HH:MM' strings, or None."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if not parts or len(parts) > limit:
        return None
    out = set()
    for part in parts:
        t = parse_time(part)
        if t is None:
            return None
        out.add(t.strftime("%H:%M"))
    return sorted(out)


def parse_quiet(text: str) -> tuple[str, str] | None:
    """'22:00-07:00' (or '22-7') -> ('22:00', '07:00'); None when invalid or empty."""
    bits = re.split(r"\s*(?:-|–|—|to|sampai|s/d)\s*", text.strip(), maxsplit=1)
    if len(bits) != 2:
        return None
    start, end = parse_time(bits[0]), parse_time(bits[1])
    if start is None or end is None or start == end:
        return None
    return start.strftime("%H:%M"), end.strftime("%H:%M")


def _hm(text: str) -> time:
    h, m = text.split(":")
    return time(int(h), int(m))


def local_to_utc(day: date, at: time, tz: tzinfo) -> datetime:
    """Wall-clock `day at` in `tz` -> aware UTC; a time skipped by DST lands just after the gap, an
    ambiguous one on its first occurrence (fold=0), so a DST change neither skips nor doubles."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(timezone.utc)


def _runs_on(day: date, days: list[int], monthday: int | None) -> bool:
    if monthday is not None:
        nxt = day + timedelta(days=1)
        return day.day == monthday or (day.day < monthday and nxt.month != day.month)
    return day.weekday() in days


def next_occurrence(after: datetime, tz: tzinfo, times: list[str], days: list[int],
                    monthday: int | None = None) -> datetime | None:
    """The first occurrence strictly after `after` (aware), as aware UTC; None if the series is empty."""
    if not times or (monthday is None and not days):
        return None
    clock_times = [_hm(t) for t in times]
    start = after.astimezone(tz).date() - timedelta(days=1)
    for offset in range(0, 400):
        day = start + timedelta(days=offset)
        if not _runs_on(day, days, monthday):
            continue
        found = [c for c in (local_to_utc(day, t, tz) for t in clock_times) if c > after]
        if found:
            return min(found)
    return None


def in_quiet(when: datetime, tz: tzinfo, quiet_start: str | None, quiet_end: str | None) -> bool:
    if not quiet_start or not quiet_end:
        return False
    local = when.astimezone(tz).time().replace(tzinfo=None)
    qs, qe = _hm(quiet_start), _hm(quiet_end)
    return qs <= local < qe if qs < qe else (local >= qs or local < qe)


def apply_quiet(when: datetime, tz: tzinfo, quiet_start: str | None, quiet_end: str | None) -> datetime:
    """Move a time inside quiet hours to the end of the quiet hours (wall clock); else unchanged."""
    if not in_quiet(when, tz, quiet_start, quiet_end):
        return when
    assert quiet_start is not None and quiet_end is not None
    local = when.astimezone(tz)
    qe = _hm(quiet_end)
    day = local.date()
    if local.time().replace(tzinfo=None) >= qe:
        day += timedelta(days=1)
    end = local_to_utc(day, qe, tz)
    return end if end > when else when


def snooze_time(option: str, now: datetime, slot: datetime, tz: tzinfo) -> datetime:
    """'h' = one hour from now; 'd' = tomorrow, 'w' = in a week, at the occurrence's own wall-clock time."""
    if option == "h":
        return now + timedelta(hours=1)
    days = 1 if option == "d" else 7
    at = slot.astimezone(tz).time().replace(tzinfo=None, fold=0)
    when = local_to_utc(now.astimezone(tz).date() + timedelta(days=days), at, tz)
    return when if when > now else now + timedelta(days=days)


def iso_week(when: datetime, tz: tzinfo) -> str:
    """The ISO week of an instant in the user's zone: '2026-W02'."""
    y, w, _ = when.astimezone(tz).isocalendar()
    return f"{y}-W{w:02d}"


def parse_week(week: str) -> date | None:
    """Monday of an ISO week id, or None."""
    m = re.match(r"^(\d{4})-W(\d{2})$", week)
    if not m:
        return None
    try:
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        return None


def prev_week(week: str) -> str:
    monday = parse_week(week)
    assert monday is not None
    y, w, _ = (monday - timedelta(days=7)).isocalendar()
    return f"{y}-W{w:02d}"


def to_ts(when: datetime) -> int:
    return int(when.timestamp())


def from_ts(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)
