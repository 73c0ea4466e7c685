"""Wires the core, the scheduler and every configured adapter into one process."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.config import Config
from bot.core import Core
from bot.storage import Storage

log = logging.getLogger(__name__)


@dataclass
class App:
    core: Core
    adapters: list[Any] = field(default_factory=list)
    services: list[Any] = field(default_factory=list)  # objects with async start()/stop() (e.g. the nudge scheduler)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        for adapter in self.adapters:
            await adapter.connect()
            self._tasks.append(asyncio.create_task(adapter.listen(), name=f"listen-{adapter.platform}"))
        for service in self.services:
            await service.start()

    async def stop(self) -> None:
        for service in reversed(self.services):
            await service.stop()
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
    core = Core(Storage(config.db_path), admins=config.admins)
    await core.start()
    app = App(core)
    if console:
        from bot.adapters.console import ConsoleAdapter

        app.adapters.append(ConsoleAdapter(core))
    if config.telegram_token:
        from bot.adapters.telegram import TelegramAdapter

        app.adapters.append(TelegramAdapter(core, config))
    if config.discord_token:
        from bot.adapters.discord import DiscordAdapter

        app.adapters.append(DiscordAdapter(core, config))
    for adapter in app.adapters:
        core.add_adapter(adapter)
    try:
        from bot.nudges.service import NudgeService
    except ImportError:  # the nudge scheduler has not landed yet
        NudgeService = None  # type: ignore[assignment,misc]
    if NudgeService is not None:
        app.services.append(NudgeService(core, config))
    return app
