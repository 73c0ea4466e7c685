"""The inbox sweep: every update a worker accepted is answered, even when that worker died before handling it.

An adapter records each platform update in the inbox (Core.accept) before the platform is told it arrived; the
chat's next update, on whichever worker, handles the chat's waiting rows first. What is left after the last update
of a chat (its worker was SIGKILLed between the commit and the handling, or this process crashed before a restart)
is picked up here: at start and every SWEEP_EVERY seconds, the chats with a row accepted SWEEP_AGE seconds ago or
more and still waiting are handled in their turn (a chat another worker is serving is left to it). Handled rows are
purged once older than the platform's redelivery window (Core.REDELIVERY_WINDOW), every PURGE_EVERY seconds.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

SWEEP_EVERY = 2.0    # seconds between two looks at the inbox
SWEEP_AGE = 2        # a waiting row this old (s) has no live worker on it: its own handling starts at once
PURGE_EVERY = 600.0  # seconds between two purges of handled rows older than the redelivery window


class InboxSweep:
    """A service (start/stop) of the App: sweeps the inbox in the background. Sleep is injectable (tests)."""

    def __init__(self, core: Core, every: float = SWEEP_EVERY, age: int = SWEEP_AGE,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.core = core
        self.every = every
        self.age = age
        self.sleep = sleep
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="inbox-sweep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def once(self, purge: bool = False) -> None:
        """One sweep (and a purge when asked); failures are logged, the next sweep tries again."""
        from bot.core import REDELIVERY_WINDOW

        try:
            await self.core.sweep_inbox(self.age)
            if purge:
                before = int(self.core.clock.now().timestamp()) - REDELIVERY_WINDOW
                gone = await self.core.storage.purge_inbox(before)
                if gone:
                    log.info("inbox: %d handled updates past the redelivery window purged", gone)
        except Exception:
            log.exception("the inbox sweep failed; trying again in %.0fs", self.every)

    async def _run(self) -> None:
        since_purge = PURGE_EVERY  # purge at start too
        while True:
            purge = since_purge >= PURGE_EVERY
            await self.once(purge)
            since_purge = 0.0 if purge else since_purge + self.every
            await self.sleep(self.every)
