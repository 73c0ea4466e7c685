"""Drawing away from the event loop, in a small process pool.

Drawing is CPU-bound and partly pure Python (the PDF writer): in a thread it would hold the GIL and stall every
other user's replies while one plan is drawn. The pool starts on first use (spawned, so it shares nothing with the
bot's threads) and falls back to a thread where processes cannot be had. BRANDCOACH_DRAW_WORKERS sets its size
(default 1; 0 draws in a thread).
"""
from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
_pool: Executor | None = None
_unavailable = False


def _executor() -> Executor | None:
    global _pool, _unavailable
    if _pool is not None or _unavailable:
        return _pool
    workers = int(os.environ.get("BRANDCOACH_DRAW_WORKERS", "1") or 1)
    if workers <= 0:
        _unavailable = True
        return None
    try:
        _pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    except (OSError, ValueError, NotImplementedError):
        log.warning("no process pool for drawing; drawing in a thread", exc_info=True)
        _unavailable = True
        return None
    atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
    return _pool


async def run(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) in the drawing pool (fn and args must be picklable: module-level functions, plain data)."""
    global _pool
    pool = _executor()
    if pool is not None:
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        except BrokenProcessPool:
            log.warning("the drawing pool broke; starting a new one next time")
            _pool = None
    return await asyncio.to_thread(fn, *args)
