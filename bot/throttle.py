"""Per-user flood control: a token bucket per user, on the injected clock."""
from __future__ import annotations

from collections.abc import Hashable

from bot.clock import Clock


class Throttle:
    """Allows bursts of `burst` messages, refilled at `rate` per second; one user's flood never slows others."""

    def __init__(self, clock: Clock, burst: float = 40.0, rate: float = 1.0, max_keys: int = 100_000) -> None:
        self.clock = clock
        self.burst = burst
        self.rate = rate
        self.max_keys = max_keys
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key -> (tokens, at seconds)
        self._warned: set[Hashable] = set()
        self._next_prune = 0.0

    def __len__(self) -> int:
        """Users with a bucket that is not full (a full one is forgotten)."""
        return len(self._buckets)

    def allow(self, key: Hashable) -> bool:
        """Take one token for `key`; False when the user is over the limit."""
        now = self.clock.now().timestamp()
        if now >= self._next_prune or len(self._buckets) > self.max_keys:
            self._prune(now)
        tokens, at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + max(0.0, now - at) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        self._warned.discard(key)
        return True

    def first_refusal(self, key: Hashable) -> bool:
        """True once per flood, so the user is told to slow down only once."""
        if key in self._warned:
            return False
        self._warned.add(key)
        return True

    def _prune(self, now: float) -> None:
        """Forget users whose bucket has refilled (they are indistinguishable from new ones), and the flood
        warnings of users gone quiet since. Runs about once per refill time, so an idle user's entry lives
        about twice that long, not as long as the process."""
        full = [k for k, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.burst]
        for k in full:
            del self._buckets[k]
        self._warned &= self._buckets.keys()
        self._next_prune = now + self.burst / self.rate
