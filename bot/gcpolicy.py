"""Keeping the garbage collector off what lives as long as the process.

CPython's full collection walks every object that may hold references; the bot's are mostly built once and kept
(modules, content, compiled phrases, the drawing libraries: ~180,000 objects once a plan has been drawn). A full
collection over them paused the event loop for up to 140 ms under load (bench/gc.py), which is every user's reply
waiting. `gc.freeze()` moves the objects alive at that moment out of the collector's sight for good; it costs
nothing, and whatever is garbage at that instant in a reference cycle is never collected, so it is called where
little is: once at start-up after a collection (`settle`), and once after each builder of long-lived data built it
(`lasting`), not on a timer.
"""
from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def settle() -> None:
    """Collect what start-up left behind, then keep everything alive out of the collector's sight."""
    gc.collect()
    gc.freeze()


def freeze_now() -> None:
    """Everything alive now out of the collector's sight, the youngest garbage collected first (cheap, and less of
    it frozen): right after long-lived data was built or a library imported."""
    gc.collect(0)
    gc.freeze()


def lasting(build: Callable[[], T]) -> Callable[[], T]:
    """A builder of data kept for the life of the process (put it outside its `lru_cache(maxsize=1)`): after its
    first call, everything alive is frozen (see the module's docstring); later calls cost a flag test."""
    done = False

    @functools.wraps(build)
    def wrapper() -> T:
        nonlocal done
        out = build()
        if not done:
            done = True
            freeze_now()
        return out

    for name in ("cache_clear", "cache_info"):  # an lru_cache's controls stay reachable (tests clear caches)
        if hasattr(build, name):
            setattr(wrapper, name, getattr(build, name))
    return wrapper
