"""One delivery path: replies, nudges and every re-send take a slot of the core's rate limiter (bot/ratelimit.py).

Time is the limiter's own virtual clock (it moves only when the limiter waits); every grant is logged with that
time, and every Bot API request the fake server saw is matched against the grants, so a send that went around the
limiter would show as a request without a grant.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import pytest

from bot.adapters.base import DeliveryUnknown, RetryLater
from bot.adapters.discord_dm import after_send, send_dm
from bot.adapters.telegram import TelegramAdapter
from bot.clock import FakeClock
from bot.config import Config
from bot.core import Core
from bot.ratelimit import FOLLOW_UP, LIMITS, NUDGE, PAID_LIMITS, REPLY, RateLimiter, VirtualTime
from bot.storage import Storage
from bot.types import Outbound
from fake_telegram import FakeTelegram
from nudge_helpers import done_user, only, service

PACED = ("sendmessage", "senddocument", "sendphoto", "editmessagetext", "editmessagereplymarkup")
GROUP = -100777


class Logged(RateLimiter):
    """The production limits on virtual time, with a log of every grant: (time, chat, lane)."""

    def __init__(self) -> None:
        self.time = VirtualTime()
        super().__init__(LIMITS, monotonic=self.time.monotonic, sleep=self.time.sleep)
        self.grants: list[tuple[float, str, int]] = []  # (time, chat, lane)
        self.messages: list[tuple[float, str]] = []     # new messages only (edits are not held per chat)
        self.on_grant = self.log

    def log(self, now: float, _platform: str, chat: str, lane: int, message: bool) -> None:
        self.grants.append((now, chat, lane))
        if message:
            self.messages.append((now, chat))


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max((sum(1 for s in times[i:] if s - t < window - 1e-9) for i, t in enumerate(times)), default=0)



@contextlib.asynccontextmanager
async def bot(tg: FakeTelegram, db: str, clock: FakeClock) -> AsyncIterator[tuple[Core, TelegramAdapter, Logged]]:
    """Core + the real Telegram adapter long polling the fake Bot API, the limiter logging its grants."""
    limiter = Logged()
    core = Core(Storage(db, clock=clock), clock=clock, limiter=limiter, throttle=False)
    await core.start()
    adapter = TelegramAdapter(core, Config(db_path=db, telegram_token=tg.token, telegram_api_url=tg.api_url))
    waits: list[float] = []

    async def record_wait(seconds: float) -> None:  # network backoff: recorded, not slept through
        waits.append(seconds)
    adapter.sleep = record_wait
    core.add_adapter(adapter)
    mark = tg.mark()
    await adapter.connect()
    task = asyncio.create_task(adapter.listen())
    await tg.wait_for(lambda c: c.method == "getupdates", after=mark)
    try:
        yield core, adapter, limiter
    finally:
        await adapter.disconnect()
        await asyncio.wait_for(task, 10)
        await core.stop()


def check_limits(limiter: Logged) -> None:
    """No second holds more than 30 requests; no chat more than 3 new messages in any 3 s (1/s after a burst of
    3); no group more than 20 requests in any minute."""
    assert most_in_any_window([t for t, _, _ in limiter.grants], 1.0) <= 30
    chats: dict[str, list[float]] = {}
    for t, chat in limiter.messages:
        chats.setdefault(chat, []).append(t)
    for chat, times in chats.items():
        assert most_in_any_window(times, 3.0) <= 3, chat
    groups: dict[str, list[float]] = {}
    for t, chat, _ in limiter.grants:
        if chat.startswith("-"):
            groups.setdefault(chat, []).append(t)
    for chat, times in groups.items():
        assert most_in_any_window(times, 60.0) <= 20, chat


async def test_a_burst_of_replies_nudges_and_re_sends_keeps_telegrams_limits(
        tg: FakeTelegram, db_path: str, clock: FakeClock) -> None:
    clock.set(datetime(2026, 1, 5, 0, 0, tzinfo=timezone.utc))  # 07:00 in Jakarta
    async with bot(tg, db_path, clock) as (core, adapter, limiter):
        nudged = [await done_user(core, uid=str(7000 + i), platform="telegram") for i in range(40)]
        for user in nudged:
            await only(core, user, "respond", times=["08:00"])
        mark = tg.mark()
        tg.fail("sendmessage", 429, retry_after=1, times=4)  # Telegram's flood control answers some sends
        tg.fail("sendmessage", 502, times=3)                  # and some fail before any body: re-sent
        users = [tg.user(6000 + i, f"U{i}") for i in range(120)]
        for user in users:
            await tg.say(user, "/start")
        group_sends = [adapter._reply(GROUP, [Outbound(text=f"group {i}")]) for i in range(25)]
        clock.set(datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc))  # 08:00: the nudges are due
        stats, *_ = await asyncio.gather(service(core).tick(), *group_sends)
        for user in users:
            await tg.wait_for(lambda c, u=user: c.method == "sendmessage" and c.status == 200
                              and c.chat_id == u["id"], after=mark, timeout=30)
        assert stats.sent == 40
    requests = [c for c in tg.calls[mark:] if c.method in PACED]
    assert len(requests) == len(limiter.grants)  # every request, re-sends included, took a slot
    refused = [c for c in requests if c.status in (429, 502)]
    assert len(refused) == 7 and len(requests) == len([c for c in requests if c.status == 200]) + 7
    check_limits(limiter)
    lanes = {lane for _, _, lane in limiter.grants}
    assert lanes == {REPLY, NUDGE}
    assert len([c for c in requests if c.chat_id == GROUP and c.status == 200]) == 25  # held, never dropped
    group_times = [t for t, chat, _ in limiter.grants if chat == str(GROUP)]
    assert max(group_times) - min(group_times) >= 60.0  # the 21st waited for the minute


async def test_a_reply_burst_is_not_slowed_by_a_nudge_wave() -> None:
    limiter = Logged()
    wave = [asyncio.create_task(limiter.acquire("telegram", str(100_000 + i), NUDGE)) for i in range(300)]
    while len(limiter.grants) < 60:  # the wave is under way: its window is as full as nudges may make it
        await asyncio.sleep(0)
    start = limiter.time.now
    for _ in range(3):  # a tap's answer: the settled edit, the next question, one more message
        await limiter.acquire("telegram", "5001", REPLY)
    assert limiter.time.now - start < 0.1  # a reply never queues behind the wave
    await asyncio.gather(*wave)
    nudge_times = [t for t, _, lane in limiter.grants if lane == NUDGE]
    assert most_in_any_window(nudge_times, 1.0) <= 30 - LIMITS["telegram"].reserve  # a share left to replies
    assert len(nudge_times) / (max(nudge_times) - min(nudge_times)) > 20  # ... and the wave still moves
    check_limits(limiter)


async def test_follow_ups_yield_to_replies_and_are_never_paid_broadcasts() -> None:
    """The plan's pictures for many chats at once: everyone's replies go ahead of them, and with paid broadcasts on
    (nudges up to 1,000/s) they still keep the unpaid 30/s, as replies do."""
    for limits in (LIMITS, PAID_LIMITS):
        limiter = Logged()
        limiter.limits = limits
        pictures = [asyncio.create_task(limiter.acquire("telegram", str(100_000 + i), FOLLOW_UP)) for i in range(200)]
        while len(limiter.grants) < 40:
            await asyncio.sleep(0)
        start = limiter.time.now
        for _ in range(3):
            await limiter.acquire("telegram", "5001", REPLY)
        assert limiter.time.now - start < 0.1  # a reply never queues behind the pictures
        await asyncio.gather(*pictures)
        unpaid = [t for t, _, lane in limiter.grants if lane != NUDGE]
        assert most_in_any_window(unpaid, 1.0) <= 30
        check_limits(limiter)


async def test_a_flood_of_replies_across_many_chats_is_held_to_the_global_limit() -> None:
    limiter = Logged()
    await asyncio.gather(*(limiter.acquire("telegram", str(5000 + i % 400), REPLY) for i in range(1200)))
    times = [t for t, _, _ in limiter.grants]
    assert 28 <= most_in_any_window(times, 1.0) <= 30  # full use of the limit, never more
    assert max(times) >= 1200 / 30 - 2
    check_limits(limiter)


async def test_a_taps_answer_goes_at_once_and_a_chat_then_gets_one_message_a_second() -> None:
    limiter = Logged()
    for message in (False, True, True, False, True):  # edits of tapped messages and new messages, interleaved
        await limiter.acquire("telegram", "5001", REPLY, message=message)
    assert limiter.time.now < 0.1  # three messages and two edits: no wait beyond the overall spread
    await limiter.acquire("telegram", "5001", REPLY)
    assert limiter.time.now >= 3.0  # the fourth new message waits for the chat's allowance
    check_limits(limiter)


async def test_a_pause_after_429_holds_every_lane() -> None:
    limiter = Logged()
    await limiter.acquire("telegram", "1")
    limiter.pause("telegram", 5)
    await asyncio.gather(limiter.acquire("telegram", "2", REPLY), limiter.acquire("telegram", "3", NUDGE))
    assert min(t for t, chat, _ in limiter.grants if chat != "1") >= 5


# -- Discord --------------------------------------------------------------------------------

class Channel:
    """A DM channel whose sends fail with the given errors first, in order."""

    def __init__(self, *errors: BaseException) -> None:
        self.id = 424242
        self.errors = list(errors)
        self.sent: list[dict[str, Any]] = []

    async def send(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)
        if self.errors:
            raise self.errors.pop(0)


class DMClient:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    async def create_dm(self, _user: Any) -> Channel:
        return self.channel


class DiscordDMs:
    """The Discord adapter's unprompted path (send_dm) around a fake client."""

    platform = "discord"

    def __init__(self, core: Core, channel: Channel) -> None:
        self.core, self.client = core, DMClient(channel)

    async def send(self, user_id: str, messages: list[Outbound]) -> None:
        await send_dm(self.client, self.core, "discord", user_id, messages)  # type: ignore[arg-type]


