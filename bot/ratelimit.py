"""Pacing for everything the bot sends (replies, nudges, every re-send): per platform, per chat and per group chat,
with replies ahead of nudges. One instance per process, owned by the core (`core.limiter`); adapters take a slot
before every request to their platform that posts or edits a message. Only one process may serve a SQLite database
(bot/dblock.py refuses a second one), so these limits hold for everything the bot sends; on PostgreSQL every worker
takes its slots in the database too (SharedRateLimiter).

Each platform's limits are its channel's (`Channel.limit` in bot/adapters/registry.py, with the documentation they
come from): how many messages in a window overall, a chat's burst of new messages, a group chat's allowance; an edit
counts toward the overall and group limits only. A platform without limits there is not paced here (its library
may pace itself).
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol, cast

from bot import metrics

from bot import channels
from bot.channels import Limit, is_group

if TYPE_CHECKING:
    from bot.config import Config

Sleep = Callable[[float], Awaitable[None]]
# Lanes: an answer to what a user just did; an unprompted message; the rest of an answer that comes later (the plan's
# pictures): behind replies like a nudge, and held to the replies' (unpaid) limits.
REPLY, NUDGE, FOLLOW_UP = 0, 1, 2
LANE: ContextVar[int] = ContextVar("send_lane", default=REPLY)
_TAKEN: ContextVar[tuple[str, str] | None] = ContextVar("slot_taken", default=None)
_GRANTED: ContextVar[int | None] = ContextVar("shared_slot_granted", default=None)  # the shared slot's id, if any
# The chat a user's message is being answered in, and how many new messages of that answer are still free of the
# chat's burst allowance (answering()).
_ANSWER: ContextVar[tuple[str, str, list[int], asyncio.Task[Any] | None] | None] = ContextVar("answering",
                                                                                          default=None)
# Free answers stop once a chat's window holds this many times its burst (a batch of forwarded messages, an inbox
# swept after a restart): a short burst at the user's pace, never a flood at the bot's.
ANSWER_CEILING = 3
# A chat the platform answered 'too many requests' for is held to its burst allowance for every message this long.
STRICT_AFTER_429 = 600.0
EPS = 1e-6  # waits shorter than this count as none (rounding must not leave a sleeper waking forever)


@contextmanager
def unprompted() -> Iterator[None]:
    """Sends made inside this block (nudges: core.send_to) go in the nudge lane, behind replies."""
    token = LANE.set(NUDGE)
    try:
        yield
    finally:
        LANE.reset(token)


def is_unprompted() -> bool:
    """Whether sends here go in the nudge lane (a paid broadcast pays for those alone)."""
    return LANE.get() == NUDGE


@contextmanager
def following_up() -> Iterator[None]:
    """Sends made inside this block (bot/followups.py) go in the follow-up lane, behind replies."""
    token = LANE.set(FOLLOW_UP)
    try:
        yield
    finally:
        LANE.reset(token)


@contextmanager
def answering(platform: str, chat: str, free: int = 1) -> Iterator[None]:
    """Sends inside this block answer a message the user just sent in `chat`: the first `free` new messages to that
    chat skip the chat's burst allowance (they still count toward it, the overall rate and a group's allowance).

    Why: the answer to a message is one message at the pace the user writes, which the core's per-user throttle
    already bounds (bot/throttle.py: a burst, then one a second: what a platform's advice for one chat asks). Holding it
    to the chat's burst as well made a user who answers quickly wait ~1 s for every third question. What else the
    bot sends to the chat (a long answer's further parts, nudges, the plan's pictures) keeps the allowance, and a
    chat the platform refused with a 429 loses the free answer for STRICT_AFTER_429 seconds. Only on a platform whose
    per-chat rule is advice (Limit.answers_at_users_pace), not one that refuses (a pair rate of one message every
    few seconds to a user)."""
    token = _ANSWER.set((platform, chat, [free], _task()))
    try:
        yield
    finally:
        _ANSWER.reset(token)


def _task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop
        return None


def _free_answer(platform: str, chat: str, lane: int, message: bool) -> list[int] | None:
    """The answer's free-message counter when this send may use it (see answering()), else None. Only the task
    that answers: a task started inside the block inherits the context, not the answer."""
    held = _ANSWER.get()
    if held is None or not message or lane != REPLY or held[0] != platform or held[1] != chat or held[2][0] <= 0:
        return None
    return held[2] if held[3] is _task() else None


@contextmanager
def slot_taken(platform: str, chat: str) -> Iterator[None]:
    """The next send to `chat` inside this block uses a slot acquired beforehand (the nudge dispatcher takes it
    before claiming the nudge, so that a crash leaves no claimed nudge waiting in the limiter)."""
    token = _TAKEN.set((platform, chat))
    try:
        yield
    finally:
        _TAKEN.reset(token)


def standard_limits(paid: bool = False) -> dict[str, Limit]:
    """Every channel's limits (`paid`: its paid tier where it has one), read from the registry when first asked."""
    return {c.name: (c.paid_limit if paid and c.paid_limit else c.limit) for c in channels.all_channels()
            if c.limit is not None}


def __getattr__(name: str) -> dict[str, Limit]:
    """LIMITS: every channel's limits; PAID_LIMITS: the same with each channel's paid tier (tests, benches)."""
    if name in ("LIMITS", "PAID_LIMITS"):
        return standard_limits(paid=name == "PAID_LIMITS")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def limits_for(config: Config) -> dict[str, Limit]:
    """The limits a process serving `config` keeps: each channel's, or its paid tier where its settings pay."""
    out: dict[str, Limit] = {}
    for channel in channels.all_channels():
        paid = channel.paid_limit is not None and channel.paid(config.section(channel))
        limit = channel.paid_limit if paid else channel.limit
        if limit is not None:
            out[channel.name] = limit
    return out


def limiter_for(config: Config, slots: SlotSource | None = None) -> RateLimiter:
    """The process's limiter: real time, or virtual time for a test against a fake API (BRANDCOACH_PACING=virtual:
    the same limits counted and ordered, never waited out; never for a real platform). With a shared slot source
    (the PostgreSQL storage: several workers on one database), every slot is also taken there."""
    if config.virtual_pacing:
        logging.getLogger(__name__).warning("BRANDCOACH_PACING=virtual: sends are not paced in real time (tests)")
        return RateLimiter.virtual(limits_for(config))
    if slots is not None:
        return SharedRateLimiter(slots, limits_for(config))
    return RateLimiter(limits_for(config))


def shared_slots(storage: object) -> SlotSource | None:
    """The storage as a shared slot source when several processes use its database (PostgreSQL), else None."""
    if getattr(storage, "shared", False) and hasattr(storage, "take_send"):
        return cast("SlotSource", storage)
    return None


def _wait(sent: deque[float], n: int, window: float, now: float) -> float:
    """Seconds until fewer than `n` of `sent` fall in the window ending now (drops the older ones)."""
    while sent and now - sent[0] >= window:
        sent.popleft()
    return sent[len(sent) - n] + window - now if n and len(sent) >= n else 0.0


class VirtualTime:
    """A limiter clock that moves only when the limiter waits: tests, and a core whose clock is injected."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + max(0.0, seconds)
        await asyncio.sleep(0)
        self.now = max(self.now, target)


class _Bucket:
    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.sent: deque[float] = deque()
        self.replies: deque[float] = deque()
        self.blocked_until = 0.0
        # Per chat and per group: when its last messages went out (only while they still count; see sweep).
        self.chats: dict[str, deque[float]] = {}
        self.groups: dict[str, deque[float]] = {}
        self.strict: dict[str, float] = {}  # chat -> until when it gets no free answer (a 429 for it)
        self.next_sweep = 0.0
        self.lanes = (asyncio.Lock(), asyncio.Lock(), asyncio.Lock())  # FIFO within a lane
        self.replies_waiting = 0

    def global_wait(self, now: float, lane: int) -> float:
        lim = self.limit
        wait = self.blocked_until - now
        if lane == REPLY:
            wait = max(wait, _wait(self.sent, lim.per_window, lim.window, now),
                       _wait(self.replies, lim.reply_per_window or lim.per_window, lim.window, now))
        else:
            wait = max(wait, _wait(self.sent, max(1, lim.per_window - lim.reserve), lim.window, now))
        if lane == FOLLOW_UP:  # unpaid, like a reply
            wait = max(wait, _wait(self.replies, lim.reply_per_window or lim.per_window, lim.window, now))
        gap = lim.window / lim.per_window / 2  # a burst spreads over half the window instead of firing at once
        if self.sent:
            wait = max(wait, self.sent[-1] + gap - now)
        if lane != REPLY and self.replies_waiting:
            wait = max(wait, gap)  # a reply is waiting for the window: it goes first
        return wait

    def answer_free(self, chat: str, now: float) -> bool:
        """Whether an answer's first message to `chat` may skip the chat's burst: the platform's per-chat rule is
        advice (Limit.answers_at_users_pace) and it refused this chat no request lately."""
        lim = self.limit
        if not lim.answers_at_users_pace:
            return False
        recent = self.chats.get(chat)
        if recent is not None:
            _wait(recent, 0, lim.chat_window, now)  # drops what left the window
            if len(recent) >= lim.chat_burst * ANSWER_CEILING:
                return False
        return self.strict.get(chat, now) <= now  # a chat's 429 mark, once passed, goes at the next sweep

    def chat_wait(self, chat: str, now: float, message: bool, free: bool = False) -> float:
        lim = self.limit
        wait = 0.0
        if message and lim.chat_burst and chat in self.chats and not free:
            wait = _wait(self.chats[chat], lim.chat_burst, lim.chat_window, now)
        if lim.group_per_window and chat in self.groups:
            wait = max(wait, _wait(self.groups[chat], lim.group_per_window, lim.group_window, now))
        return wait

    def record(self, platform: str, chat: str, now: float, lane: int, message: bool) -> None:
        lim = self.limit
        self.sent.append(now)
        if lane != NUDGE:
            self.replies.append(now)
        if message and lim.chat_burst:
            self.chats.setdefault(chat, deque()).append(now)
        if lim.group_per_window and is_group(platform, chat):
            self.groups.setdefault(chat, deque()).append(now)
        if now >= self.next_sweep:
            self.sweep(now)

    def sweep(self, now: float) -> None:
        """Forget chats and groups whose last message left the window (they wait for nothing): a chat's record
        lives seconds after its last message, not as long as the process. Runs once per chat window."""
        lim = self.limit
        for records, window in ((self.chats, lim.chat_window), (self.groups, lim.group_window)):
            for chat in [c for c, q in records.items() if not q or now - q[-1] >= window]:
                del records[chat]
        for chat in [c for c, until in self.strict.items() if now >= until]:
            del self.strict[chat]
        self.next_sweep = now + max(lim.chat_window, 1.0)


class RateLimiter:
    """Paces sends per platform (sliding windows), per chat and per group chat; replies go ahead of nudges and
    follow-ups, which also leave `reserve` slots of every window free. The clock and sleep are injectable."""

    def __init__(self, limits: dict[str, Limit] | None = None, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.limits = standard_limits() if limits is None else limits
        self.monotonic = monotonic
        self.sleep = sleep
        self._buckets: dict[str, _Bucket] = {}
        # Called with (time, platform, chat, lane, message) on every slot granted: tests count them.
        self.on_grant: Callable[[float, str, str, int, bool], None] | None = None

    @classmethod
    def virtual(cls, limits: dict[str, Limit] | None = None) -> RateLimiter:
        """The same limits on a clock that only its own waits move (nothing is slept through)."""
        clock = VirtualTime()
        return cls(limits, monotonic=clock.monotonic, sleep=clock.sleep)

    def _bucket(self, platform: str) -> _Bucket | None:
        limit = self.limits.get(platform)
        if limit is None:
            return None
        if platform not in self._buckets:
            self._buckets[platform] = _Bucket(limit)
        return self._buckets[platform]

    async def acquire(self, platform: str, chat: str, lane: int | None = None, *, message: bool = True) -> None:
        """Wait until one more request for `chat` on `platform` fits the limits, then count it as sent. The lane
        is the context's (unprompted() for nudges) unless given; an edit (message=False) is not held to the
        per-chat allowance of new messages."""
        bucket = self._bucket(platform)
        if bucket is None:
            return
        if _TAKEN.get() == (platform, chat):
            _TAKEN.set(None)  # its slot was taken before the block (slot_taken); re-sends take new ones
            return
        lane = LANE.get() if lane is None else lane
        answer = _free_answer(platform, chat, lane, message)
        while True:
            if lane == REPLY:
                bucket.replies_waiting += 1
            try:
                async with bucket.lanes[lane]:
                    while True:
                        now = self.monotonic()
                        wait = bucket.global_wait(now, lane)
                        if wait <= EPS:
                            break
                        await self.sleep(wait)  # the head of the lane waits; the lane behind it keeps its order
                    free = answer is not None and bucket.answer_free(chat, now)  # see answering()
                    chat_wait = bucket.chat_wait(chat, now, message, free)
                    if chat_wait <= EPS:
                        if free and answer is not None:
                            answer[0] -= 1
                        bucket.record(platform, chat, now, lane, message)
                        if self.on_grant is not None:
                            self.on_grant(now, platform, chat, lane, message)
                        return
            finally:
                if lane == REPLY:
                    bucket.replies_waiting -= 1
            await self.sleep(chat_wait)  # only this chat waits; others go ahead

    @asynccontextmanager
    async def slot(self, platform: str, chat: str, lane: int | None = None, *,
                   message: bool = True) -> AsyncIterator[None]:
        """acquire(), then the request runs in the block: where the limits are shared (SharedRateLimiter) the send
        counts as in flight until the block ends (the platform answered, or the request failed)."""
        await self.acquire(platform, chat, lane, message=message)
        with metrics.sending(platform):  # its outcome, and a 429 (bot/metrics.py; nothing when metrics are off)
            yield

    def tracked_chats(self, platform: str) -> int:
        """Chats and group chats whose recent messages are still counted (what the limiter holds per chat)."""
        bucket = self._buckets.get(platform)
        return 0 if bucket is None else len(bucket.chats) + len(bucket.groups)

    def pause(self, platform: str, seconds: float, chat: str | None = None) -> None:
        """The platform said 'too many requests': nobody sends on it for `seconds`; `chat`, the chat the refused
        request was for, is held to its burst allowance for every message for STRICT_AFTER_429 seconds."""
        bucket = self._bucket(platform)
        if bucket is not None:
            now = self.monotonic()
            bucket.blocked_until = max(bucket.blocked_until, now + max(0.0, seconds))
            if chat is not None:
                bucket.strict[chat] = now + max(0.0, seconds) + STRICT_AFTER_429


class SlotSource(Protocol):
    """Sending slots shared by several processes (bot/pg.py PgStorage: brandcoach_take_send in PostgreSQL)."""

    async def take_send(self, platform: str, chat: str, message: bool, per_window: int, window: float,
                        chat_burst: int, chat_window: float, chat_gap: float, group_per_window: int,
                        group_window: float, group: bool, flight: float) -> tuple[float, int | None, bool]: ...

    async def send_done(self, slots: list[int]) -> None: ...

    async def send_pause(self, platform: str, seconds: float) -> None: ...


# Nudges keep this much more than a chat's average spacing between two of them (chat_window / chat_burst).
SHARED_MARGIN = 0.25
# A send whose end was never reported (its worker died mid-request) stops counting as in flight after this long.
FLIGHT = 20.0


class SharedRateLimiter(RateLimiter):
    """The same limits for every worker on one database: a slot is first taken in this process (lanes, replies
    ahead of nudges), then in the shared slot source, which keeps the overall rate, each chat's burst of new
    messages, a group's allowance and the gap between nudges to one chat over every worker's sends together
    (re-sends after a 429 included: each attempt takes a slot). A send counts there from its slot until the platform
    answered it (`slot()`; a request that travels long, from a loaded worker, still counts while it travels), then
    until its answer leaves the window: when it reached the platform lies between the two, so no window at the
    platform holds more than the limit, whatever the trips from the workers."""

    def __init__(self, slots: SlotSource, limits: dict[str, Limit] | None = None,
                 monotonic: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(limits, monotonic=monotonic, sleep=sleep)
        self.slots = slots
        self._pauses: set[asyncio.Task[Any]] = set()
        self._done: list[int] = []

    async def acquire(self, platform: str, chat: str, lane: int | None = None, *, message: bool = True) -> None:
        """As RateLimiter.acquire, the slot then taken in the shared source too. Only the head of each lane asks the
        shared source while the overall rate makes everyone wait (the lane behind it keeps its order, and the
        database is asked by one sender per lane and worker, not by every sender); a wait that is the chat's own
        (its burst, its gap, its group) lets the lane go on."""
        if _TAKEN.get() == (platform, chat):
            _TAKEN.set(None)  # taken before the block (slot_taken), here and in the shared source (_GRANTED)
            return
        bucket = self._bucket(platform)
        if bucket is None:
            return
        lim = bucket.limit
        lane = LANE.get() if lane is None else lane
        nudge = lane == NUDGE
        per_window = max(1, lim.per_window - lim.reserve) if nudge else lim.per_window
        gap = lim.chat_window / lim.chat_burst + SHARED_MARGIN if nudge and message and lim.chat_burst else 0.0
        answer = _free_answer(platform, chat, lane, message)
        while True:
            if lane == REPLY:
                bucket.replies_waiting += 1
            try:
                async with bucket.lanes[lane]:
                    while True:
                        now = self.monotonic()
                        wait = bucket.global_wait(now, lane)
                        if wait <= EPS:
                            free = answer is not None and bucket.answer_free(chat, now)  # see answering()
                            chat_wait = bucket.chat_wait(chat, now, message, free)
                            if chat_wait > EPS:
                                break  # this chat's own allowance (as this worker counts it): others go ahead
                            wait, slot, chat_only = await self.slots.take_send(
                                platform, chat, message, per_window, lim.window,
                                lim.chat_burst if message and not free else 0,
                                lim.chat_window, gap, lim.group_per_window, lim.group_window,
                                is_group(platform, chat), FLIGHT)
                            if slot is not None:
                                now = self.monotonic()
                                if free and answer is not None:
                                    answer[0] -= 1
                                bucket.record(platform, chat, now, lane, message)
                                if self.on_grant is not None:
                                    self.on_grant(now, platform, chat, lane, message)
                                _GRANTED.set(slot)
                                return
                            if chat_only:
                                chat_wait = wait
                                break
                        await self.sleep(max(wait, EPS))
            finally:
                if lane == REPLY:
                    bucket.replies_waiting -= 1
            await self.sleep(chat_wait)  # only this chat waits; others go ahead

    @asynccontextmanager
    async def slot(self, platform: str, chat: str, lane: int | None = None, *,
                   message: bool = True) -> AsyncIterator[None]:
        await self.acquire(platform, chat, lane, message=message)
        slot, _ = _GRANTED.get(), _GRANTED.set(None)
        try:
            with metrics.sending(platform):
                yield
        finally:
            if slot is not None:
                self._report(slot)

    def _report(self, slot: int) -> None:
        """The platform answered the send: recorded in the shared source soon after, with others (late is safe:
        until then the send counts as in flight)."""
        self._done.append(slot)
        if len(self._done) == 1:
            task = asyncio.get_running_loop().create_task(self._flush(), context=contextvars.Context())
            self._pauses.add(task)
            task.add_done_callback(self._pauses.discard)

    async def _flush(self) -> None:
        await asyncio.sleep(0)
        done, self._done = self._done, []
        try:
            await self.slots.send_done(done)
        except Exception:
            logging.getLogger(__name__).warning("sends' ends not recorded (they count as in flight a while)",
                                                exc_info=True)

    def pause(self, platform: str, seconds: float, chat: str | None = None) -> None:
        """The platform said 'too many requests': nobody sends on it for `seconds`, in any worker (`chat`: as
        RateLimiter.pause, in this worker)."""
        super().pause(platform, seconds, chat)
        task = asyncio.ensure_future(self.slots.send_pause(platform, seconds))
        self._pauses.add(task)
        task.add_done_callback(self._pauses.discard)
