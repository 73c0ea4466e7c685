"""The drawing pool gives its memory back when idle and starts again on the next drawing."""
from __future__ import annotations

import asyncio
import os

import pytest

from handlers.pictures import pool


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
