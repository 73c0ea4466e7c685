"""The real bot with a token-shaped secret: the token never reaches the log, nor answer texts at INFO."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "7612345678:AAFakeTokenForTestsOnly_abcdefghijklm"  # shaped like a real token, not a real one
SECRET_ANSWER = "Rahasia Zq Vision 42 yang tidak boleh tercatat"


@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
async def test_token_and_answer_text_never_reach_the_log(tmp_path: Path, level: str) -> None:
    """At any level the token is masked; at INFO (the level to run at) answer texts are not logged either."""
    tg = FakeTelegram(token=TOKEN)
    await tg.start()
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL"}}
    env.update(PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=tg.api_url)
    log = tmp_path / "bot.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "--log-level", level, "run", "--db",
                                 str(tmp_path / "s.sqlite3")], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=tmp_path, env=env)
    try:
        await tg.wait_for(lambda c: c.method == "getupdates", timeout=30)
        user = tg.user(501)
        mark = tg.mark()
        await tg.say(user, "/start")
        await tg.wait_for(lambda c: c.method == "sendmessage", after=mark, timeout=30)
        mark = tg.mark()
        await tg.say(user, SECRET_ANSWER)  # the name question: an answer the log must not show
        await tg.wait_for(lambda c: c.method == "sendmessage", after=mark, timeout=30)
        # a failing call: Telegram refuses, the bot logs the error
        tg.fail("sendmessage", status=400, times=1)
        mark = tg.mark()
        await tg.say(user, "/help")
        await tg.wait_for(lambda c: c.method == "sendmessage", after=mark, timeout=30)
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 30)
        await tg.stop()
    text = log.read_text(errors="replace")
    assert level in text  # the log really was written at that level
    assert TOKEN not in text and TOKEN.split(":")[1] not in text
    if level == "INFO":
        assert SECRET_ANSWER not in text and "Zq Vision" not in text
