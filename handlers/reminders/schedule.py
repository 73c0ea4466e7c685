"""Pure schedule arithmetic: next occurrence as wall-clock time in the user's zone, quiet hours, snooze."""
from __future__ import annotations

import hashlib

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import available_timezones

from handlers import lexicon as L
from handlers import places as P
from handlers.zones import DEFAULT_ZONE as DEFAULT_ZONE  # re-exported: S.DEFAULT_ZONE, S.zone
from handlers.zones import zone as zone

# Indonesian zone abbreviations offered as buttons.
ZONE_ALIASES: dict[str, str] = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
MAX_ZONE_TEXT = 300  # a sentence naming a place ("based in Ubud, my clients are in London") is read; longer is not

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_HHMM = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")
# One spoken or written clock time: "jam 7 malam", "19.30", "setengah 8 malam", "7pm", "pukul 09:00 WIB".
_CLOCK = re.compile(
    r"(?:\b(?:jam|jm|pukul|pkl|at)\s*)?(?P<half>\bsetengah\s*)?(?<![\d:.])(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?"
    r"\s*(?P<part>pagi|subuh|siang|sore|petang|malam|malem|am|pm|a\.m\.?|p\.m\.?)?(?![\d:.]*\d)\b",
    re.IGNORECASE)
# Words that may stand between times or around them without changing them.
_CLOCK_GLUE = frozenset("dan sama and serta plus terus trus lalu then also juga n & + wib wita wit utc setiap tiap "
                        "hari every day daily jam pukul at o clock oclock".split())
_WORLD_REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@lru_cache(maxsize=1)
def _iana_lower() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


@lru_cache(maxsize=1)
def _world_cities() -> dict[str, str]:
    """{folded city: IANA zone} from the IANA database's region/city names ('tokyo', 'new york', 'sao paulo')."""
    out: dict[str, str] = {}
    for name in sorted(available_timezones(), key=lambda n: (n.count("/"), n)):
        region, _, city = name.rpartition("/")
        if region.split("/")[0] in _WORLD_REGIONS:
            out.setdefault(L.fold(city), name)
    return out


def place_zone(text: str) -> str | None:
    """The zone of the user's place in a message: any Indonesian city, regency or district, a province, an alias
    ('sby', 'jogja'), a world city, also inside a sentence ('Saya tinggal di Klaten, Jawa Tengah.'; handlers.places),
    else a city of the IANA database's zone names."""
    found = P.zone_in(text)
    if found is not None:
        return found
    return _world_cities().get(L.fold(text))


def parse_zone(text: str) -> str | None:
    """Normalise a typed zone (WIB/WITA/WIT, a place or a sentence naming one, an IANA name in any case, 'UTC+7',
    '+05:30')."""
    raw = text.strip()
    if not raw or len(raw) > MAX_ZONE_TEXT:
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
    return name or place_zone(raw)


def parse_time(text: str) -> time | None:
    """'8', '08:00', '19.30' -> time; None when not a valid clock time."""
    m = _HHMM.match(text.strip())
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _clock(hour: int, minute: int, half: bool, part: str | None) -> time | None:
    """A clock time from its spoken parts: 'setengah 8' is 7:30; pagi/siang/sore/malam and am/pm set the half day."""
    if half:
        hour, minute = (hour - 1) % 24, 30
    part = (part or "").lower().replace(".", "")
    if part:
        if hour > 12 and part not in ("siang", "sore", "petang", "malam", "malem"):
            return None
        if part in ("am", "pagi", "subuh"):
            hour = 0 if hour == 12 else hour
        elif part == "pm" or part in ("sore", "petang") or (part == "siang" and hour < 11):
            hour = hour + 12 if hour < 12 else hour
        elif part in ("malam", "malem"):
            hour = 0 if hour == 12 else (hour + 12 if 5 <= hour < 12 else hour)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _clocks(text: str) -> list[time] | None:
    """Every clock time in a text, or None when something else is in it (so a typo is never half read)."""
    found: list[time] = []
    rest = _CLOCK.sub(" ", text)
    for m in _CLOCK.finditer(text):
        t = _clock(int(m.group("h")), int(m.group("m") or 0), bool(m.group("half")), m.group("part"))
        if t is None:
            return None
        found.append(t)
    leftover = [w for w in L.fold(rest.replace("'", " ")).split() if w not in _CLOCK_GLUE]
    return found if found and not leftover else None


def parse_times(text: str, limit: int = 12) -> list[str] | None:
    """Typed clock times ('08:00, 19:00', 'jam 9 pagi sama jam 7 malem', '7pm') -> sorted unique 'HH:MM', or None."""
    if len(text) > 300:
        return None
    found = _clocks(text)
    if found is None or len(found) > limit:
        return None
    return sorted({t.strftime("%H:%M") for t in found})


def parse_quiet(text: str) -> tuple[str, str] | None:
    """'22:00-07:00', '22-7', 'jam 10 malam sampai jam 6 pagi' -> ('22:00', '07:00'); None when invalid or empty."""
    bits = re.split(r"\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b|\bsampai\b|\bsampe\b|\bhingga\b|s/d)\s*",
                    text.strip(), maxsplit=1, flags=re.IGNORECASE)
    if len(bits) != 2:
        return None
    first, second = _clocks(bits[0]), _clocks(bits[1])
    start = first[0] if first and len(first) == 1 else None
    end = second[0] if second and len(second) == 1 else None
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


JITTER_MAX = 180  # seconds: a user's nudges go out up to 3 minutes after their time, to spread a wave


def jitter(user_id: int, day: date, limit: int | None = None) -> int:
    """A delay in [0, limit) seconds, the same for a user all day and different from day to day (a stable hash,
    not Python's salted one): users who chose the same time are spread over a few minutes they cannot notice."""
    limit = JITTER_MAX if limit is None else limit
    if limit <= 0:
        return 0
    digest = hashlib.blake2b(f"{user_id}:{day.isoformat()}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % limit


def jittered(when: datetime, user_id: int, tz: tzinfo, quiet_start: str | None, quiet_end: str | None,
             limit: int | None = None) -> datetime:
    """The send time (`when`, already past quiet hours) delayed by the user's jitter, unless that would fall into
    quiet hours (then `when` itself)."""
    later = when + timedelta(seconds=jitter(user_id, when.astimezone(tz).date(), limit))
    return when if in_quiet(later, tz, quiet_start, quiet_end) else later


def late_from(slot: int, sched: int, user_id: int, tz: tzinfo, quiet_start: str | None,
              quiet_end: str | None) -> int:
    """When a series' occurrence counts as late from (for the grace window): the user's time (`slot`, moved past
    quiet hours), not the send time the jitter put a few minutes after it (spreading a wave must not stretch the
    window); a send time moved later for another reason (deferred to the end of quiet hours) counts from itself."""
    own = apply_quiet(from_ts(slot), tz, quiet_start, quiet_end)
    return to_ts(own) if to_ts(jittered(own, user_id, tz, quiet_start, quiet_end)) == sched else sched


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
