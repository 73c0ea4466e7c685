"""Per-platform delivery pacing: at most N messages in any window overall, and a minimum gap per chat."""
from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Limit:
    per_window: int          # messages allowed in any window
    window: float            # seconds
    per_chat_gap: float = 0  # seconds between two messages to one chat


# Telegram: 30 messages/s overall, 1/s per chat; Discord: 50 requests/s. The window carries a small safety margin
# so that jitter between here and the platform never shows a 31st message inside its one-second window.
LIMITS: dict[str, Limit] = {"telegram": Limit(30, 1.02, 1.05), "discord": Limit(50, 1.02, 0.0)}


class _Bucket:
    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.sent: deque[float] = deque()
        self.blocked_until = 0.0
        self.chats: dict[str, float] = {}
        self.lock = asyncio.Lock()


class RateLimiter:
    """Paces sends per platform (sliding window, FIFO) and per chat; the clock and sleep are injectable."""

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
                if wait <= 0:
                    last = bucket.chats.get(chat)
                    if last is not None and now - last < lim.per_chat_gap:
                        chat_wait = last + lim.per_chat_gap - now
                    else:
                        bucket.sent.append(now)
                        bucket.chats[chat] = now
                        if len(bucket.chats) > 10000:
                            bucket.chats = {c: t for c, t in bucket.chats.items() if now - t < lim.per_chat_gap}
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
