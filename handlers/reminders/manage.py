"""Per-user nudge operations shared by the /reminders handlers and the scheduler: defaults, reschedule, snooze."""
from __future__ import annotations

from datetime import datetime

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


async def ensure_defaults(storage: Storage, user_id: int, *, refresh: bool = False) -> bool:
    """Create the user's settings and a series per nudge kind from their plan; True if anything was created.

    With refresh (the plan was confirmed again), series whose times the user never typed follow the new answers.
    """
    store = NudgeStore(storage)
    created = False
    settings = await store.get_settings(user_id)
    if settings is None:
        await store.create_settings(user_id, S.DEFAULT_ZONE)
        settings = await store.get_settings(user_id)
        created = True
    assert settings is not None
    answers = await storage.answers(user_id)
    now = storage.clock.now()
    existing = {n.kind: n for n in await store.series(user_id)}
    for kind in C.kinds().values():
        times, days, monthday = C.default_schedule(kind, answers)
        have = existing.get(kind.id)
        if have is None:
            slot, sched = next_slot(times, days, monthday, settings.tz, settings.quiet_start, settings.quiet_end, now,
                                    user_id)
            await store.add_series(user_id, kind.id, times, days, monthday, True,
                                   not settings.paused and sched is not None, slot, sched)
            created = True
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
