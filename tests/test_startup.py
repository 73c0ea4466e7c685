"""Start-up fails clearly and never leaks the token: the real CLI as a subprocess against local fakes."""
from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest
from aiohttp import web
from fake_telegram import FakeTelegram, unused_port

from bot import redact
from bot.app import EXIT_CONFIG, EXIT_UNAVAILABLE, StartupError, connect_with_retries

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "7612345678:AAFakeTokenForTestsOnly_abcdefghijklm"  # token-shaped, not a real token
DC_TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2.GaBcDe.abcdefghijklmnopqrstuvwxyz0123"
TIMEOUT = 90  # a guard against a hang (the bug this file is about), not a timing assertion


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "DISCORD_", "BRANDCOACH_"))}
    env.update({"PYTHONPATH": str(ROOT), "BRANDCOACH_START_BACKOFF": "0", **extra})
    return env


def _leaks(text: str, token: str) -> list[str]:
    """Parts of the token that appear in the text (whole, either side of ':' or '.', or 12-char slices)."""
    parts = {token, *token.replace(".", ":").split(":")}
    parts |= {token[i:i + 12] for i in range(0, len(token) - 12)}
    return sorted(p for p in parts if len(p) >= 8 and p in text)


async def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", *args], env=env, cwd=cwd,
                                   capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT)


async def test_rejected_telegram_token_exits_2_naming_the_variable(tmp_path: Path) -> None:
    tg = FakeTelegram(token=TOKEN)
    await tg.start()
    tg.refuse_getme(401)
    try:
        proc = await _run(["run", "--db", str(tmp_path / "s.sqlite3")],
                          _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=tg.api_url), tmp_path)
    finally:
        await tg.stop()
    assert proc.returncode == EXIT_CONFIG, proc.stderr
    assert "TELEGRAM_BOT_TOKEN was rejected by Telegram" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0  # one line, no traceback
    assert [c.method for c in tg.calls] == ["getme"]  # no retry for a rejected token
    assert not _leaks(proc.stdout + proc.stderr, TOKEN)


async def test_a_token_telegram_does_not_know_is_rejected_too(tmp_path: Path) -> None:
    tg = FakeTelegram(token="111111:OTHER-token")  # answers 401 for any other token, as Telegram does
    await tg.start()
    try:
        proc = await _run(["--log-level", "DEBUG", "run", "--db", str(tmp_path / "s.sqlite3")],
                          _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=tg.api_url), tmp_path)
    finally:
        await tg.stop()
    assert proc.returncode == EXIT_CONFIG
    assert "TELEGRAM_BOT_TOKEN was rejected by Telegram" in proc.stderr
    assert "DEBUG" in proc.stderr  # the debug log was on, and still shows no part of the token
    assert not _leaks(proc.stdout + proc.stderr, TOKEN)


async def test_telegram_500_retries_five_times_then_exits_3(tmp_path: Path) -> None:
    tg = FakeTelegram(token=TOKEN)
    await tg.start()
    tg.refuse_getme(500)
    try:
        proc = await _run(["run", "--db", str(tmp_path / "s.sqlite3")],
                          _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=tg.api_url), tmp_path)
    finally:
        await tg.stop()
    assert proc.returncode == EXIT_UNAVAILABLE, proc.stderr
    assert [c.method for c in tg.calls] == ["getme"] * 5
    lines = proc.stderr.strip().splitlines()
    assert [line for line in lines if "failed, retrying" in line] == [
        f"brandcoach: Telegram could not be reached (NetworkError); attempt {n}/5 failed, retrying in 0s"
        for n in range(1, 5)]
    assert lines[-1] == "brandcoach: Telegram could not be reached (NetworkError); gave up after 5 attempts"
    assert "Traceback" not in proc.stderr
    assert not _leaks(proc.stdout + proc.stderr, TOKEN)


async def test_telegram_recovering_after_two_500s_serves_and_says_so(tmp_path: Path) -> None:
    tg = FakeTelegram(token=TOKEN)
    await tg.start()
    tg.refuse_getme(500, times=2)
    env = _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=tg.api_url)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--db", str(tmp_path / "s.sqlite3")], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    try:
        await tg.wait_for(lambda c: c.method == "getupdates", timeout=TIMEOUT)
    finally:
        proc.terminate()
        out, err = await asyncio.to_thread(proc.communicate, timeout=TIMEOUT)
        await tg.stop()
    assert proc.returncode == 0, err
    assert "brandcoach: serving Telegram as @brandcoach_test_bot (long polling)" in err.splitlines()
    assert sum("attempt" in line for line in err.splitlines()) == 2
    assert not _leaks(out + err, TOKEN)


async def test_unreachable_telegram_exits_3_without_hanging(tmp_path: Path) -> None:
    proc = await _run(["run", "--db", str(tmp_path / "s.sqlite3")],
                      _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=f"http://127.0.0.1:{unused_port()}/bot"),
                      tmp_path)
    assert proc.returncode == EXIT_UNAVAILABLE, proc.stderr
    assert "gave up after 5 attempts" in proc.stderr
    assert not _leaks(proc.stdout + proc.stderr, TOKEN)


