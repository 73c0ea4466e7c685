"""The nudge service: ONE APScheduler interval job (the tick) over the indexed nudges table."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from handlers.reminders.dispatch import Dispatcher, TickStats

if TYPE_CHECKING:
    from bot.config import Config
    from bot.core import Core

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0


class NudgeService:
    """Starts one interval job; each run starts a tick unless the previous one is still delivering.

    No job per user and no pickled job store: the schedule lives in SQLite (nudges.due_at, indexed), so the
    scheduler's memory does not grow with the number of users. Tests call `tick()` directly after moving a
    FakeClock (the clock is the core's).
    """

    def __init__(self, core: Core, config: Config | None = None, *, interval: float | None = None,
                 batch: int | None = None) -> None:
        self.core = core
        self.interval = interval or (config.nudge_tick if config is not None else TICK_SECONDS)
        grace = config.grace_hours if config is not None else 6.0
        paid = config is not None and config.paid_broadcast  # a channel's paid tier (bot/channels.py)
        # Enough sends in flight to fill the platform's rate: ~0.1-0.3 s a request at up to 1,000 msg/s when paid.
        # Pacing is the core's limiter (core.limiter, PAID_LIMITS when paid: see bot/ratelimit.py limits_for).
        batch = batch or (config.nudge_batch if config is not None else 100)
        self.dispatcher = Dispatcher(core, grace, batch=batch * (10 if paid else 1),
                                     concurrency=256 if paid else 64)
        if config is not None:
            self.dispatcher.store.reserve = config.nudge_reserve
        self.scheduler: AsyncIOScheduler | None = None
        self.totals = TickStats()
        self._task: asyncio.Task[TickStats] | None = None

    async def start(self) -> None:
        """Start the scheduler with its single tick job (the first tick runs at once)."""
        self.dispatcher.stopping = False
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler.add_job(self._kick, IntervalTrigger(seconds=self.interval), id="nudge-tick",
                               max_instances=1, coalesce=True, misfire_grace_time=None,
                               next_run_time=self.core.clock.now())
        self.scheduler.start()

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop ticking; let in-flight sends finish (so they get marked), then cancel what is left."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        self.dispatcher.stopping = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout)
            except (asyncio.TimeoutError, Exception):
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    async def _kick(self) -> None:
        if self._task is not None and not self._task.done():
            return  # still delivering the previous tick's nudges
        self._task = asyncio.create_task(self._run(), name="nudge-tick")

    async def _run(self) -> TickStats:
        try:
            stats = await self.tick()
        except Exception:
            log.exception("nudge tick failed")
            return TickStats()
        return stats

    async def tick(self) -> TickStats:
        """Deliver everything due now (tests call this directly)."""
        stats = await self.dispatcher.tick()
        self.totals.add(stats)
        if stats.sent or stats.skipped or stats.unknown or stats.unreachable or stats.retried:
            log.info("nudges: %d sent, %d skipped (late), %d delivery unknown (not re-sent), %d retried,"
                     " %d unreachable", stats.sent, stats.skipped, stats.unknown, stats.retried, stats.unreachable)
        return stats
