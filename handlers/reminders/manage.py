"""Per-user nudge operations shared by the /reminders handlers and the scheduler: defaults, reschedule, snooze."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from handlers.plan import posting as P
from handlers.reminders import content as C
from handlers.reminders import schedule as S
from handlers.reminders.store import Nudge, NudgeStore, Settings
from bot.storage import Storage


def next_slot(times: list[str], days: list[int], monthday: int | None, tz: str, quiet_start: str | None,
              quiet_end: str | None, after: datetime, user_id: int | None = None) -> tuple[int | None, int | None]:
    """(slot, sched) of the first occurrence after `after`: its nominal time and its send time (past quiet hours,
    then, for a user, delayed by their jitter of the day: S.jittered)."""
    zone = S.zone(tz)
    slot = S.next_occurrence(after, zone, times, days, monthday)
    if slot is None:
        return None, None
    sched = S.apply_quiet(slot, zone, quiet_start, quiet_end)
    if user_id is not None:
        sched = S.jittered(sched, user_id, zone, quiet_start, quiet_end)
    return S.to_ts(slot), S.to_ts(sched)


async def own_schedule(storage: Storage, user_id: int) -> tuple[list[str] | None, list[int] | None, list[str] | None]:
    """(reply times, posting days, posting times) of the enabled reminders the user set themselves; None where they
    follow the plan's answers."""
    kinds = C.kinds()
    reply: list[str] | None = None
    days: list[int] | None = None
    post: list[str] | None = None
    for n in await NudgeStore(storage).series(user_id):
        kind = kinds.get(n.kind)
        if kind is None or not n.enabled or not n.custom:
            continue
        if kind.times_from == "response_time" and n.times:
            reply = list(n.times)
        if kind.days_from == "cadence":
            days = list(n.days) if n.days else days
            post = list(n.times) if n.times else post
    return reply, days, post


async def posting_of(storage: Storage, user_id: int, answers: dict[str, Any]) -> P.Posting:
    """The user's one posting schedule (handlers/plan/posting.py): their own post reminder days and times, else the
    plan's, in their zone today. The plan, card, calendar and /progress all read this."""
    settings = await NudgeStore(storage).get_settings(user_id)
    tz = settings.tz if settings else first_zone(answers)
    _, days, times = await own_schedule(storage, user_id)
    return P.decide(answers, tz, today(storage, tz), days, times)


def first_zone(answers: dict[str, Any]) -> str:
    """The zone a user's settings start with before they choose one: the place the answers name, else WIB."""
    return P.provisional_zone(answers) or S.DEFAULT_ZONE


def today(storage: Storage, tz: str) -> date:
    """Today in the zone, by the storage's clock."""
    return storage.clock.now().astimezone(S.zone(tz)).date()


async def ensure_defaults(storage: Storage, user_id: int, *, refresh: bool = False, only_defaults: bool = False) -> bool:
    """Create the user's settings and a series per nudge kind from their plan; True if anything was created.

    With refresh (the plan was confirmed again), series whose times the user never typed follow the new answers;
    with only_defaults too (the zone changed), series the user set themselves are left entirely as they are.
    """
    store = NudgeStore(storage)
    created = False
    settings = await store.get_settings(user_id)
    answers = await storage.answers(user_id)
    if settings is None:  # a zone the user chose is kept; until then the one their answers' place is in
        await store.create_settings(user_id, first_zone(answers))
        settings = await store.get_settings(user_id)
        created = True
    assert settings is not None
    now = storage.clock.now()
    existing = {n.kind: n for n in await store.series(user_id)}
    on = today(storage, settings.tz)
    for kind in C.kinds().values():
        times, days, monthday = C.default_schedule(kind, answers, settings.tz, on)
        have = existing.get(kind.id)
        if have is None:
            slot, sched = next_slot(times, days, monthday, settings.tz, settings.quiet_start, settings.quiet_end, now,
                                    user_id)
            await store.add_series(user_id, kind.id, times, days, monthday, True,
                                   not settings.paused and sched is not None, slot, sched)
            created = True
            continue
        if have.custom and only_defaults:
            continue
        times = have.times if have.custom else times
        if refresh and (have.times != times or have.days != days or have.monthday != monthday):
            await store.update(have.id, times=times, days=days, monthday=monthday)
            have.times, have.days, have.monthday = times, days, monthday
            await reschedule(store, have, settings, now)
    return created


async def reschedule(store: NudgeStore, nudge: Nudge, settings: Settings, now: datetime) -> None:
    """Recompute a series' next occurrence from now (after a change of zone, times, quiet hours or pause)."""
    if nudge.once:
        sched = nudge.sched_at
        if sched is not None:
            zone = S.zone(settings.tz)
            sched = S.to_ts(S.apply_quiet(S.from_ts(sched), zone, settings.quiet_start, settings.quiet_end))
        await store.update(nudge.id, active=not settings.paused and sched is not None, sched_at=sched, due_at=sched)
        return
    slot, sched = next_slot(nudge.times, nudge.days, nudge.monthday, settings.tz, settings.quiet_start,
                            settings.quiet_end, now, nudge.user_id)
    active = nudge.enabled and not settings.paused and sched is not None
    await store.update(nudge.id, active=active, slot_at=slot, sched_at=sched, due_at=sched, claimed_at=None,
                       attempts=0)


async def reschedule_user(storage: Storage, user_id: int) -> None:
    """Recompute every nudge of a user (series and snoozed occurrences)."""
    store = NudgeStore(storage)
    settings = await store.get_settings(user_id)
    if settings is None:
        return
    now = storage.clock.now()
    for nudge in await store.series(user_id):
        await reschedule(store, nudge, settings, now)
    for nudge in await store.pending_once(user_id):
        await reschedule(store, nudge, settings, now)


async def snooze(storage: Storage, nudge: Nudge, slot: int, option: str) -> int:
    """Send this one occurrence again later ('h', 'd', 'w'); the series itself is untouched. Returns the time."""
    store = NudgeStore(storage)
    settings = await store.get_settings(nudge.user_id)
    tz = settings.tz if settings else S.DEFAULT_ZONE
    zone = S.zone(tz)
    now = storage.clock.now()
    when = S.snooze_time(option, now, S.from_ts(slot), zone)
    if settings is not None:
        when = S.apply_quiet(when, zone, settings.quiet_start, settings.quiet_end)
    ts = S.to_ts(when)
    await store.upsert_snooze(nudge, slot, ts, active=not (settings and settings.paused))
    return ts
