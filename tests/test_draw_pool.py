"""The drawing pool gives its memory back when idle and starts again on the next drawing."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import fresh_python
from handlers.pictures import pool

ROOT = Path(__file__).resolve().parent.parent


async def test_an_idle_pool_is_shut_down_and_started_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "IDLE_SECONDS", 0.0)
    monkeypatch.setattr(pool, "_pool", None)
    monkeypatch.setattr(pool, "_unavailable", False)
    monkeypatch.setenv("BRANDCOACH_DRAW_WORKERS", "1")
    first = await pool.run(os.getpid)
    assert first != os.getpid()          # drawn in a worker process
    assert pool._pool is not None
    await asyncio.sleep(0)               # the idle timer (0 s here) runs on the next turn of the loop
    await asyncio.sleep(0)
    assert pool._pool is None            # released
    second = await pool.run(os.getpid)
    assert second != os.getpid() and second != first  # a new worker
    pool._release_if_idle()
    assert pool._pool is None


async def test_a_busy_pool_is_not_released(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "_pool", None)
    monkeypatch.setattr(pool, "_unavailable", False)
    monkeypatch.setenv("BRANDCOACH_DRAW_WORKERS", "1")
    await pool.run(os.getpid)
    monkeypatch.setattr(pool, "_busy", 1)
    pool._release_if_idle()
    assert pool._pool is not None
    monkeypatch.setattr(pool, "_busy", 0)
    pool._release_if_idle()
    assert pool._pool is None


def test_a_worker_exits_when_the_bot_is_killed(tmp_path: Path) -> None:
    """The bot dies without shutting its pool down (as after SIGKILL): its drawing worker does not linger."""
    script = tmp_path / "dying_bot.py"
    script.write_text(
        "import asyncio, os\n"
        "from handlers.pictures import pool\n"
        "if __name__ == '__main__':\n"
        "    print(asyncio.run(pool.run(os.getpid)), flush=True)\n"
        "    os._exit(0)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BRANDCOACH_DRAW_WORKERS": "1"}
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip(), out.stderr[-2000:]
    worker = int(out.stdout.split()[0])
    gone = False
    for _ in range(200):  # bounded: up to ~20 s on a busy machine (the worker checks every second)
        if not Path(f"/proc/{worker}").exists() or "Z" in Path(f"/proc/{worker}/stat").read_text().split()[2]:
            gone = True
            break
        time.sleep(0.1)
    if not gone:
        os.kill(worker, 9)
    assert gone


def test_a_worker_imports_only_what_drawing_needs(tmp_path: Path) -> None:
    """What the drawing worker imports to draw a card and a PDF: no engine context, no questionnaire or plan, and
    none of what fpdf2 can do without (numpy, cryptography: ~19 MB)."""
    code = ("import os, sys\n"
            "from handlers.pictures import card_png, pdf_bytes\nimport handlers.pictures.card, handlers.pictures.pdf\n"
            "from types import SimpleNamespace as N\n"
            "assert pdf_bytes('Plan', 'today', [N(title='Pillars', lines=['one', 'two'])]).startswith(b'%PDF')\n"
            "print(sorted(m for m in ('bot.context', 'bot.dispatcher', 'handlers.steps', 'handlers.plan',"
            " 'numpy', 'cryptography') if sys.modules.get(m) is not None))")
    assert fresh_python(code, tmp_path)[-1] == "[]"
