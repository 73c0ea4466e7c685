"""Time zones as the features store them: an IANA name or 'UTC+HH:MM', read back into a tzinfo.

One place for the plan's schedule (handlers/plan/posting.py) and the reminders (handlers/reminders/schedule.py):
both turn a stored zone into wall-clock times, and they must agree. A module of its own because the reminders
package imports the plan, so the plan cannot import the reminders' schedule without a cycle."""
from __future__ import annotations

import re
from datetime import timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Jakarta"
_UTC_OFFSET = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")


@lru_cache(maxsize=4096)
def zone(name: str) -> tzinfo:
    """A tzinfo for a stored zone name (IANA or 'UTC+HH:MM'); unknown names fall back to the default zone."""
    m = _UTC_OFFSET.match(name)
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return timezone(delta if m.group(1) == "+" else -delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)
