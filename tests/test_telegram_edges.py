"""Telegram adapter edges: taps on messages Telegram no longer sends along, stopping during an outage, which Bot API
calls may be repeated."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from telegram.error import NetworkError, TimedOut

from bot.adapters.telegram_http import NotSent
from bot.adapters.telegram_net import Transport
from bot.types import Outbound
from fake_telegram import FakeTelegram
from test_telegram import UID_ID, Chat, running

ROOT = Path(__file__).resolve().parent.parent
STOP_BOUND = 9.0  # seconds: docker stop sends SIGKILL after 10 (a liveness bound, not a measurement)


async def test_a_tap_without_its_message_is_answered_as_an_old_button(tg: FakeTelegram, db_path: str,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    """A callback query without `message` (a button under an inline message, or a message too old for Telegram to
    send along) gets the old-button notice on its spinner, and nothing alarming is logged."""
    caplog.set_level(logging.INFO)
    async with running(tg, db_path) as run:
        chat = Chat(tg, run.core, UID_ID, "id")
        mark = tg.mark()
        for query in ({"inline_message_id": "AAAinline1"}, {"chat_instance": "ci-old"}):
            update_id = await tg.push({"callback_query": {
                "id": f"cq{tg.next_update_id + 1}", "from": chat.user, "chat_instance": "ci1", "data": "a:role:artist",
                **query}})
            answer = await chat.answer_query(update_id)
            assert answer.params.get("text") == chat.t("err.stale_button")
        assert [c for c in tg.calls[mark:] if c.method.startswith(("send", "edit"))] == []
    alarming = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert alarming == [], [r.getMessage() for r in alarming]


async def until(check: object, bound: float, what: str) -> None:
    """Wait (bounded, polling) until check() is true: a liveness wait on another process, never a measurement."""
    deadline = time.monotonic() + bound
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {bound:.0f} s: {what}")
        await asyncio.sleep(0.05)


async def test_a_stop_while_telegram_is_unreachable_is_prompt_and_quiet(tg: FakeTelegram, tmp_path: Path) -> None:
    """`brandcoach run` long polling, then the Bot API unreachable (connections refused) long enough for polling to
    fail and pause a few times: SIGTERM ends it well within docker stop's 10 s, with no ERROR and no traceback."""
    logfile = tmp_path / "bot.log"
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL", "BRANDCOACH_DB"}}
    env.update(PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_API_URL=tg.api_url)
    mark = tg.mark()
    with open(logfile, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "--db", str(tmp_path / "b.sqlite3"), "--log-level",
                                 "INFO", "run"], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=tmp_path, env=env)
    try:
        await tg.wait_for(lambda c: c.method == "getupdates", after=mark, timeout=60)
        await tg.stop()  # the Bot API unreachable from now on
        failures = "telegram polling error"
        await until(lambda: logfile.read_text(errors="replace").count(failures) >= 3, 60,
                    "three failed getUpdates in the log")
        proc.send_signal(signal.SIGTERM)
        await until(lambda: proc.poll() is not None, STOP_BOUND, "the process ended after SIGTERM")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = logfile.read_text(errors="replace")
    assert proc.returncode == 0, log[-3000:]
    assert "ERROR" not in log and "Traceback" not in log, log[-3000:]


async def test_whether_a_call_may_be_repeated_is_declared_by_its_caller_not_read_from_its_code() -> None:
    """A call that posts something new is never repeated after a failure that may have reached Telegram; what
    decides is the caller's `sends`, not the name of the function it wraps (a renamed helper changes nothing)."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    net = Transport("secret", sleep=record)
    tries: list[str] = []

    async def send_message() -> str:  # named like a send, declared an edit: safe to repeat
        tries.append("edit")
        if len(tries) < 3:
            raise TimedOut()  # a read timeout: it may have arrived
        return "edited"

    assert await net.call(send_message, sends=False) == "edited"
    assert tries == ["edit"] * 3 and len(waits) == 2

    async def tidy_up() -> str:  # named like nothing in particular, declared a send: never twice when ambiguous
        tries.append("post")
        raise TimedOut()

    tries.clear()
    with pytest.raises(TimedOut):
        await net.call(tidy_up, sends=True)
    assert tries == ["post"]

    async def refused() -> str:  # a send that provably never left (connection refused) is repeated
        tries.append("refused")
        if tries.count("refused") < 2:
            raise NetworkError("refused") from NotSent("connection refused")
        return "posted"

    tries.clear()
    assert await net.call(refused, sends=True) == "posted" and tries == ["refused", "refused"]


async def test_a_polled_update_is_recorded_as_telegram_sent_it(tg: FakeTelegram, db_path: str) -> None:
    """The inbox records a polled update as the JSON Telegram sent (a field PTB does not know included), and a
    worker that reads the record back replies in the update's chat (TelegramAdapter.replier)."""
    async with running(tg, db_path) as run:
        chat = Chat(tg, run.core, UID_ID, "id")
        recorded: list[str] = []
        accept_many = run.core.accept_many

        async def recording(updates: list[tuple[Any, str]]) -> list[bool]:
            recorded.extend(envelope for _, envelope in updates)
            return await accept_many(updates)
        run.core.accept_many = recording  # type: ignore[method-assign]
        mark = tg.mark()
        sent = {"message": {**tg._incoming(chat.user, text="halo"), "x_new_field": {"from": "a newer Bot API"}}}
        update_id = await tg.push(sent)
        await chat.reply(lambda _: True, mark)
        assert [json.loads(r) for r in recorded] == [{"update_id": update_id, **sent}]
        deliver = run.adapter.replier(recorded[0])
        assert deliver is not None
        mark = tg.mark()
        await deliver([Outbound("dari pekerja lain")])
        assert (await chat.reply(lambda text: "dari pekerja lain" in text, mark)).chat_id == UID_ID


async def test_an_update_ptb_cannot_read_is_skipped_not_repeated_for_ever(tg: FakeTelegram, db_path: str,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    """A malformed update (an entity without its offset) once held back every later update, each getUpdates
    answered with it again; and PTB logged it whole, the user's text included."""
    caplog.set_level(logging.INFO)
    async with running(tg, db_path) as run:
        chat = Chat(tg, run.core, UID_ID, "id")
        mark = tg.mark()
        bad = tg._incoming(chat.user, text="nomor saya +6281234567890")
        bad["entities"] = [{"type": "bold"}]  # PTB's Update.de_json raises on this
        await tg.push({"message": bad})
        await chat.tg.say(chat.user, "/start")
        await asyncio.wait_for(chat.reply(lambda _: True, mark), 15)  # the update after it is answered
    logged = " ".join(r.getMessage() + str(r.exc_text or "") for r in caplog.records)
    assert "could not be read: skipped" in logged
    assert "6281234567890" not in logged and "nomor saya" not in logged
