"""Helpers for the nudge tests: a user with a finished plan, one nudge kind on, the service on a fake clock."""
from __future__ import annotations

from typing import Any

from bot.config import Config
from bot.core import Core
from handlers.reminders.manage import ensure_defaults, reschedule_user
from handlers.reminders.service import NudgeService
from handlers.reminders.store import Nudge, NudgeStore
from bot.storage import Flow, User
from bot.types import Inbound, Outbound, UserRef

ANSWERS: dict[str, Any] = {
    "name": "Sari", "role": "artist", "purposes": ["exist", "engage"], "vision": "Musisi indie yang jujur",
    "mission": "Satu lagu tiap bulan", "goal_5y": "100 ribu pendengar", "goal_10y": None,
    "pillars": ["musik akustik", "kopi pagi", "kehidupan kampus"], "formats": ["short_video", "photo"],
    "cadence": "3", "daily_minutes": "30", "response_time": "12", "offline": "Manggung di kafe tiap bulan",
    "creative_angle": "Sketsa tangan", "quality": "Audio jernih", "criticism": "calm", "team": "alone",
}


async def done_user(core: Core, uid: str = "u1", lang: str = "id", tz: str | None = None,
                    answers: dict[str, Any] | None = None, platform: str = "fake") -> User:
    """A user who finished the plan, with default nudges (and a zone if given)."""
    user = await core.storage.get_or_create_user(platform, uid, "Sari")
    await core.storage.update_user(user.id, language=lang, language_pinned=1)
    for step, value in (answers or ANSWERS).items():
        await core.storage.save_answer(user.id, step, value)
    await core.storage.save_flow(Flow(user.id, "done", None, None, [], None))
    await ensure_defaults(core.storage, user.id)
    if tz is not None:
        await NudgeStore(core.storage).update_settings(user.id, tz=tz)
        await reschedule_user(core.storage, user.id)
    found = await core.storage.user_by_id(user.id)
    assert found is not None
    return found


async def only(core: Core, user: User, kind: str, times: list[str] | None = None,
               days: list[int] | None = None) -> Nudge:
    """Leave just one kind on (optionally with given times/days); returns it."""
    store = NudgeStore(core.storage)
    keep = None
    for n in await store.series(user.id):
        if n.kind == kind:
            fields: dict[str, Any] = {}
            if times is not None:
                fields.update(times=times, custom=True)
            if days is not None:
                fields["days"] = days
            if fields:
                await store.update(n.id, **fields)
            keep = n
        else:
            await store.update(n.id, enabled=False)
    await reschedule_user(core.storage, user.id)
    assert keep is not None
    got = await store.get(keep.id)
    assert got is not None
    return got


def service(core: Core, grace_hours: float = 6.0) -> NudgeService:
    return NudgeService(core, Config(grace_hours=grace_hours))


async def series(core: Core, user: User, kind: str) -> Nudge:
    for n in await NudgeStore(core.storage).series(user.id):
        if n.kind == kind:
            return n
    raise AssertionError(kind)


async def tap(core: Core, user: User, value: str) -> list[Outbound]:
    return await core.handle(Inbound(UserRef(user.platform, user.platform_user_id), "choice", choice=value))


async def say(core: Core, user: User, text: str) -> list[Outbound]:
    return await core.handle(Inbound(UserRef(user.platform, user.platform_user_id), "text", text=text))


async def cmd(core: Core, user: User, name: str, *args: str) -> list[Outbound]:
    return await core.handle(Inbound(UserRef(user.platform, user.platform_user_id), "command", command=name,
                                     args=args))


def keys(out: list[Outbound]) -> list[str]:
    return [m.key for m in out]
