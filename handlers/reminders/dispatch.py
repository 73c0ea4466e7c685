"""One tick: find due nudges, then claim -> send -> mark sent, within the grace window and the platform limits.

Crash policy (never two copies of one nudge): a nudge is claimed (claimed_at, attempts+1, committed) right
before it is sent and marked sent right after. A nudge found still claimed after the lease (the process died
between claim and mark, so it may or may not have gone out) is not sent again: it is counted in `unknown`
(delivery unknown) and its series moves on. The same holds for a send the adapter reports as DeliveryUnknown
(a timeout after the request went out): only a send that provably did not reach the platform (RetryLater) is
tried again. Every attempt, re-sends included, takes a slot of the core's rate limiter (the adapter takes it, in
the nudge lane: replies go first).

Several workers (PostgreSQL): a tick reserves its batch under a fresh token for a while (store.PG_DUE_SQL); a
worker that stalls past it may find the row reserved again by another. Every write the dispatcher makes to a row it
read (catch-up, deferral, claim, sent, released, skipped) is fenced (store.fence): it applies only if the row is
still the occurrence it read, claimed by it or by nobody, under its token; otherwise the dispatcher leaves the row
alone. So a stale copy can neither claim a nudge another worker holds nor move a sent row back to the occurrence
just sent.

One delivery per user: the nudges due for one user in a batch are sent together, through one send_to call, so the
channel shows them as one message with the buttons of each where they fit (bot/compose.py), else as few as it can.
Each nudge is still claimed, fenced and closed on its own; all of a delivery close together (sent, or delivery
unknown), are released together (retry later, unreachable), and parts of it that reached the user before a failure
are recorded on each of them with the delivery's fingerprint, so that the same delivery goes again without them.

Quiet hours: a catch-up or a retry that falls inside them is deferred to their end, and its lateness is then
measured from that deferred time (sched_at is moved there): it is sent once at the end of the quiet hours,
however long the downtime before it was.

Grace window: an occurrence less than `grace_hours` late (downtime, retries, a user who came back) is sent once;
its lateness counts from the user's time (past quiet hours), not from the jittered send time a few minutes after;
an older one is skipped and counted (nudges.skipped). When a series missed several occurrences, only its latest
one still inside the window is sent (the earlier ones are counted as skipped): one catch-up message per series,
never a burst of stale copies.
"""
from __future__ import annotations

import asyncio
import zlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot import metrics
from bot.adapters.base import DeliveryUnknown, RetryLater, UserUnreachable
from bot.ratelimit import NUDGE, slot_taken
from handlers.reminders import content as C
from handlers.reminders import schedule as S
from handlers.reminders.manage import ensure_defaults, next_slot
from handlers.reminders.store import Due, NudgeStore
from bot.types import Outbound

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)


