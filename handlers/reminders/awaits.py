"""The typed input the reminders feature awaits (bot/state.py): its templates are what older versions stored."""
from __future__ import annotations

from bot.state import Await, awaits


@awaits("tz")
class Zone(Await):
    """A time zone or a place, asked from /reminders."""


@awaits("tz:first")
class FirstZone(Await):
    """The zone question asked with the first plan: a message that names no place moves on."""


@awaits("quiet")
class Quiet(Await):
    """Quiet hours ('jam 10 malam sampai jam 8 pagi')."""


@awaits("times:{kind}")
class Times(Await):
    """New times for one kind of reminder."""

    kind: str


@awaits("stop")
class Stop(Await):
    """Yes or no to stopping every reminder."""


@awaits("menu:main")
class MainMenu(Await):
    """The /reminders overview is shown: a typed label works like its button."""


@awaits("menu:kind:{kind}")
class KindMenu(Await):
    """One kind's menu is shown: a typed label, or times, work too."""

    kind: str


@awaits("win:{week}")
class Win(Await):
    """The weekly check-in's win, typed (ISO week '2026-W02')."""

    week: str
