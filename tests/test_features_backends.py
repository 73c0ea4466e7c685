"""The features that came after the PostgreSQL backend, on both backends: a whole questionnaire and its confirm
(plan file, card, PDF), /card, /calendar with its .ics, /progress with a check-in, /check of a typed draft, /idea."""
from __future__ import annotations

from datetime import datetime, timezone

import icalendar

import answers as A
from bot.clock import FakeClock
from bot.core import Core
from bot.types import Inbound, Outbound, UserRef
from conftest import PERSONA_EN
from handlers.reminders import schedule as S
from handlers.reminders.store import NudgeStore

BACKENDS = ("sqlite", "postgresql")
USER = UserRef("console", "feature-user", "Sam")


async def cmd(core: Core, name: str, *args: str) -> list[Outbound]:
    return await core.handle(Inbound(USER, "command", command=name, args=args))


def files_of(out: list[Outbound]) -> list[tuple[str, str]]:
    return [(m.file.mime, m.key) for m in out if m.file is not None]


async def test_confirm_card_calendar_progress_check_and_ideas(core: Core, clock: FakeClock) -> None:
    clock.set(datetime(2026, 1, 14, 3, 0, tzinfo=timezone.utc))
    sent: list[Outbound] = []

    class Recorder:  # the console's unprompted sends: the plan's pictures follow its text
        platform = "console"

        async def send(self, user_id: str, messages: list[Outbound]) -> None:
            sent.extend(messages)

    core.add_adapter(Recorder())  # type: ignore[arg-type]
    await A.walk(core, USER, PERSONA_EN)
    out = await core.handle(Inbound(USER, "choice", choice=A.CONFIRM_TAP))
    assert files_of(out) == [("text/markdown", "plan.file_caption")]
    assert await core.follow_ups.drain() == 0
    assert files_of(sent) == [("image/png", "pic.card.caption"), ("application/pdf", "pic.pdf.caption")]
    card = await cmd(core, "card")
    assert files_of(card) == [("image/png", "pic.card.caption")]
    assert card[0].file is not None and card[0].file.data.startswith(b"\x89PNG")

    out = await cmd(core, "calendar")
    assert [m.key for m in out] == ["cal.title"] and "This week" in out[0].text
    ics = await cmd(core, "calendar", "ics")
    assert ics[0].file is not None and ics[0].file.mime == "text/calendar"
    events = list(icalendar.Calendar.from_ical(ics[0].file.data).walk("VEVENT"))
    assert events and len({str(e["UID"]) for e in events}) == len(events)

    user = await core.storage.find_user("console", USER.user_id)
    assert user is not None
    week = S.iso_week(core.clock.now(), S.zone(S.DEFAULT_ZONE))
    await NudgeStore(core.storage).save_checkin(user.id, week, posts="3-4", on_time=1)
    progress = await cmd(core, "progress")
    assert [m.key for m in progress] == ["progress.title", "pic.chart.caption"]
    assert progress[1].file is not None and progress[1].file.data.startswith(b"\x89PNG")

    out = await cmd(core, "check")
    assert [m.key for m in out] == ["check.ask"]
    draft = "Share before it gets deleted: secret recipe!"
    out = await core.handle(Inbound(USER, "text", text=draft))
    assert [m.key for m in out] == ["check.title"] and "hoax" in out[0].text
    assert draft not in repr(await core.storage.export_user(user.id))  # a checked draft is never stored

    first = await cmd(core, "idea")
    second = await cmd(core, "idea")
    assert first and second and first[0].text != second[0].text
