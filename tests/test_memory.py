"""What the process holds per user is released once the user goes quiet (a long-running bot's memory does not grow
with everyone it ever served): flood buckets, per-user locks, the send limiter's per-chat records, cached rows.
Time is the injected clock's; nothing is slept through."""
from __future__ import annotations

from pathlib import Path

from bot.clock import FakeClock
from bot.core import Core
from bot.ratelimit import LIMITS, RateLimiter
from bot.storage import Storage, _Stamps
from bot.types import Inbound, UserRef


def user(n: int) -> UserRef:
    return UserRef("telegram", str(1000 + n), f"U{n}")


async def test_a_quiet_users_flood_bucket_and_lock_are_released(core: Core, clock: FakeClock) -> None:
    assert core.throttle is not None
    for n in range(30):
        await core.handle(Inbound(user(n), "command", command="help"))
    assert len(core.throttle) == 30 and len(core._serial) == 0  # a lock lives only while a message is handled
    clock.advance(seconds=30)  # the buckets have not refilled yet: still counted
    await core.handle(Inbound(user(99), "command", command="help"))
    assert len(core.throttle) == 31
    clock.advance(minutes=2)  # everyone's bucket is full again: indistinguishable from a new user
    await core.handle(Inbound(user(100), "command", command="help"))
    assert len(core.throttle) == 1


async def test_a_throttled_user_is_still_refused_until_the_bucket_refills(core: Core, clock: FakeClock) -> None:
    assert core.throttle is not None
    flood = user(1)

    async def until_refused() -> int:
        for n in range(100):
            out = await core.handle(Inbound(flood, "command", command="help"))
            if [m.key for m in out] == ["err.slow_down"]:
                return n
        return 100

    assert await until_refused() == 40
    clock.advance(seconds=30)
    assert await until_refused() == 30
    clock.advance(seconds=15)  # the periodic clean-up runs now, and keeps this bucket (not full again)
    assert await until_refused() == 15


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_the_send_limiter_forgets_a_chat_once_its_messages_left_the_window() -> None:
    clock = Ticking()
    limiter = RateLimiter(LIMITS, monotonic=clock, sleep=clock.sleep)
    await limiter.acquire("telegram", "-100777")  # a group: counted over a minute
    for n in range(60):
        await limiter.acquire("telegram", str(1000 + n))
    assert clock.now < LIMITS["telegram"].chat_window
    assert limiter.tracked_chats("telegram") == 62  # the group is in both records
    clock.now += LIMITS["telegram"].chat_window + 1
    await limiter.acquire("telegram", "42")
    assert limiter.tracked_chats("telegram") == 2  # the new chat, and the group still inside its minute
    clock.now += LIMITS["telegram"].group_window + 4
    await limiter.acquire("telegram", "43")
    assert limiter.tracked_chats("telegram") == 1


async def test_the_limiter_still_paces_a_chat_that_keeps_talking() -> None:
    clock = Ticking()
    limiter = RateLimiter(LIMITS, monotonic=clock, sleep=clock.sleep)
    sent = []
    for _ in range(7):  # the sweep runs in between; this chat's record must survive it
        await limiter.acquire("telegram", "7")
        sent.append(clock.now)
    lim = LIMITS["telegram"]
    assert all(b - a >= lim.chat_window - 1e-9 for a, b in zip(sent, sent[lim.chat_burst:]))


async def test_cached_rows_are_bounded(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path / "bot.sqlite3"), FakeClock(), cache_size=3)
    await storage.open()
    try:
        for n in range(8):
            u = await storage.get_or_create_user("telegram", str(n), f"U{n}", "id")
            await storage.answers(u.id)
            await storage.get_flow(u.id)
        assert storage.cached_users() == 3
        again = await storage.get_or_create_user("telegram", "0", "U0", "id")  # an evicted user reads from SQLite
        assert again.platform_user_id == "0" and again.display_name == "U0"
    finally:
        await storage.close()


def test_a_read_that_began_before_a_forgotten_write_is_not_cached() -> None:
    stamps = _Stamps(2)
    stamps.put("a", 1)
    start = 1  # a read of "b" begins
    stamps.put("b", 2)  # "b" is written meanwhile...
    stamps.put("c", 3)
    stamps.put("d", 4)  # ...and its stamp is forgotten: the read cannot tell, so it must not fill the cache
    assert "b" not in stamps and not stamps.unchanged_since(start, ("b",))
    assert stamps.unchanged_since(4, ("b",))  # a read begun after it can
