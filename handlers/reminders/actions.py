"""The reminders feature's button payloads: the /reminders menu, snoozing a nudge, the weekly check-in."""
from __future__ import annotations

from bot.actions import Action, action


@action("r:m", role="navigation")
class RemindersMenu(Action):
    """Back to the /reminders overview."""


@action("r:k:{kind}")
class KindMenu(Action):
    kind: str


@action("r:o:{kind}:{on}")
class KindSwitch(Action):
    kind: str
    on: bool


@action("r:t:{kind}")
class KindTimes(Action):
    """Type new times for a kind."""

    kind: str


@action("r:d:{kind}")
class KindDefault(Action):
    """Back to the times the plan suggests for a kind."""

    kind: str


@action("r:z", role="navigation")
class ZoneMenu(Action):
    pass


@action("r:z:type")
class ZoneType(Action):
    pass


@action("r:z:{alias}")
class ZonePick(Action):
    alias: str


@action("r:q", role="navigation")
class QuietMenu(Action):
    pass


@action("r:q:type")
class QuietType(Action):
    pass


@action("r:q:off")
class QuietOff(Action):
    pass


@action("r:q:{preset}")
class QuietPick(Action):
    preset: str


@action("r:p:{paused}")
class PauseAll(Action):
    paused: bool


@action("r:s", role="danger")
class StopAll(Action):
    pass


@action("r:s:yes", role="danger")
class StopAllYes(Action):
    pass


@action("r:a", role="submit")
class AllOn(Action):
    pass


@action("n:{nudge}:{slot:x}:{delay}")
class Snooze(Action):
    """Send this occurrence of a nudge again later: delay h (an hour), d (tomorrow), w (next week)."""

    nudge: int
    slot: int
    delay: str


@action("w:{week}:p:{posts}")
class CheckinPosts(Action):
    week: str
    posts: str


@action("w:{week}:r:{on_time}")
class CheckinOnTime(Action):
    week: str
    on_time: bool


@action("w:{week}:s", role="navigation")
class CheckinSkipWin(Action):
    week: str


@action("dn:{kind}:{day}", role="submit")
class Done(Action):
    """The user did what a daily nudge asked: kind "posted" or "replied", on day "YYYYMMDD" (their zone)."""

    kind: str
    day: str