@dataclass
class TickStats:
    """What one tick did (also summed over the service's lifetime)."""

    sent: int = 0
    skipped: int = 0       # more than the grace window late
    deferred: int = 0      # due inside quiet hours (a catch-up or a retry): moved to their end
    unknown: int = 0       # maybe delivered (claimed but never marked, or a timeout mid-send): never re-sent
    retried: int = 0       # RetryLater or another failure: tried again later
    unreachable: int = 0   # the platform refused the user: their nudges pause
    created: int = 0       # users given their default nudges
    errors: list[str] = field(default_factory=list)

    def add(self, other: TickStats) -> None:
        for name in ("sent", "skipped", "deferred", "unknown", "retried", "unreachable", "created"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def fingerprint(message: Outbound) -> int:
    """A short fingerprint of a rendered nudge (what its delivered parts belong to), stable across processes."""
    return zlib.crc32(message.text.encode("utf-8")) & 0x7FFFFFFF


def fingerprint_of(messages: list[Outbound]) -> int:
    """The fingerprint of one delivery's messages (what its delivered parts belong to): a single nudge's is its own
    `fingerprint` (as recorded before nudges were sent together), several nudges' covers each text in order."""
    if len(messages) == 1:
        return fingerprint(messages[0])
    return zlib.crc32("\x1e".join(m.text for m in messages).encode("utf-8")) & 0x7FFFFFFF


def wave_order(rows: list[Due]) -> list[Due]:
    """Send order within a batch: earliest due first (the users whose local time came first), and among nudges
    due at the same moment (a wave: everyone's 09:00 in one zone) an order that rotates every occurrence, so the
    same users are not always at the tail of a wave that takes minutes to send."""
    return sorted(rows, key=lambda d: (d.nudge.due_at or 0,
                                       zlib.crc32(f"{d.nudge.user_id}:{d.nudge.due_at}".encode())))


class Dispatcher:
    """Reads due nudges from SQLite and delivers them through core.send_to."""

    def __init__(self, core: Core, grace_hours: float = 6.0, *, batch: int = 100, concurrency: int = 64,
                 lease_seconds: int = 300) -> None:
        self.core = core
        self.store = NudgeStore(core.storage)
        self.grace = int(grace_hours * 3600)
        self.batch = batch
        self.concurrency = concurrency
        self.lease = lease_seconds
        self.stopping = False
        self._sweep_cursor: int | None = 0

    def now(self) -> int:
        return S.to_ts(self.core.clock.now())

    async def tick(self) -> TickStats:
        """Recover expired leases, skip what is too late, create missing defaults, deliver what is due."""
        stats = TickStats()
        await self._expire_leases(stats)
        await self._skip_stale(stats)
        if self._sweep_cursor is not None:
            await self._create_missing(stats)
        if metrics.enabled():
            metrics.nudge_backlog(await self.store.backlog(self.now()))
        seen: set[int] = set()
        while not self.stopping:
            rows = [d for d in await self.store.due(self.now(), self.batch) if d.nudge.id not in seen]
            if not rows:
                break
            seen.update(d.nudge.id for d in rows)
            await self._deliver_all(rows, stats)
        return stats

    async def _create_missing(self, stats: TickStats, budget: int = 20000) -> None:
        """Users who finished the plan before the nudges existed get their defaults (a cursor over flows)."""
        scanned = 0
        while self._sweep_cursor is not None and scanned < budget and not self.stopping:
            users, cursor = await self.store.done_without_settings(self._sweep_cursor, 2000)
            for user_id in users:
                if await ensure_defaults(self.core.storage, user_id):
                    stats.created += 1
            self._sweep_cursor = cursor
            scanned += 2000

    async def _expire_leases(self, stats: TickStats) -> None:
        now = self.now()
        for due in await self.store.expired_leases(now - self.lease, 1000):
            if await self._move_on(due, sent_at=None, skipped=1):
                log.warning("nudge %s was claimed but never marked sent (crash?): delivery unknown, not sent again",
                            due.nudge.id)
                stats.unknown += 1

    async def _skip_stale(self, stats: TickStats) -> None:
        """Nudges more than the grace window late (downtime, blocked users) are skipped and counted; a series
        whose latest occurrence is still inside the window catches up to it (it is then sent in this tick)."""
        while True:
            rows = await self.store.stale(self.now() - self.grace, 1000)
            for due in rows:
                await self._catch_up(due, stats)
            if len(rows) < 1000:
                return

    def _latest(self, due: Due) -> tuple[int | None, int | None, int]:
        """The series' latest occurrence already due now: (slot, sched, occurrences passed over to reach it)."""
        n = due.nudge
        now = self.now()
        slot, sched, passed = n.slot_at, n.sched_at, 0
        floor = now - self.grace - 86400  # older occurrences can only be skipped: no need to walk through them
        after = max(slot or floor, floor)
        for _ in range(1000):
            nxt, nxt_sched = next_slot(n.times, n.days, n.monthday, due.tz, due.quiet_start, due.quiet_end,
                                       S.from_ts(after), n.user_id)
            if nxt is None or nxt_sched is None or nxt_sched > now:
                break
            slot, sched, after, passed = nxt, nxt_sched, nxt, passed + 1
        return slot, sched, passed

    async def _catch_up(self, due: Due, stats: TickStats) -> bool:
        """Skip missed occurrences: keep the latest if it is less than the grace window late; True if kept."""
        n = due.nudge
        now = self.now()
        if n.once:
            if now - (n.sched_at or n.due_at or now) > self.grace:
                if await self._move_on(due, sent_at=None, skipped=1):
                    stats.skipped += 1
                return False
            return True
        slot, sched, passed = self._latest(due)
        late_from = sched if slot is None or sched is None else \
            S.late_from(slot, sched, n.user_id, S.zone(due.tz), due.quiet_start, due.quiet_end)
        if late_from is not None and now - late_from <= self.grace:
            if passed:
                # Fenced: a worker that read the row before another one sent this very occurrence must not move
                # the row back to it (it would then claim and send it a second time).
                if not await self.store.revise(due, slot_at=slot, sched_at=sched, due_at=sched,
                                               skipped=n.skipped + passed):
                    return False
                stats.skipped += passed
            return True
        if await self._move_on(due, sent_at=None, skipped=passed + 1):
            stats.skipped += passed + 1
        return False

    async def _move_on(self, due: Due, *, sent_at: int | None, skipped: int = 0) -> bool:
        """Close the occurrence and schedule the series' next one after now (a snoozed occurrence just ends);
        False if the row was no longer that occurrence (another worker or the user changed it: left as it is)."""
        n = due.nudge
        slot = sched = None
        if not n.once:
            slot, sched = next_slot(n.times, n.days, n.monthday, due.tz, due.quiet_start, due.quiet_end,
                                    self.core.clock.now(), n.user_id)
        return await self.store.advance(due, sent_at=sent_at, slot=slot, sched=sched, skipped=skipped)

    async def _deliver_all(self, rows: list[Due], stats: TickStats) -> None:
        """Deliver a batch: one unit of work per user (their nudges due together go as one delivery), users in wave
        order (by their earliest nudge)."""
        queue: asyncio.Queue[list[Due]] = asyncio.Queue()
        users: dict[tuple[str, str], list[Due]] = {}
        for row in wave_order(rows):
            users.setdefault((row.platform, row.platform_user_id), []).append(row)
        for group in users.values():
            queue.put_nowait(group)

        async def worker() -> None:
            while not queue.empty() and not self.stopping:
                group = queue.get_nowait()
                try:
                    await self.deliver_together(group, stats)
                except Exception as exc:  # a bug must not stop the other deliveries
                    log.exception("nudges %s failed unexpectedly", [d.nudge.id for d in group])
                    stats.errors.append(repr(exc))

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(users)))))

    async def render(self, due: Due) -> Outbound:
        """The nudge's message in the user's language (and register), from their plan."""
        n = due.nudge
        kinds = C.kinds()
        kind = kinds.get(n.kind)
        if kind is None:
            raise LookupError(f"unknown nudge kind {n.kind!r}")
        storage = self.core.storage
        answers = await storage.answers(n.user_id)
        slot = n.slot_at or n.due_at or 0
        idea = None
        if kind.idea:
            recent = await self.store.recent_ideas(n.user_id)
            idea = C.pick_idea(answers, recent, f"{n.user_id}:{slot}:{n.sent_count}")
        week = S.iso_week(S.from_ts(slot), S.zone(due.tz))
        day = S.from_ts(slot).astimezone(S.zone(due.tz)).strftime("%Y%m%d")
        user = await storage.find_user(due.platform, due.platform_user_id)  # how they are addressed (e.g. formally)
        lang = self.core.catalog.tag(due.language or "id", user.register if user is not None else None)
        return C.render(self.core.catalog, lang, kind, nudge_id=n.id, slot=slot,
                        sent_count=n.sent_count, answers=answers, times=n.times, days=n.days, week=week, idea=idea,
                        day=day)

    async def deliver(self, due: Due, stats: TickStats) -> None:
        """Claim, send, mark sent; or skip (too late), pause (unreachable), retry later (anything else)."""
        await self.deliver_together([due], stats)

    async def _ready(self, due: Due, stats: TickStats) -> Outbound | None:
        """The nudge's message if it is to be sent now; None when it was skipped (too late), deferred (quiet hours)
        or could not be rendered (retried in an hour)."""
        n = due.nudge
        if not await self._catch_up(due, stats):
            return None
        # A catch-up or a retry can fall inside quiet hours even when the schedule did not: wait for their end.
        quiet_end = S.to_ts(S.apply_quiet(self.core.clock.now(), S.zone(due.tz), due.quiet_start, due.quiet_end))
        if quiet_end > self.now():
            # It is inside the grace window now; from here on its lateness counts from the end of the quiet
            # hours (sched_at moves there too), so downtime or retries before them cannot make it "too late".
            if await self.store.revise(due, due_at=quiet_end, sched_at=quiet_end):
                stats.deferred += 1
            return None
        try:
            return await self.render(due)
        except Exception as exc:
            log.exception("nudge %s could not be rendered", n.id)
            stats.errors.append(repr(exc))
            if await self.store.revise(due, due_at=self.now() + 3600):
                stats.retried += 1
            return None

    async def deliver_together(self, dues: list[Due], stats: TickStats) -> None:
        """One user's nudges due in this tick (grace window and quiet hours checked for each), sent as one delivery
        so that the channel shows them as one message with each one's buttons where it can (bot/compose.py).

        A delivery that failed for now after some of its parts reached the user recorded those parts on each of its
        nudges, with the fingerprint of the whole delivery: those nudges go again together, as they were, and the
        parts the user has are left out (so no part twice, none lost). When they no longer are what was sent (one was
        changed or closed meanwhile) they go with the others, whole, as a single nudge whose text changed does."""
        ready = [(due, message) for due in sorted(dues, key=lambda d: d.nudge.id)
                 if (message := await self._ready(due, stats)) is not None]
        resumed: dict[int, list[tuple[Due, Outbound]]] = {}
        for due, message in ready:
            if due.nudge.parts_sent and due.nudge.parts_of is not None:
                resumed.setdefault(due.nudge.parts_of, []).append((due, message))
        fresh = list(ready)
        for printed, items in resumed.items():
            if fingerprint_of([m for _, m in items]) == printed:
                await self._send(items, stats)
                taken = {id(due) for due, _ in items}
                fresh = [(due, message) for due, message in fresh if id(due) not in taken]
        if not fresh:
            return
        if dues[0].platform in self.core.channels:
            await self._send(fresh, stats)
            return
        # A channel that declared nothing it can show gets each message as it is (none combined): one delivery each,
        # so that a failure holds back no more than its own nudge.
        for item in fresh:
            await self._send([item], stats)

    async def _send(self, items: list[tuple[Due, Outbound]], stats: TickStats) -> None:
        """Claim the nudges, send them in one delivery (one send_to call), close or release them all together."""
        first = items[0][0]
        platform, address = first.platform, first.platform_user_id
        # The first send's slot is taken before the claim: a claimed nudge never waits in the limiter, so a crash
        # leaves few claimed-but-unsent nudges. The adapter paces every further attempt (re-sends) itself.
        await self.core.limiter.acquire(platform, address, NUDGE)
        now = self.now()
        # a nudge changed meanwhile, or our reservation ran out and another worker took it over, is left out
        claimed = [(due, message) for due, message in items if await self.store.claim(due, now)]
        if not claimed:
            return
        messages = [message for _, message in claimed]
        # A send that failed for now after some parts went out continues after them (the same delivery).
        printed = fingerprint_of(messages)
        skip = min(due.nudge.parts_sent if due.nudge.parts_of == printed else 0 for due, _ in claimed)
        try:
            with slot_taken(platform, address):
                await self.core.send_to(platform, address, messages, skip)
        except UserUnreachable:
            # The user blocked the bot / closed DMs: reachable=0 parks all their nudges (out of the due index)
            # until they write again.
            await self.core.unreachable(platform, address)
            for due, _ in claimed:
                assert due.nudge.due_at is not None
                await self.store.release(due, due.nudge.due_at)
                stats.unreachable += 1
            return
        except DeliveryUnknown as exc:
            # The request went out and no answer came back: the user may have them. Never sent again.
            log.warning("nudges %s to %s: delivery unknown (%s), not sent again", [d.nudge.id for d, _ in claimed],
                        platform, exc)
            for due, message in claimed:
                await self._move_on(due, sent_at=None)
                if message.source:
                    await self.store.log_idea(due.nudge.user_id, message.source, self.now())
                stats.unknown += 1
            return
        except RetryLater as exc:
            self.core.limiter.pause(platform, exc.after)
            parts = (exc.delivered, printed) if exc.delivered > skip else None  # new parts reached the user
            for due, _ in claimed:
                await self.store.release(due, self.now() + max(1, int(exc.after + 0.999)), parts=parts)
                stats.retried += 1
            return
        except Exception as exc:
            for due, _ in claimed:
                backoff = min(3600, 60 * 2 ** min(due.nudge.attempts, 6))
                log.warning("nudge %s to %s failed (%r): retry in %ss", due.nudge.id, platform, exc, backoff)
                await self.store.release(due, self.now() + backoff)
                stats.retried += 1
            return
        for due, message in claimed:
            await self._move_on(due, sent_at=self.now())
            n = due.nudge
            assert n.due_at is not None
            metrics.nudge_sent(self.now() - (n.sched_at or n.due_at))  # lateness after its scheduled time
            if message.source:
                await self.store.log_idea(n.user_id, message.source, self.now())
            stats.sent += 1
