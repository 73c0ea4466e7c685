"""Follow-ups: the part of an answer a handler finishes after the answer was sent (`ctx.later(job)`), e.g. the plan's
pictures, drawn in another process while the plan's text is already on its way.

A job starts once its handler has returned, as a task of its own: it holds neither the user's serial lane nor
anyone else's, so the user (and everyone) goes on while it runs. It gets a Context of its own (same user, same
inbound); what it says is delivered through the user's adapter (`Adapter.send`) in the chat's turn across every
worker (Core.in_turn, taken before the sending slot: the follow-up comes after the replies of the message that
started it and never lands inside another worker's burst to the chat) and in the limiter's follow-up lane (behind
everyone's replies, within the unpaid limits), one message at a time, so that a retry never repeats one that
arrived. A job that fails, or a follow-up that cannot be delivered, is logged and dropped: the answer already sent
stands alone. Jobs are held in memory only; a restart loses them (the plan says how to get its pictures again).

A job may be named (`ctx.later(job, name)`): `under_way(name)` is true from its start until its last message was
delivered or dropped, so that a feature does not start the same work twice (e.g. /card while the plan's pictures
are still coming). The names live in memory with the tasks: a restart clears them, and a name older than
UNDER_WAY_AT_MOST no longer counts, so a stuck send never makes a feature refuse for good. Per process: another
worker does not see them (at worst it does the work twice).
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.adapters.base import RetryLater, UserUnreachable
from bot.context import Context
from bot.ratelimit import following_up
from bot.types import Outbound

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)
Job = Callable[[Context], Awaitable[None]]
ATTEMPTS = 3           # deliveries of one follow-up message that the platform provably refused for now
MAX_RETRY_WAIT = 60.0  # seconds waited between them at most
UNDER_WAY_AT_MOST = 600.0  # seconds after its start a named follow-up stops counting as under way, even if running


class FollowUps:
    """The follow-up jobs running in this process."""

    def __init__(self, core: Core, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.core = core
        self.sleep = sleep
        self._tasks: set[asyncio.Task[None]] = set()
        self._of: dict[asyncio.Task[None], tuple[str, str]] = {}  # each task's (platform, user id)
        self._named: dict[str, tuple[asyncio.Task[None], float]] = {}  # name -> (its task, when it started)

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, ctx: Context) -> None:
        """Start the jobs a handler left in `ctx` (after it returned)."""
        for job, name in ctx.jobs:
            # A clean context: the job outlives the user's turn, so it must not inherit the turn's reserved database
            # connection or its pending update mark (context variables of the handler).
            task = asyncio.create_task(self._run(Context(self.core, ctx.inbound, ctx.user), job), name="follow-up",
                                       context=contextvars.Context())
            self._tasks.add(task)
            self._of[task] = (ctx.user.platform, ctx.user.platform_user_id)
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(self._forget_owner)
            if name:
                self._named[name] = (task, self._now())
                task.add_done_callback(functools.partial(self._unname, name))
        ctx.jobs = []

    def _forget_owner(self, task: asyncio.Task[None]) -> None:
        self._of.pop(task, None)

    def under_way(self, name: str) -> bool:
        """Whether the follow-up named `name` is still running here (drawing, or delivering what it said)."""
        entry = self._named.get(name)
        if entry is None:
            return False
        task, started = entry
        return not task.done() and self._now() - started < UNDER_WAY_AT_MOST

    def _unname(self, name: str, task: asyncio.Task[None]) -> None:
        if self._named.get(name, (None, 0.0))[0] is task:
            del self._named[name]

    def _now(self) -> float:
        return self.core.clock.now().timestamp()

    async def _run(self, ctx: Context, job: Job) -> None:
        try:
            await job(ctx)
        except Exception:
            log.exception("a follow-up failed (its answer was sent without it)")
            return
        for message in ctx.replies():
            if not await self.deliver(ctx.user.platform, ctx.user.platform_user_id, message):
                return

    async def deliver(self, platform: str, user_id: str, message: Outbound) -> bool:
        """Send one follow-up message; False when it did not go (and the rest should not either)."""
        adapter = self.core.adapters.get(platform)
        if adapter is None:
            log.warning("no %s adapter to send a follow-up through: dropped", platform)
            return False
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with following_up():
                    # the chat's turn first, then the slot (the adapter takes it): a slot taken before waiting for
                    # the turn would be spent while another worker's replies to the chat go out
                    async def send() -> None:  # rendered as every delivery is (bot/compose.py)
                        await adapter.send(user_id, await self.core.render_unprompted(platform, user_id, [message]))
                    await self.core.in_turn(platform, user_id, send)
                return True
            except RetryLater as exc:
                if attempt == ATTEMPTS:
                    log.warning("a follow-up was refused %d times (%s): dropped", attempt, exc)
                    return False
                await self.sleep(min(MAX_RETRY_WAIT, max(0.0, exc.after)))
            except UserUnreachable:
                log.info("a follow-up's user is unreachable: dropped")
                return False
            except Exception:  # DeliveryUnknown (maybe delivered: never again) or an adapter's own failure
                log.warning("a follow-up's delivery failed: dropped", exc_info=True)
                return False
        return False

    def running(self, user: tuple[str, str]) -> int:
        """How many jobs of `user` ((platform, user id)) are still running."""
        return sum(1 for task in self._tasks if self._of.get(task) == user and not task.done())

    async def drain(self, timeout: float | None = None, user: tuple[str, str] | None = None) -> int:
        """Wait for the running jobs (up to `timeout` seconds), or only those of `user` ((platform, user id): a
        terminal chat shows a plan's pictures before it reads the next line); returns how many are still running."""
        pending = {task for task in self._tasks if user is None or self._of.get(task) == user}
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        return sum(not task.done() for task in pending)

    async def cancel(self) -> None:
        """Stop every job still running (the process is stopping)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
