"""Per-user ordering: one user's messages run strictly in order, different users concurrently."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")
# (platform, chat) whose turn the current task holds (Core.in_turn: across every worker on the database). An adapter
# sending inside it must not wait for its own per-chat order: that order's holder may be waiting for this turn.
IN_TURN: ContextVar[tuple[str, str] | None] = ContextVar("brandcoach_in_turn", default=None)


def holds_turn(platform: str, chat: str) -> bool:
    """Whether the current task holds the chat's turn (see IN_TURN)."""
    return IN_TURN.get() == (platform, chat)


class KeyedSerializer:
    """Runs coroutines one at a time per key; locks are dropped when nobody waits on them."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._users: dict[Hashable, int] = {}

    async def run(self, key: Hashable, fn: Callable[[], Awaitable[T]]) -> T:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                return await fn()
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)

    def __contains__(self, key: Hashable) -> bool:
        """Whether a coroutine runs (or waits) for `key`."""
        return key in self._locks


class LoopSemaphore:
    """A semaphore of `size` slots per running event loop (an asyncio.Semaphore binds to the first loop that waits
    on it; tests and restarts run several loops). Loops that have closed are forgotten."""

    def __init__(self, size: Callable[[], int]) -> None:
        self.size = size
        self._by_loop: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def get(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        sem = self._by_loop.get(loop)
        if sem is None:
            for old in [old for old in self._by_loop if old.is_closed()]:
                del self._by_loop[old]
            sem = self._by_loop[loop] = asyncio.Semaphore(self.size())
        return sem
