"""Drawing away from the event loop: in one drawing thread of the bot (the default), or in a small process pool.

BRANDCOACH_DRAW_WORKERS sets the pool's size (default 0: the drawing thread). Why a thread by default: a plan's
card and PDF are now ~40 ms of CPU (bench/pictures.py), and a worker process costs far more memory than it saves
time. bench/pictures.py --chats 100 --workers 1,0 (one run): 100 confirms at once had every card and PDF within
8.7 s either way, the bot and its worker peaking at 106 + 88 = 194 MB, the bot drawing in its thread at 145 MB;
at 1,000 confirms (--chats 1000, one run each) 145 + 89 = 234 MB against 185 MB, but the last pictures came after
96 s with the worker against 165 s in the thread (the drawing then shares one core with the bot's own work). A
worker has its own interpreter, modules and heap, and multiprocessing's resource tracker besides. The cost:
while a burst is drawn, the drawing shares the GIL with everyone's replies (fontTools and fpdf2 are pure Python;
Pillow's encoding runs outside it): with 40 plans drawn at once the event loop ran late by p99 21 ms, max 79 ms
(3 and 5 ms with the worker), and the plan's text of 100 confirms at once came at p99 2.8 s instead of 1.8 s
(`--stall`, `--chats`).

A deployment with memory to spare and bursts to absorb sets BRANDCOACH_DRAW_WORKERS=1 (or more): the pool starts
on first use (spawned, so it shares nothing with the bot's threads), falls back to the thread where processes
cannot be had, imports only what drawing needs (no engine, no questionnaire; fpdf2 without numpy and
cryptography: pdf.fpdf_module), holds ~70-75 MB once it has drawn, and is shut down after IDLE_SECONDS without a
drawing (started again on the next one: about a second of imports and fonts).
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

from bot import gcpolicy

log = logging.getLogger(__name__)
T = TypeVar("T")
_pool: Executor | None = None
_unavailable = False
IDLE_SECONDS = 120.0
_busy = 0
_idle_timer: asyncio.TimerHandle | None = None
_exit_hook = False


def _workers() -> int:
    return int(os.environ.get("BRANDCOACH_DRAW_WORKERS", "0") or 0)


_turns: Any = None


def turn() -> asyncio.Semaphore:
    """Admission for drawing a plan's pictures: a few at a time, as many as keep the workers busy. When 1,000 users
    confirm at once, their drawings wait here instead of 1,000 card and PDF results waiting in memory for their
    sending turn. (The engine's semaphore is imported here, not at the top: a drawing worker imports this module
    and needs none of the engine, ~8 MB.)"""
    global _turns
    if _turns is None:
        from bot.dispatcher import LoopSemaphore

        _turns = LoopSemaphore(lambda: max(2, 2 * _workers()))  # the thread: one plan drawn, the next built
    semaphore: asyncio.Semaphore = _turns.get()
    return semaphore


def watch_parent(parent: int, every: float = 1.0) -> None:
    """In a worker: exit when the bot is gone. A pool worker otherwise outlives a bot that was killed (SIGKILL, or a
    stop that timed out): it holds its own end of the task pipe, so it never sees the bot's end close."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _executor() -> Executor | None:
    global _pool, _unavailable, _exit_hook
    if _pool is not None or _unavailable:
        return _pool
    workers = _workers()
    if workers <= 0:
        _unavailable = True
        return None
    try:
        _pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=watch_parent, initargs=(os.getpid(),))
    except (OSError, ValueError, NotImplementedError):
        log.warning("no process pool for drawing; drawing in a thread", exc_info=True)
        _unavailable = True
        return None
    if not _exit_hook:
        atexit.register(_shutdown_at_exit)
        _exit_hook = True
    return _pool


def _shutdown_at_exit() -> None:
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)


def _release_if_idle() -> None:
    """Shut the pool down (its memory goes back) when nothing was drawn for IDLE_SECONDS."""
    global _pool, _idle_timer
    _idle_timer = None
    if _busy == 0 and _pool is not None:
        pool, _pool = _pool, None
        pool.shutdown(wait=False, cancel_futures=True)


def _touch(loop: asyncio.AbstractEventLoop) -> None:
    global _idle_timer
    if _idle_timer is not None:
        _idle_timer.cancel()
    _idle_timer = loop.call_later(IDLE_SECONDS, _release_if_idle)


async def run(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) in the drawing pool (fn and args must be picklable: module-level functions, plain data)."""
    global _pool, _busy
    pool = _executor()
    if pool is not None:
        loop = asyncio.get_running_loop()
        _busy += 1
        try:
            return await loop.run_in_executor(pool, trimmed, fn, *args)
        except BrokenProcessPool:
            log.warning("the drawing pool broke; starting a new one next time")
            _pool = None
        finally:
            _busy -= 1
            _touch(loop)
    return await in_thread(fn, *args)


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) in this process's drawing thread (for what cannot be sent to a worker, e.g. needs the catalog)."""
    return await asyncio.get_running_loop().run_in_executor(_drawing_thread(), trimmed, fn, *args)


def trimmed(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args), then the C heap's free pages given back to the system (glibc's malloc_trim, ~0.5 ms): a drawing
    frees megabytes of images and font tables that would otherwise stay resident (~8 MB measured after 30 plans)."""
    try:
        return fn(*args)
    finally:
        kind = (getattr(fn, "__module__", None), getattr(fn, "__qualname__", None))
        if kind not in _drawn_once:  # its first call imported the drawing libraries: they live as long as we do
            _drawn_once.add(kind)
            gcpolicy.freeze_now()  # out of the garbage collector's walks (bot/gcpolicy.py says why)
        trim = _malloc_trim()
        if trim is not None:
            trim(0)


_drawn_once: set[tuple[str | None, str | None]] = set()  # each kind of drawing once (a lambda is one kind)


_trim: Any = False


def _malloc_trim() -> Any:
    """glibc's malloc_trim, or None where there is none (another C library, another system)."""
    global _trim
    if _trim is False:
        try:
            import ctypes

            _trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _trim = None
    return _trim


_thread: Executor | None = None


def _drawing_thread() -> Executor:
    """The one thread that draws when there is no worker process: drawings one after another, never several at
    once (each thread drawing would get its own malloc arena and its own copies of the images and fonts in
    flight: +70 MB measured with asyncio's threads at 100 confirms, against +46 MB in one thread)."""
    global _thread
    if _thread is None:
        from concurrent.futures import ThreadPoolExecutor

        _thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drawing")
    return _thread
