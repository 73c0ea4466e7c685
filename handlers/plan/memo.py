"""Bounded memos for the plan's pure functions of the answers (issue 25: a confirmation's CPU on the event loop).

Why: one plan asks the same questions of the same answers many times over. The posting schedule is decided for the
plan's text, its calendar section, the reminders and the card; every one of those asks for the office hours, the
audience's zone, the reply routine. Each function stays pure and keeps its signature; a memo remembers its last
results, keyed by an exact, hashable copy of its inputs (`frozen`) and of the content it reads, so a changed
answer or content is a new key, never a stale result. Bounded (least recently used goes), so memory does not grow
with the users: a burst of confirmations keeps a few hundred small results, never a plan per user.

Results handed out are shared: memoize only what callers never change (frozen dataclasses, tuples, strings), or
copy on the way out.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_EXACT = (int, float, bool, complex, bytes)


def frozen(value: Any) -> Hashable:
    """An exact hashable copy of answers-like data (dicts, lists, tuples, scalars): equal only for equal inputs of
    the same types, so a list and a tuple, 1, 1.0 and True stay apart (code may treat them differently). A dict
    keeps its order. TypeError for what it cannot copy exactly (the caller then computes without the memo)."""
    kind = type(value)
    if kind is str or value is None:
        return value
    if kind is dict:
        return (dict, tuple((k, frozen(v)) for k, v in value.items()))
    if kind is list or kind is tuple:
        return (kind, tuple(frozen(v) for v in value))
    if kind in _EXACT:
        return (kind, value)
    if kind in (set, frozenset):
        return (kind, frozenset(frozen(v) for v in value))
    if kind is date:
        return (kind, value)
    params = getattr(kind, "__dataclass_params__", None)
    if params is not None and params.frozen:  # a frozen dataclass (Hours, CalendarSettings): its own equality
        return (kind, value)
    raise TypeError(f"cannot key a memo on {kind.__name__}")


class Memo(Generic[T]):
    """At most `size` results, the least recently used going first; safe to share with the drawing thread."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Callable[[], Hashable], compute: Callable[[], T]) -> T:
        """compute()'s result, remembered under key() (computed each time when key() raises TypeError)."""
        try:
            k = key()
            hash(k)
        except TypeError:
            return compute()
        with self._lock:
            if k in self._items:
                self._items.move_to_end(k)
                self.hits += 1
                return self._items[k]
        value = compute()
        with self._lock:
            self.misses += 1
            self._items[k] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0


MEMOS: dict[str, Memo[Any]] = {}  # by name: tests clear and inspect them


def memo(name: str, size: int = 64) -> Memo[Any]:
    """A new bounded memo, named in MEMOS."""
    MEMOS[name] = found = Memo[Any](name, size)
    return found


def clear_all() -> None:
    for m in MEMOS.values():
        m.clear()
