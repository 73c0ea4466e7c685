"""`--log-format json` / BRANDCOACH_LOG_FORMAT=json: one JSON object per line, and still nothing secret in it."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_telegram import FakeTelegram

from bot import logsetup, redact

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "7612345678:AAFakeTokenForTestsOnly_abcdefghijklm"  # token-shaped, not a real token
TIMEOUT = 90  # a guard against a hang, not a timing assertion


def _objects(text: str) -> list[dict[str, object]]:
    """Every line of `text` as a JSON object (fails on a line that is not one)."""
    out = []
    for raw in text.splitlines():
        obj = json.loads(raw)
        assert isinstance(obj, dict) and {"time", "level", "logger", "message"} <= set(obj), raw
        out.append(obj)
    return out


def _leaks(text: str, token: str) -> list[str]:
    parts = {token, *token.split(":")} | {token[i:i + 12] for i in range(0, len(token) - 12)}
    return sorted(p for p in parts if len(p) >= 8 and p in text)


def test_a_record_with_a_traceback_is_one_masked_json_line() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logsetup.JsonFormatter(["plain-webhook-secret"]))
    handler.addFilter(redact.RedactingFilter(["plain-webhook-secret"]))
    log = logging.getLogger("brandcoach.test.json")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("calling %s", f"https://api.example/bot{TOKEN}/getMe")
        try:
            raise RuntimeError(f"boom: {TOKEN} plain-webhook-secret\nsecond line")
        except RuntimeError:
            log.exception("handler failed for %s", "telegram")
        log.warning("where am I", stack_info=True)
    finally:
        log.removeHandler(handler)
        log.propagate = True
    lines = _objects(out.getvalue())
    assert [o["level"] for o in lines] == ["WARNING", "ERROR", "WARNING"]
    assert lines[1]["message"] == "handler failed for telegram" and lines[1]["logger"] == "brandcoach.test.json"
    exception = lines[1]["exception"]
    assert isinstance(exception, str) and exception.startswith("Traceback") and "RuntimeError: boom" in exception
    assert "second line" in exception and redact.MASK in exception
    assert "stack" in lines[2]
    text = out.getvalue()
    assert not _leaks(text, TOKEN) and "plain-webhook-secret" not in text


def test_what_else_reaches_stderr_becomes_json_too() -> None:
    """The hooks' uncaught tracebacks and the one-line reports, written to the stand-in stderr."""
    out = io.StringIO()
    stream = logsetup.JsonStderr(out, ["plain-webhook-secret"])
    hooks = redact.Hooks(["plain-webhook-secret"], stream=stream)  # type: ignore[arg-type]
    try:
        raise KeyError(f"{TOKEN} plain-webhook-secret")
    except KeyError as exc:
        hooks.excepthook(KeyError, exc, exc.__traceback__)
    print("brandcoach: serving Telegram as @x (long polling)", file=stream)
    hooks.showwarning(UserWarning(f"url /bot{TOKEN}/getMe"), UserWarning, "x.py", 1)
    lines = _objects(out.getvalue())
    assert [o["level"] for o in lines] == ["ERROR", "INFO", "WARNING"]
    assert str(lines[0]["message"]).startswith("KeyError") and "Traceback" in str(lines[0]["exception"])
    assert lines[1]["message"] == "brandcoach: serving Telegram as @x (long polling)"
    assert not _leaks(out.getvalue(), TOKEN) and "plain-webhook-secret" not in out.getvalue()


def test_an_unknown_format_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="text or json"):
        logsetup.chosen(None, "yaml")
    assert logsetup.chosen("json", "text") == "json" and logsetup.chosen(None, "JSON") == "json"
    assert logsetup.chosen(None, None) == "text"


async def _run(args: list[str], tg: FakeTelegram, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    import asyncio

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BRANDCOACH_"))}
    env.update(PYTHONPATH=str(ROOT), BRANDCOACH_START_BACKOFF="0", TELEGRAM_BOT_TOKEN=TOKEN,
               TELEGRAM_API_URL=tg.api_url, **extra)
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", *args], env=env, cwd=tmp_path,
                                   capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT)


async def test_the_real_process_writes_json_lines_without_the_token(tmp_path: Path) -> None:
    """DEBUG logging of the HTTP client (URLs carry the token), retries and the final one-line report."""
    tg = FakeTelegram(token=TOKEN)
    await tg.start()
    tg.refuse_getme(500)
    try:
        by_option = await _run(["--log-format", "json", "--log-level", "DEBUG", "run", "--db",
                                str(tmp_path / "s.sqlite3")], tg, tmp_path)
        by_env = await _run(["--log-level", "DEBUG", "run", "--db", str(tmp_path / "s.sqlite3")], tg, tmp_path,
                            BRANDCOACH_LOG_FORMAT="json")
        refused = await _run(["run"], tg, tmp_path, BRANDCOACH_LOG_FORMAT="yaml")
    finally:
        await tg.stop()
    for proc in (by_option, by_env):
        assert proc.returncode == 3, proc.stderr[-2000:]
        lines = _objects(proc.stderr)
        assert any(o["level"] == "DEBUG" for o in lines)  # the debug log was on ...
        assert {"level": "INFO", "logger": "brandcoach.stderr", "message": "brandcoach: Telegram could not be reached"
                " (NetworkError); gave up after 5 attempts"}.items() <= next(
                    o for o in lines if "gave up" in str(o["message"])).items()
        assert not _leaks(proc.stdout + proc.stderr, TOKEN)  # ... and shows no part of the token
    assert refused.returncode == 2 and "BRANDCOACH_LOG_FORMAT must be text or json" in refused.stderr


def test_setting_up_twice_wraps_stderr_once(monkeypatch: pytest.MonkeyPatch) -> None:
    real = io.StringIO()
    monkeypatch.setattr(sys, "stderr", real)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        logsetup.setup(logging.WARNING)
        logsetup.setup(logging.WARNING)
        assert isinstance(sys.stderr, logsetup.JsonStderr) and sys.stderr.stream is real
        print("brandcoach: once", file=sys.stderr)
        logging.getLogger("brandcoach.test.twice").warning("logged once")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    assert [o["message"] for o in _objects(real.getvalue())] == ["brandcoach: once", "logged once"]