async def test_run_without_any_token_says_what_to_set(tmp_path: Path) -> None:
    proc = await _run(["run", "--db", str(tmp_path / "s.sqlite3")], _env(), tmp_path)
    assert proc.returncode == EXIT_CONFIG
    assert "TELEGRAM_BOT_TOKEN" in proc.stderr and "DISCORD_BOT_TOKEN" in proc.stderr and "--console" in proc.stderr
    assert not (tmp_path / "s.sqlite3").exists()  # nothing was started


async def test_rejected_discord_token_exits_2_naming_the_variable(tmp_path: Path) -> None:
    """The real CLI with discord.py's API base pointed at a loopback server that answers 401 to the login."""
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path}")
        return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    code = ("import sys, discord.http; discord.http.Route.BASE = sys.argv[1]; from bot.cli import main; "
            "raise SystemExit(main(sys.argv[2:]))")
    try:
        proc = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-c", code, f"http://127.0.0.1:{port}/api/v10", "--log-level", "DEBUG",
                             "run", "--db", str(tmp_path / "s.sqlite3")],
            env=_env(DISCORD_BOT_TOKEN=DC_TOKEN), cwd=tmp_path, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    finally:
        await runner.cleanup()
    assert seen == ["GET /api/v10/users/@me"]  # it asked the loopback fake, once
    assert proc.returncode == EXIT_CONFIG, proc.stderr
    assert "DISCORD_BOT_TOKEN was rejected by Discord" in proc.stderr
    assert not _leaks(proc.stdout + proc.stderr, DC_TOKEN)


# -- in process: the retry policy and the masking hooks ---------------------------------------------------------

class FlakyAdapter:
    """connect() raises the given errors in turn, then succeeds."""

    def __init__(self, platform: str, errors: list[BaseException]) -> None:
        self.platform = platform
        self.errors = list(errors)
        self.connects = 0

    async def connect(self) -> None:
        self.connects += 1
        if self.errors:
            raise self.errors.pop(0)


async def test_backoff_doubles_and_waits_are_injected() -> None:
    import aiohttp
    import discord

    class Resp:
        status, reason = 503, "Service Unavailable"

    waits: list[float] = []
    lines: list[str] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    adapter = FlakyAdapter("discord", [aiohttp.ClientConnectionError("refused"), discord.HTTPException(Resp(), "x")])
    await connect_with_retries(adapter, attempts=5, backoff=2.0, sleep=sleep, report=lines.append)
    assert adapter.connects == 3 and waits == [2.0, 4.0]
    assert lines[1] == "Discord answered 503; attempt 2/5 failed, retrying in 4s"


async def test_login_failure_and_unknown_errors_do_not_retry() -> None:
    import discord

    async def sleep(seconds: float) -> None:
        raise AssertionError("no wait expected")

    with pytest.raises(StartupError) as info:
        await connect_with_retries(FlakyAdapter("discord", [discord.LoginFailure(DC_TOKEN)]), sleep=sleep,
                                   report=lambda line: None)
    assert info.value.code == EXIT_CONFIG and "DISCORD_BOT_TOKEN" in str(info.value) and DC_TOKEN not in str(info.value)
    with pytest.raises(StartupError) as info:
        await connect_with_retries(FlakyAdapter("telegram", [ValueError(TOKEN)]), sleep=sleep,
                                   report=lambda line: None)
    assert info.value.code == EXIT_UNAVAILABLE and TOKEN not in str(info.value)


def test_hooks_mask_uncaught_exceptions_threads_warnings_and_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("excepthook", "unraisablehook"):
        monkeypatch.setattr(sys, name, getattr(sys, name))
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    out = io.StringIO()
    hooks = redact.install_hooks(["plain-webhook-secret"], stream=out)
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected; plain-webhook-secret")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    thread = threading.Thread(target=lambda: (_ for _ in ()).throw(ValueError(DC_TOKEN)), name="t1")
    thread.start()
    thread.join()
    warnings.showwarning(UserWarning(f"url /bot{TOKEN}/getMe"), UserWarning, "x.py", 1)
    loop = asyncio.new_event_loop()
    try:
        redact.watch_loop(loop)
        loop.call_exception_handler({"message": f"Task exception with {TOKEN}", "exception": KeyError(DC_TOKEN)})
    finally:
        loop.close()
    text = out.getvalue()
    assert hooks is not None
    assert "RuntimeError" in text and "Exception in thread t1" in text and "UserWarning" in text
    assert "Task exception with" in text and "KeyError" in text
    assert text.count(redact.MASK) >= 6
    assert not _leaks(text, TOKEN) and not _leaks(text, DC_TOKEN) and "plain-webhook-secret" not in text


async def test_sigterm_during_the_start_up_retries_exits_at_once(tmp_path: Path) -> None:
    """Waits between attempts are long here (1000 s): SIGTERM must end them, not be slept through."""
    tg = FakeTelegram(token=TOKEN)
    await tg.start()
    tg.refuse_getme(500)
    env = _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=tg.api_url, BRANDCOACH_START_BACKOFF="1000")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--db", str(tmp_path / "s.sqlite3")], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    try:
        assert proc.stderr is not None
        first = await asyncio.to_thread(proc.stderr.readline)
        assert "attempt 1/5 failed, retrying in 1000s" in first
        proc.terminate()
        out, err = await asyncio.to_thread(proc.communicate, timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
        await tg.stop()
    assert proc.returncode == 0, err
    assert [c.method for c in tg.calls] == ["getme"]
    assert not _leaks(first + out + err, TOKEN)
