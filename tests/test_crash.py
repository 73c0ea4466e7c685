"""SIGKILL the terminal bot at random points of the questionnaire; every acknowledged answer survives."""
from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import ANSWERS_ID

ROOT = Path(__file__).resolve().parent.parent
STEP = re.compile(r"Langkah (\d+)/(\d+)")


class Bot:
    """A `brandcoach chat` subprocess whose output is collected by a thread."""

    def __init__(self, db: str, cwd: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--db", db], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env)
        self.out = ""
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(lambda: self.proc.stdout.read1(4096), b""):  # type: ignore[union-attr]
            with self._lock:
                self.out += raw.decode("utf-8", "replace")

    def wait_for(self, pattern: str, start: int = 0, limit: float = 30.0) -> bool:
        """Wait (bounded) until the output after `start` matches; a liveness wait, not a timing assertion."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            with self._lock:
                if re.search(pattern, self.out[start:]):
                    return True
            time.sleep(0.01)
        return False

    def send(self, line: str) -> int:
        with self._lock:
            mark = len(self.out)
        assert self.proc.stdin is not None
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        return mark

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


def stored(db: str) -> dict[str, object]:
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT step, value FROM answers").fetchall()
        return {step: json.loads(value) for step, value in rows}
    finally:
        con.close()


def test_sigkill_at_random_points_loses_no_acknowledged_answer(tmp_path: Path) -> None:
    rnd = random.Random(20261126)
    db = str(tmp_path / "crash.sqlite3")
    acked: list[int] = []  # step numbers whose answer the bot acknowledged (it showed the next question)
    kills = 0
    while True:
        bot = Bot(db, tmp_path)
        assert bot.wait_for(r"Langkah \d+/\d+|Ringkasan|Rencanamu sudah jadi"), bot.proc.stderr
        if "Rencanamu sudah jadi" in bot.out:
            bot.kill()
            break
        if "Ringkasan" in bot.out and not STEP.search(bot.out.split("Ringkasan")[-1]):
            n = len(ANSWERS_ID)  # at the summary: the next line confirms it
        else:
            n = int(STEP.findall(bot.out)[-1][0])
            # resumed exactly after the last stored answer
            assert n == len(stored(db)) + 1, (n, sorted(stored(db)))
        if kills:
            assert "Selamat datang kembali" in bot.out or "Ringkasan" in bot.out
        burst = rnd.randint(1, 6)
        for i in range(n - 1, min(n - 1 + burst, len(ANSWERS_ID))):
            mark = bot.send(ANSWERS_ID[i])
            if i == n - 1 + burst - 1 and rnd.random() < 0.5:
                break  # kill right after writing, before the acknowledgement may have come
            nxt = rf"Langkah {i + 2}/|Ringkasan|Rencana Personal Branding"
            assert bot.wait_for(nxt, mark), bot.out[-500:]
            acked.append(i + 1)
        bot.kill()
        kills += 1
        answers = stored(db)
        assert len(answers) >= max(acked, default=0) or "Ringkasan" in bot.out
        assert kills < 60, "the questionnaire never finished"
    final = stored(db)
    assert final["name"] == "Sari Musik" and final["priority_segment"] == "mahasiswa"
    assert final["platforms_now"] == ["instagram", "tiktok"]
    assert kills >= 5
