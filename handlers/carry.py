"""Which platforms can carry which formats (content/calendar.toml [formats] and [home]), pure.

One answer for every place that pairs a format with a platform: the calendar's slots, /idea and the "post today"
nudges' ideas, so none of them suggests a YouTube video on a WhatsApp slot or a photo for a podcast.
"""
from __future__ import annotations

from collections.abc import Sequence

from bot.content import load_content


def carriers(fmt: str) -> list[str]:
    """The platforms that can carry a format, best first."""
    return [str(p) for p in (load_content("calendar").get("formats") or {}).get(fmt, [])]


def carries(platform: str, fmt: str) -> bool:
    """Whether a platform can carry a format (a post with no platform named carries any)."""
    return not platform or platform in carriers(fmt)


def home(platform: str) -> str:
    """The format a platform is made for ("" when the content names none)."""
    return str((load_content("calendar").get("home") or {}).get(platform, ""))


def slot_formats(formats: Sequence[str], platforms: Sequence[str]) -> list[str]:
    """The formats to make for these platforms: the given formats that one of the platforms carries, then the home
    format of each platform none of them reaches (a podcast gets audio even if it was not ticked); the formats as
    they are when no platform is named (or nothing would be left)."""
    if not platforms:
        return list(formats)
    out = [f for f in formats if any(carries(p, f) for p in platforms)]
    for p in platforms:
        own = home(p)
        if own and own not in out and not any(carries(p, f) for f in out):
            out.append(own)
    return out or list(formats)
