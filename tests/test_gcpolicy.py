"""Long-lived data leaves the garbage collector's walks (bot/gcpolicy.py): built once, frozen once."""
from __future__ import annotations

import gc
import weakref
from functools import lru_cache

from bot import gcpolicy
from handlers.pictures import pool


def walked(obj: object) -> bool:
    """Whether the collector's generations hold `obj` (frozen objects are in none of them)."""
    return any(o is obj for o in gc.get_objects())


def test_what_a_lasting_builder_built_is_frozen_once() -> None:
    calls = []

    @gcpolicy.lasting
    @lru_cache(maxsize=1)
    def build() -> dict[str, list[int]]:
        calls.append(1)
        return {"phrases": [1, 2, 3]}

    built = build()
    assert not walked(built) and not walked(built["phrases"])
    frozen = gc.get_freeze_count()
    assert build() is built and calls == [1]
    assert gc.get_freeze_count() == frozen  # later calls freeze nothing more
    build.cache_clear()  # type: ignore[attr-defined]  # the cache's controls stay reachable
    again = build()
    assert again is not built and calls == [1, 1]
    assert walked(again)  # built again after a clear: not frozen a second time (a test's clear, not production's)


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_settle_collects_before_freezing() -> None:
    garbage = Node()
    gone = weakref.ref(garbage)
    del garbage
    kept = {"kept": [1]}
    gcpolicy.settle()
    assert gone() is None  # collected, not frozen alive for ever
    assert not walked(kept)


def test_a_drawings_first_call_freezes_what_it_loaded() -> None:
    loaded: list[dict[str, list[int]]] = []

    def draw() -> int:
        loaded.append({"font": [1, 2]})
        return len(loaded)

    assert pool.trimmed(draw) == 1
    assert not walked(loaded[0])
    assert pool.trimmed(draw) == 2
    assert walked(loaded[1])  # only the first drawing of each kind freezes


def test_the_gazetteer_is_read_when_the_features_load() -> None:
    """Before users come: the first plan reading it held the event loop ~0.3 s (bench/confirm.py)."""
    from bot.features import load_features
    from handlers import places

    places.gazetteer.cache_clear()
    load_features()
    assert places.gazetteer.cache_info().currsize == 1
