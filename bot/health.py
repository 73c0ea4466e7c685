"""The operator's endpoints of `brandcoach run` (BRANDCOACH_METRICS_PORT; off by default):

- `/healthz` (liveness): 200 while the event loop turns: a heartbeat task ticks every HEARTBEAT seconds and its last
  tick is recent. A loop blocked by a bug cannot answer at all (the probe times out), which is the same verdict.
- `/readyz` (readiness): 200 when every platform adapter has connected and still listens, and the database answers
  `SELECT 1` in time (SQLite: its file is still the one opened: a deleted or replaced file is not a database the bot
  writes to any more); else 503 with a one-line reason. A worker waiting to lead a gateway (several workers,
  PostgreSQL) counts as ready: another worker holds that connection.
- `/metrics`: the Prometheus text format (bot/metrics.py), gauges read from the database refreshed first.

Served with aiohttp (already a dependency, for the webhooks) in the bot's own event loop, from before the
platforms connect (so /readyz says 503 while they do) until after they are stopped. It listens on
BRANDCOACH_METRICS_HOST (127.0.0.1 unless set: 0.0.0.0 for probes from outside a container). Nothing in an answer
names a user, a chat or a secret.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import TYPE_CHECKING, Any

from bot import channels, metrics

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

HEARTBEAT = 1.0        # seconds between two heartbeats
LIVENESS_LIMIT = 10.0  # a last heartbeat older than this: the loop is not turning (or the heartbeat died)
DB_TIMEOUT = 2.0       # seconds the readiness check waits for the database's answer


class Health:
    """The heartbeat and the HTTP server; start() before the App connects its platforms, stop() after it stopped."""

    def __init__(self, app: App, port: int, host: str = "127.0.0.1") -> None:
        self.app = app
        self.port = port
        self.host = host
        self.last_beat = 0.0
        self._beat: asyncio.Task[None] | None = None
        self._runner: Any = None
        self._file: tuple[int, int] | None = None  # SQLite: (device, inode) of the database file when started

    async def start(self) -> None:
        from aiohttp import web

        metrics.enable()
        storage = self.app.core.storage
        if not storage.shared and storage.path != ":memory:":
            with contextlib.suppress(OSError):
                st = os.stat(storage.path)
                self._file = (st.st_dev, st.st_ino)
        loop = asyncio.get_running_loop()
        self.last_beat = loop.time()
        self._beat = asyncio.create_task(self._heartbeat(), name="heartbeat")
        server = web.Application()
        server.router.add_get("/healthz", self._healthz)
        server.router.add_get("/readyz", self._readyz)
        server.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host=self.host, port=self.port)
        try:
            await site.start()
        except OSError as exc:
            await self.stop()
            from bot.app import EXIT_CONFIG, StartupError

            raise StartupError(f"BRANDCOACH_METRICS_PORT {self.port} cannot be served on {self.host} "
                               f"({exc.strerror or type(exc).__name__})", EXIT_CONFIG) from exc
        log.info("health and metrics on http://%s:%d/", self.host, self.port)

    async def stop(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            await asyncio.gather(self._beat, return_exceptions=True)
            self._beat = None
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            expected = loop.time() + HEARTBEAT
            await asyncio.sleep(HEARTBEAT)
            self.last_beat = loop.time()
            metrics.loop_lag(self.last_beat - expected)

    # -- the checks -------------------------------------------------------------------------------------------

    def alive(self) -> str | None:
        """None when the loop turns; else why not."""
        if self._beat is None or self._beat.done():
            return "the heartbeat stopped"
        age = asyncio.get_running_loop().time() - self.last_beat
        return None if age < LIVENESS_LIMIT else f"no heartbeat for {age:.0f}s"

    async def not_ready(self) -> str | None:
        """None when ready; else a one-line reason (the first found)."""
        for platform, listening in self.app.listening().items():
            channel = channels.get(platform)
            if channel is not None and channel.local:
                continue  # the operator's terminal chat is no platform a probe waits for
            if not listening:
                return f"{platform}: not connected"
        return await self.database_problem()

    async def database_problem(self) -> str | None:
        storage = self.app.core.storage
        if self._file is not None:
            try:
                st = os.stat(storage.path)
                moved = (st.st_dev, st.st_ino) != self._file
            except OSError:
                moved = True
            if moved:
                return "database: its file is gone or was replaced (restart the bot)"
        try:
            await asyncio.wait_for(storage.fetch_one("SELECT 1"), DB_TIMEOUT)
        except asyncio.TimeoutError:
            return f"database: no answer within {DB_TIMEOUT:g}s"
        except Exception as exc:
            return f"database: {type(exc).__name__}"  # never the message: a URL with its password could be in it
        return None

    # -- the endpoints ----------------------------------------------------------------------------------------

    async def _healthz(self, request: Any) -> Any:
        from aiohttp import web

        problem = self.alive()
        return web.Response(status=503 if problem else 200, text=(problem or "ok") + "\n")

    async def _readyz(self, request: Any) -> Any:
        from aiohttp import web

        problem = await self.not_ready()
        metrics.ready(problem is None)
        return web.Response(status=503 if problem else 200, text=(problem or "ready") + "\n")

    async def _metrics(self, request: Any) -> Any:
        from aiohttp import web

        metrics.follow_ups(len(self.app.core.follow_ups))
        with contextlib.suppress(Exception):  # the scrape answers even when the database does not
            row = await asyncio.wait_for(self.app.core.storage.fetch_one(
                "SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL"), DB_TIMEOUT)
            metrics.inbox_waiting(int(row[0]))
        body, content_type = metrics.render()
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response


async def serve(app: App, port: int | None, host: str = "127.0.0.1") -> Health | None:
    """Start the endpoints when a port is set (None: off, nothing started)."""
    if not port:
        return None
    health = Health(app, port, host)
    await health.start()
    return health
