"""Wires the core, the scheduler and every configured adapter into one process."""
from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot import channels
from bot.config import Config
from bot.core import Core
from bot.backends import open_storage
from bot.ratelimit import limiter_for, shared_slots

log = logging.getLogger(__name__)

START_ATTEMPTS = 5       # connect() tries per platform when the network or the platform's servers fail
FOLLOW_UP_GRACE = 10.0  # seconds a stop waits for follow-ups (the plan's pictures) before disconnecting
START_BACKOFF = 2.0      # seconds before the 2nd attempt, doubling after each
EXIT_CONFIG = 2          # a token missing or rejected: restarting will not help
EXIT_UNAVAILABLE = 3     # the platform could not be reached: a supervisor may restart later
# With several workers (PostgreSQL), a channel whose platform allows one connection per bot (Channel.leader_only)
# runs on the elected leader only (an advisory lock held by its connection; a leader that dies hands over to another
# worker). Other channels run on every worker (an adapter may still elect, e.g. who polls, inside itself).


class StartupError(Exception):
    """The process cannot serve: `str(exc)` is one line for the operator (never a secret), `code` the exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _stderr(line: str) -> None:
    print(f"brandcoach: {line}", file=sys.stderr, flush=True)


def classify(platform: str, exc: BaseException) -> tuple[bool, str]:
    """(retry?, a secret-free description) of an error raised by an adapter's connect(): its channel's verdict
    (a rejected token raises StartupError, exit 2), else network errors retry and anything else does not."""
    channel = channels.get(platform)
    var = channel.token if channel is not None and channel.token else platform.upper() + "_TOKEN"
    name = channel.title if channel is not None else platform
    kind = type(exc).__name__
    verdict = channel.classify(exc) if channel is not None else None
    if verdict is not None:
        what, said = verdict
        if what == "rejected":
            raise StartupError(f"{var} was rejected by {name}: check the token (nothing else to do)", EXIT_CONFIG)
        return True, f"{name} {said}"
    if isinstance(exc, (OSError, asyncio.TimeoutError)):
        return True, f"{name} could not be reached ({kind})"
    return False, f"{name} failed to start ({kind})"


async def connect_with_retries(adapter: Any, attempts: int = START_ATTEMPTS, backoff: float = START_BACKOFF,
                               sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                               report: Callable[[str], None] = _stderr) -> None:
    """Connect one adapter: a rejected token fails at once (exit 2), network errors and 5xx retry, then exit 3."""
    platform = str(getattr(adapter, "platform", "adapter"))
    delay = backoff
    for attempt in range(1, attempts + 1):
        try:
            await adapter.connect()
            return
        except StartupError:
            raise
        except Exception as exc:
            await _drop_session(adapter)
            retry, what = classify(platform, exc)
            if not retry:
                raise StartupError(what, EXIT_UNAVAILABLE) from exc
            if attempt == attempts:
                raise StartupError(f"{what}; gave up after {attempts} attempts", EXIT_UNAVAILABLE) from exc
            report(f"{what}; attempt {attempt}/{attempts} failed, retrying in {delay:g}s")
            await sleep(delay)
            delay *= 2


async def _drop_session(adapter: Any) -> None:
    """Close the HTTP session a failed login opened (`adapter.client.http`: a client library that opens a new one
    for each login); App.stop does the rest."""
    http = getattr(getattr(adapter, "client", None), "http", None)
    if http is not None and hasattr(http, "close"):
        try:
            await http.close()
        except Exception:
            log.debug("closing the session of a failed login failed", exc_info=True)


def describe(adapter: Any) -> str:
    """The line a healthy start prints for a platform (no secrets: the bot's public name only)."""
    platform = str(getattr(adapter, "platform", ""))
    channel = channels.get(platform)
    return channel.describe(adapter) if channel is not None else f"serving {platform}"


def _leader_only(platform: str) -> bool:
    channel = channels.get(platform)
    return channel is not None and channel.leader_only


def _local(platform: str) -> bool:
    channel = channels.get(platform)
    return channel is not None and channel.local


@dataclass
class App:
    core: Core
    adapters: list[Any] = field(default_factory=list)
    services: list[Any] = field(default_factory=list)  # objects with async start()/stop() (e.g. the nudge scheduler)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    failed: asyncio.Event = field(default_factory=asyncio.Event)  # a platform's listen() ended with an error
    attempts: int = START_ATTEMPTS
    backoff: float = START_BACKOFF
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    report: Callable[[str], None] = _stderr

    async def start(self) -> None:
        """Connect every adapter (retrying the network, see connect_with_retries), then start the services."""
        for adapter in self.adapters:
            if _leader_only(adapter.platform) and self.core.storage.shared:
                task = asyncio.create_task(self._lead(adapter), name=f"listen-{adapter.platform}")
                task.add_done_callback(self._listen_ended)
                self._tasks.append(task)
                continue
            await connect_with_retries(adapter, self.attempts, self.backoff, self.sleep, self.report)
            if not _local(adapter.platform):
                self.report(describe(adapter))
            task = asyncio.create_task(adapter.listen(), name=f"listen-{adapter.platform}")
            task.add_done_callback(self._listen_ended)
            self._tasks.append(task)
        for service in self.services:
            await service.start()

    async def _lead(self, adapter: Any) -> None:
        """Several workers: only the leader holds the platform's gateway; the others wait to take over."""
        async with self.core.storage.leadership(f"{adapter.platform}-gateway"):
            await connect_with_retries(adapter, self.attempts, self.backoff, self.sleep, self.report)
            self.report(describe(adapter) + " (this worker leads its gateway)")
            await adapter.listen()

    def listening(self) -> dict[str, bool]:
        """Platform -> whether its adapter connected and still listens (bot/health.py's readiness); a worker waiting
        to lead a gateway counts as listening."""
        running = {task.get_name().removeprefix("listen-"): not task.done() for task in self._tasks}
        return {adapter.platform: running.get(adapter.platform, False) for adapter in self.adapters}

    def _listen_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s stopped", task.get_name(), exc_info=task.exception())
            self.failed.set()

    async def stop(self) -> None:
        for service in reversed(self.services):
            await service.stop()
        left = await self.core.follow_ups.drain(FOLLOW_UP_GRACE)  # pictures being drawn: sent if they are quick
        if left:
            log.info("stopping with %d follow-up(s) unsent (their answers went without them)", left)
        for adapter in self.adapters:
            try:
                await adapter.disconnect()
            except Exception:
                log.exception("adapter %s failed to disconnect", adapter.platform)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.core.stop()


async def build_app(config: Config, console: bool = False) -> App:
    """Start the core and build the adapters whose tokens are set (and a terminal chat beside them if asked)."""
    storage = open_storage(config.db_path)
    core = Core(storage, admins=config.admins, limiter=limiter_for(config, shared_slots(storage)))
    await core.start()
    try:
        return _assemble(core, config, console)
    except BaseException:
        await core.stop()  # never leave the storage thread running behind a failed start
        raise


def _assemble(core: Core, config: Config, console: bool) -> App:
    """The App around a started core: an adapter per channel whose token is set (in the registry's order), and the
    nudge scheduler."""
    app = App(core, attempts=config.start_attempts, backoff=config.start_backoff)
    if console:
        app.adapters.append(channels.local().build(core, config))
    for channel in channels.platforms():
        if config.serves(channel):
            app.adapters.append(channel.build(core, config))
    for adapter in app.adapters:
        core.add_adapter(adapter)
    app.services.extend(factory(core, config) for factory in core.router.services)  # e.g. the nudge scheduler
    if app.adapters:
        from bot.inbox import InboxSweep

        app.services.append(InboxSweep(core))  # updates accepted by a worker that died are answered too
    return app