def connect_refused() -> aiohttp.ClientConnectorError:
    key = SimpleNamespace(host="discord.com", port=443, ssl=True)
    return aiohttp.ClientConnectorError(key, OSError(111, "Connection refused"))  # type: ignore[arg-type]


def server_error() -> discord.DiscordServerError:
    response = SimpleNamespace(status=503, reason="Service Unavailable")
    return discord.DiscordServerError(response, "upstream")  # type: ignore[arg-type]


async def test_a_discord_dm_that_timed_out_is_delivery_unknown_and_never_re_sent(core: Core, clock: FakeClock) -> None:
    limiter = Logged()
    core.limiter = limiter
    channel = Channel(asyncio.TimeoutError())
    core.add_adapter(DiscordDMs(core, channel))  # type: ignore[arg-type]
    clock.set(datetime(2026, 1, 5, 0, 0, tzinfo=timezone.utc))
    user = await done_user(core, uid="123456789", platform="discord")
    await only(core, user, "respond", times=["08:00", "19:00"])
    svc = service(core)
    clock.set(datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc))
    stats = await svc.tick()
    assert stats.unknown == 1 and stats.retried == 0 and stats.sent == 0
    for minutes in (1, 10, 59):  # later ticks, after the lease too
        clock.set(datetime(2026, 1, 5, 1, minutes, tzinfo=timezone.utc))
        await svc.tick()
    assert len(channel.sent) == 1  # never sent again
    assert [(chat, lane) for _, chat, lane in limiter.grants] == [("123456789", NUDGE)]  # paced, in the nudge lane


async def test_discord_dm_failures_retry_only_what_provably_did_not_arrive(core: Core) -> None:
    for error in (connect_refused(), server_error(), discord.RateLimited(12.0)):
        with pytest.raises(RetryLater):
            await DiscordDMs(core, Channel(error)).send("123", [Outbound(text="Waktunya membalas!")])
    for error in (asyncio.TimeoutError(), aiohttp.ServerDisconnectedError(), ConnectionResetError()):
        with pytest.raises(DeliveryUnknown):
            await DiscordDMs(core, Channel(error)).send("123", [Outbound(text="Waktunya membalas!")])
    assert isinstance(after_send(discord.RateLimited(3.0), delivered=0), RetryLater)
    assert isinstance(after_send(discord.RateLimited(3.0), delivered=1), DeliveryUnknown)  # part already arrived
    assert after_send(ValueError("bug"), delivered=0) is None
