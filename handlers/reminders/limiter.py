"""Per-platform delivery pacing: at most N messages in any window overall, and a minimum gap per chat."""
from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.storage import Storage

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Limit:
    per_window: int          # messages allowed in any window
    window: float            # seconds
    per_chat_gap: float = 0  # seconds between two messages to one chat
    group_per_window: int = 0   # messages to one group chat in any group_window (0: no group rule)
    group_window: float = 60.0


# Waits shorter than this count as none (float rounding must not leave a sleeper waking up forever).
EPS = 1e-6


def is_group(platform: str, chat: str) -> bool:
    """Telegram group and supergroup chat ids are negative; private chats (user ids) are positive."""
    return platform == "telegram" and chat.startswith("-")


# Telegram: 30 messages/s overall, 1/s per chat, 20/min per group chat; Discord: 50 requests/s. The windows carry
# a small safety margin so that jitter between here and the platform never shows one message too many.
LIMITS: dict[str, Limit] = {"telegram": Limit(30, 1.02, 1.05, 20, 61.0), "discord": Limit(50, 1.02, 0.0)}


class _Bucket:
    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.sent: deque[float] = deque()
        self.blocked_until = 0.0
        self.chats: dict[str, float] = {}
        self.groups: dict[str, deque[float]] = {}
        self.lock = asyncio.Lock()


class RateLimiter:
    """Paces sends per platform (sliding window, FIFO), per chat and per group chat; the clock and sleep are
    injectable. One instance per process: first sends and re-sends (RESEND_GATE) alike take a slot here."""

    def __init__(self, limits: dict[str, Limit] | None = None, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.limits = LIMITS if limits is None else limits
        self.monotonic = monotonic
        self.sleep = sleep
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, platform: str) -> _Bucket | None:
        limit = self.limits.get(platform)
        if limit is None:
            return None
        if platform not in self._buckets:
            self._buckets[platform] = _Bucket(limit)
        return self._buckets[platform]

    async def acquire(self, platform: str, chat: str) -> None:
        """Wait until one more message to `chat` on `platform` fits the limits, then count it as sent."""
        bucket = self._bucket(platform)
        if bucket is None:
            return
        lim = bucket.limit
        while True:
            async with bucket.lock:
                now = self.monotonic()
                while bucket.sent and now - bucket.sent[0] >= lim.window:
                    bucket.sent.popleft()
                wait = max(0.0, bucket.blocked_until - now)
                if len(bucket.sent) >= lim.per_window:
                    wait = max(wait, bucket.sent[0] + lim.window - now)
                if bucket.sent:  # spread a burst over half the window instead of firing it at once
                    wait = max(wait, bucket.sent[-1] + lim.window / lim.per_window / 2 - now)
                if wait <= EPS:
                    last = bucket.chats.get(chat)
                    chat_wait = last + lim.per_chat_gap - now if last is not None else 0.0
                    group = bucket.groups.get(chat) if lim.group_per_window and is_group(platform, chat) else None
                    if group is not None:
                        while group and now - group[0] >= lim.group_window:
                            group.popleft()
                        if len(group) >= lim.group_per_window:
                            chat_wait = max(chat_wait, group[0] + lim.group_window - now)
                    if chat_wait <= EPS:
                        bucket.sent.append(now)
                        bucket.chats[chat] = now
                        if lim.group_per_window and is_group(platform, chat):
                            bucket.groups.setdefault(chat, deque()).append(now)
                        if len(bucket.chats) > 10000:
                            bucket.chats = {c: t for c, t in bucket.chats.items() if now - t < lim.per_chat_gap}
                            bucket.groups = {c: q for c, q in bucket.groups.items()
                                             if q and now - q[-1] < lim.group_window}
                        return
                else:
                    # hold the lock while the head of the line waits: sends stay in FIFO order
                    await self.sleep(wait)
                    continue
            await self.sleep(chat_wait)  # only this chat waits; others go ahead

    def pause(self, platform: str, seconds: float) -> None:
        """The platform said 'too many requests': nobody sends on it for `seconds`."""
        bucket = self._bucket(platform)
        if bucket is not None:
            bucket.blocked_until = max(bucket.blocked_until, self.monotonic() + max(0.0, seconds))


# Several workers: a slot is taken in the database, then the message travels from its worker to the platform;
# the trips differ (another machine, a loaded one), so arrivals can bunch up. Windows and gaps are widened by this
# much (measured: 32 arrivals in one second at 1.02 s windows under bench/workers.py's load, 2 cores).
SHARED_MARGIN = 0.25


class SharedRateLimiter:
    """The same limits for every worker on one PostgreSQL database: a slot is taken in the database
    (brandcoach_send_slot, migration 0007_workers.pg.sql) before each send, so N workers together never exceed
    what one is allowed. Kept in PostgreSQL because every worker already shares it (no other store to run) and
    the load is tiny: one short transaction per message, at most 30 a second."""

    def __init__(self, storage: Storage, limits: dict[str, Limit] | None = None, sleep: Sleep = asyncio.sleep) -> None:
        self.storage = storage
        self.limits = LIMITS if limits is None else limits
        self.sleep = sleep
        self._pauses: set[asyncio.Task[Any]] = set()

    async def acquire(self, platform: str, chat: str) -> None:
        """Wait until one more message to `chat` fits the limits shared by all workers, then count it as sent."""
        lim = self.limits.get(platform)
        if lim is None:
            return
        while True:
            row = await self.storage.fetch_one(
                "SELECT brandcoach_send_slot(?, ?, ?, ?, ?, ?, ?, ?)",
                (platform, chat, lim.per_window, lim.window + SHARED_MARGIN, lim.per_chat_gap + SHARED_MARGIN,
                 lim.group_per_window, lim.group_window + SHARED_MARGIN, is_group(platform, chat)))
            wait = float(row[0])
            if wait <= EPS:
                return
            await self.sleep(wait)

    def pause(self, platform: str, seconds: float) -> None:
        """The platform said 'too many requests': no worker sends on it for `seconds` (recorded in the database)."""
        task = asyncio.ensure_future(self.storage.write((
            "INSERT INTO send_pauses (platform, blocked_until) VALUES (?, extract(epoch FROM clock_timestamp()) + ?)"
            " ON CONFLICT (platform) DO UPDATE SET blocked_until = greatest(send_pauses.blocked_until,"
            " excluded.blocked_until)", (platform, float(max(0.0, seconds))))))
        self._pauses.add(task)
        task.add_done_callback(self._pauses.discard)


def default_limiter(storage: Storage) -> RateLimiter | SharedRateLimiter:
    """In memory for one process (SQLite), in the database where several workers share it (PostgreSQL)."""
    return SharedRateLimiter(storage) if storage.shared else RateLimiter()
