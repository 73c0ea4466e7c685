"""/healthz, /readyz and /metrics of the real `brandcoach run` (BRANDCOACH_METRICS_PORT), against the fake Telegram
on loopback (issue 25, item 3)."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from datetime import datetime, timezone

import aiohttp
from conftest import RecordingAdapter
from fake_telegram import Call, FakeTelegram, unused_port
from nudge_helpers import done_user, only, service
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.backends import open_storage
from bot.clock import FakeClock
from bot.core import Core

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "7612345678:AAFakeTokenForTestsOnly_abcdefghijklm"  # token-shaped, not a real token
TIMEOUT = 90  # a guard against a hang, not a timing assertion
BACKENDS = ("sqlite", "postgresql")  # the tests using `db_path` run on both (conftest.py)
USER_ID = 4242424242


async def _get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}{path}") as response:
            return response.status, await response.text()


async def _until(port: int, path: str, status: int) -> str:
    """Ask until the endpoint answers `status` (a bounded wait for the process to get there); its body."""
    seen: tuple[int, str] | None = None
    for _ in range(TIMEOUT * 10):
        try:
            seen = await _get(port, path)
        except aiohttp.ClientConnectionError:
            seen = None
        if seen is not None and seen[0] == status:
            return seen[1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path} never answered {status}; last: {seen}")


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value, from the Prometheus text format (parsed by prometheus-client)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_health_readiness_and_metrics_of_the_real_process(tmp_path: Path) -> None:
    tg = FakeTelegram(token=TOKEN)
    await tg.start()
    connect = asyncio.Event()

    async def hold_getme(call: Call) -> bool:
        if call.method == "getme":
            await connect.wait()  # the platform has not answered yet: the bot is not connected
        return False

    tg.intercept = hold_getme
    port = unused_port()
    db = tmp_path / "h.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BRANDCOACH_"))}
    env.update(PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=tg.api_url,
               BRANDCOACH_METRICS_PORT=str(port), BRANDCOACH_START_BACKOFF="0")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--db", str(db)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        assert await _until(port, "/healthz", 200) == "ok\n"
        status, body = await _get(port, "/readyz")
        assert (status, body) == (503, "telegram: not connected\n")

        connect.set()
        await tg.wait_for(lambda c: c.method == "getupdates", timeout=TIMEOUT)
        assert await _until(port, "/readyz", 200) == "ready\n"

        tg.fail("sendmessage", 429, retry_after=1, chat_id=USER_ID)  # the platform's flood control, once
        user = tg.user(USER_ID, "Rina")
        mark = tg.mark()
        await tg.say(user, "/start")
        await tg.wait_for(lambda c: c.method == "sendmessage" and c.status == 200 and c.chat_id == USER_ID,
                          after=mark, timeout=TIMEOUT)
        text = ""
        for _ in range(TIMEOUT * 10):  # the counters follow the send's answer: a bounded wait for them
            status, text = await _get(port, "/metrics")
            values = _samples(text)
            if values.get(("brandcoach_sends_total", (("outcome", "ok"), ("platform", "telegram")))):
                break
            await asyncio.sleep(0.1)
        assert status == 200
        assert values[("brandcoach_updates_total", (("platform", "telegram"),))] >= 1
        assert values[("brandcoach_replies_total", ())] >= 1
        assert values[("brandcoach_update_seconds_count", ())] >= 1
        assert values[("brandcoach_rate_limited_total", (("platform", "telegram"),))] == 1
        assert values[("brandcoach_sends_total", (("outcome", "rate_limited"), ("platform", "telegram")))] == 1
        assert values[("brandcoach_handler_errors_total", ())] == 0
        assert values[("brandcoach_inbox_waiting", ())] == 0
        assert ("brandcoach_nudge_backlog", ()) in values and ("brandcoach_updates_in_progress", ()) in values
        assert ("brandcoach_follow_ups_running", ()) in values
        labels = {v for (_, pairs) in values for _, v in pairs}
        assert labels <= {"telegram", "ok", "rate_limited", "error"} | {str(b) for b in labels if _number(b)}
        assert str(USER_ID) not in text and TOKEN.split(":")[1] not in text

        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):  # the database is gone from under the bot
            path.unlink(missing_ok=True)
        status, body = await _get(port, "/readyz")
        assert status == 503 and body.startswith("database: its file is gone")
        assert (await _get(port, "/healthz"))[0] == 200  # alive all the same: a restart is the operator's call
    finally:
        connect.set()
        proc.terminate()
        out, err = await asyncio.to_thread(proc.communicate, timeout=TIMEOUT)
        await tg.stop()
    assert proc.returncode == 0, err[-2000:]
    assert TOKEN not in out + err


def _number(text: str) -> bool:
    """Histogram bucket bounds ("le" labels) are numbers, or +Inf."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_metrics_off_imports_no_prometheus_and_records_nothing() -> None:
    code = ("import sys, asyncio; from bot import metrics; from bot.core import Core; "
            "metrics.handler_error(); metrics.nudge_sent(3.0); metrics.nudge_backlog(4)\n"
            "with metrics.sending('telegram'): pass\n"
            "assert not metrics.enabled() and 'prometheus_client' not in sys.modules, sorted(sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-2000:]


async def test_a_port_that_cannot_be_served_is_one_line_and_exit_2(tmp_path: Path) -> None:
    tg = FakeTelegram(token=TOKEN)
    await tg.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BRANDCOACH_"))}
    env.update(PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=tg.api_url)
    try:
        taken = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot", "run", "--db", str(tmp_path / "p.sqlite3")],
            env={**env, "BRANDCOACH_METRICS_PORT": str(tg.port)}, cwd=tmp_path, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        bad = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot", "run", "--db", str(tmp_path / "p.sqlite3")],
            env={**env, "BRANDCOACH_METRICS_PORT": "nine"}, cwd=tmp_path, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    finally:
        await tg.stop()
    assert taken.returncode == 2 and f"BRANDCOACH_METRICS_PORT {tg.port} cannot be served" in taken.stderr
    assert "Traceback" not in taken.stderr
    assert [c.method for c in tg.calls] == []  # refused before connecting to the platform
    assert bad.returncode == 2 and "BRANDCOACH_METRICS_PORT must be a port number" in bad.stderr


async def test_nudge_backlog_and_lateness_are_recorded(db_path: str, clock: FakeClock) -> None:
    """The reminders' tick: the backlog at its start, and how late each nudge went out after its scheduled time."""
    clock.set(datetime(2026, 1, 5, 0, 0, tzinfo=timezone.utc))  # 07:00 in the default zone (WIB)
    core = Core(open_storage(db_path, clock=clock), clock=clock)
    await core.start()
    registry = metrics.enable()
    try:
        user = await done_user(core, uid="a")
        await only(core, user, "respond", times=["08:00"])
        core.add_adapter(RecordingAdapter())
        svc = service(core)
        await svc.tick()
        assert registry.get_sample_value("brandcoach_nudge_backlog") == 0  # nothing due at 07:00
        clock.set(datetime(2026, 1, 5, 4, 0, tzinfo=timezone.utc))  # 11:00: the 08:00 nudge is 3 h late
        stats = await svc.tick()
        assert stats.sent == 1
        assert registry.get_sample_value("brandcoach_nudge_backlog") == 1
        assert registry.get_sample_value("brandcoach_nudge_lateness_seconds_count") == 1
        assert registry.get_sample_value("brandcoach_nudge_lateness_seconds_sum") == 3 * 3600
        await svc.tick()
        assert registry.get_sample_value("brandcoach_nudge_backlog") == 0
    finally:
        metrics.disable()
        await core.stop()


class ListeningAdapter(RecordingAdapter):
    """A platform whose listen() runs until told to end (a connection that drops)."""

    def __init__(self) -> None:
        super().__init__("fake")
        self.drop = asyncio.Event()

    async def listen(self) -> None:
        await self.drop.wait()


async def test_readiness_follows_the_platform_and_the_database_and_liveness_the_heartbeat(
        db_path: str, clock: FakeClock) -> None:
    """In process, on each backend: not ready before the platform connects, ready after, not ready once its listening
    ended or the database stops answering; not alive once the heartbeat stopped."""
    from bot.app import App
    from bot.health import Health

    core = Core(open_storage(db_path, clock=clock), clock=clock)
    await core.start()
    app = App(core)
    adapter = ListeningAdapter()
    app.adapters.append(adapter)
    core.add_adapter(adapter)
    port = unused_port()
    health = Health(app, port)
    await health.start()
    try:
        assert await _get(port, "/readyz") == (503, "fake: not connected\n")
        await app.start()
        assert await _get(port, "/readyz") == (200, "ready\n")
        assert await _get(port, "/healthz") == (200, "ok\n")
        status, text = await _get(port, "/metrics")
        assert status == 200 and _samples(text)[("brandcoach_ready", ())] == 1
        adapter.drop.set()
        await asyncio.gather(*(t for t in app._tasks), return_exceptions=True)
        assert await _get(port, "/readyz") == (503, "fake: not connected\n")
        adapter.drop = asyncio.Event()
        app._tasks.clear()
        app._tasks.append(asyncio.create_task(adapter.listen(), name="listen-fake"))  # reconnected
        assert await health.not_ready() is None
        await core.storage.close()  # the database stops answering
        problem = await health.not_ready()
        assert problem is not None and problem.startswith("database: ")
        assert health.alive() is None
        assert health._beat is not None
        health._beat.cancel()
        await asyncio.gather(health._beat, return_exceptions=True)
        assert await _get(port, "/healthz") == (503, "the heartbeat stopped\n")
    finally:
        adapter.drop.set()
        await health.stop()
        metrics.disable()
        await app.stop()
