"""Telegram and the terminal chat served by one process, one event loop, one database."""
from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


async def test_telegram_and_console_side_by_side(tmp_path: Path) -> None:
    tg = FakeTelegram()
    await tg.start()
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL"}}
    env.update(PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_API_URL=tg.api_url)
    db = tmp_path / "both.sqlite3"
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--console", "--db", str(db)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            env=env)
    try:
        await tg.wait_for(lambda c: c.method == "getupdates", timeout=30)
        user = tg.user(777, "Rina")
        mark = tg.mark()
        await tg.say(user, "/start")
        await tg.wait_for(lambda c: c.method == "sendmessage" and "Langkah 1/" in str(c.params), after=mark,
                          timeout=30)
        mark = tg.mark()
        await tg.say(user, "Rina di Telegram")
        await tg.wait_for(lambda c: c.method == "sendmessage" and "Langkah 2/" in str(c.params), after=mark,
                          timeout=30)
        assert proc.stdin is not None
        proc.stdin.write("Budi di terminal\n".encode())
        proc.stdin.flush()
        for _ in range(300):  # bounded liveness wait for the console's answer to be stored
            con = sqlite3.connect(db)
            names = {r[0] for r in con.execute("SELECT value FROM answers WHERE step = 'name'")}
            con.close()
            if len(names) == 2:
                break
            await asyncio.sleep(0.05)
        assert names == {'"Rina di Telegram"', '"Budi di terminal"'}
    finally:
        proc.terminate()
        out, err = await asyncio.to_thread(proc.communicate, timeout=30)
        await tg.stop()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert "Langkah 1/" in out.decode()  # the terminal chat printed its questions
