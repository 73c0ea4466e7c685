"""The answer to a user's message goes at the user's pace; everything else the bot sends to a chat keeps the chat's
burst allowance (bot/ratelimit.py answering()).

Time is the limiter's virtual clock (it moves only when the limiter waits): a wait shows as time passed.
"""
from __future__ import annotations

import asyncio
from typing import Any

from bot.clock import FakeClock
from bot.ratelimit import (ANSWER_CEILING, FOLLOW_UP, LIMITS, NUDGE, REPLY, STRICT_AFTER_429, SharedRateLimiter,
                           VirtualTime, answering)
from fake_telegram import FakeTelegram
from test_delivery import Logged, bot, most_in_any_window

TG = LIMITS["telegram"]


async def answer(limiter: Logged, chat: str, messages: int = 1, edits: int = 0) -> None:
    """One answer to a message of the user's in `chat`: its edits, then its new messages."""
    with answering("telegram", chat):
        for _ in range(edits):
            await limiter.acquire("telegram", chat, REPLY, message=False)
        for _ in range(messages):
            await limiter.acquire("telegram", chat, REPLY)


async def test_a_user_who_answers_quickly_gets_every_answer_at_once() -> None:
    limiter = Logged()
    start = limiter.time.now
    for _ in range(TG.chat_burst * 10):  # far more answers than the chat's burst, a message every 0.5 s
        limiter.time.now += 0.5
        await answer(limiter, "5001", edits=1)
    spread = limiter.time.now - start - 0.5 * TG.chat_burst * 10
    assert spread < 1.0  # only the overall spread between requests, never the chat's allowance
    assert len(limiter.messages) == TG.chat_burst * 10


async def test_without_a_message_to_answer_the_chat_keeps_its_allowance() -> None:
    limiter = Logged()
    for _ in range(TG.chat_burst + 1):
        await limiter.acquire("telegram", "5001", REPLY)
    assert limiter.time.now >= TG.chat_window - 0.2  # the same sends outside answering() wait


async def test_an_answers_further_messages_keep_the_chats_allowance() -> None:
    limiter = Logged()
    await answer(limiter, "5001", messages=TG.chat_burst + 1)  # a long answer in parts
    times = [t for t, chat in limiter.messages if chat == "5001"]
    assert len(times) == TG.chat_burst + 1
    assert most_in_any_window(times, TG.chat_window) <= TG.chat_burst  # the first was free, the rest paced
    assert limiter.time.now >= TG.chat_window - 0.2


async def test_nudges_and_follow_ups_inside_an_answer_are_not_free() -> None:
    limiter = Logged()
    for _ in range(TG.chat_burst):
        await answer(limiter, "5001")
    with answering("telegram", "5001"):
        await limiter.acquire("telegram", "5001", FOLLOW_UP)  # the plan's pictures, say
    assert limiter.time.now >= TG.chat_window - 0.2
    start = limiter.time.now
    with answering("telegram", "5001"):
        for _ in range(TG.chat_burst):
            await limiter.acquire("telegram", "5001", NUDGE)
    assert limiter.time.now > start  # a nudge is never an answer


async def test_an_answer_in_one_chat_frees_nothing_in_another() -> None:
    limiter = Logged()
    for _ in range(TG.chat_burst):
        await limiter.acquire("telegram", "5002", REPLY)
    with answering("telegram", "5001"):
        await limiter.acquire("telegram", "5002", REPLY)
    assert limiter.time.now >= TG.chat_window - 0.2


async def test_a_429_for_a_chat_takes_its_free_answers_away_for_a_while() -> None:
    limiter = Logged()
    await answer(limiter, "5001")
    limiter.pause("telegram", 2, chat="5001")
    for _ in range(TG.chat_burst + 1):
        await answer(limiter, "5001")
    after_pause = [t for t, chat in limiter.messages if chat == "5001"][1:]
    assert min(after_pause) >= 2  # everyone waited the pause out
    assert most_in_any_window(after_pause, TG.chat_window) <= TG.chat_burst  # and this chat keeps its allowance
    start = limiter.time.now
    other = [t for t, chat in limiter.messages if chat != "5001"]
    assert not other
    limiter.time.now = start + STRICT_AFTER_429 + 5  # long after: answers go at the user's pace again
    mark = limiter.time.now
    for _ in range(TG.chat_burst * 2):
        await answer(limiter, "5001")
    assert limiter.time.now - mark < 1.0


class Slots:
    """A shared slot source that grants everything and records the chat burst each take asked it to keep."""

    def __init__(self) -> None:
        self.bursts: list[int] = []

    async def take_send(self, platform: str, chat: str, message: bool, per_window: int, window: float,
                        chat_burst: int, *rest: Any) -> tuple[float, int | None, bool]:
        self.bursts.append(chat_burst)
        return 0.0, len(self.bursts), False

    async def send_done(self, slots: list[int]) -> None:
        return None

    async def send_pause(self, platform: str, seconds: float) -> None:
        return None


async def test_workers_on_one_database_keep_the_same_rule() -> None:
    """PostgreSQL: the shared source skips the chat's burst for an answer's first message only."""
    slots = Slots()
    time = VirtualTime()
    limiter = SharedRateLimiter(slots, LIMITS, monotonic=time.monotonic, sleep=time.sleep)
    with answering("telegram", "5001"):
        async with limiter.slot("telegram", "5001"):
            pass
        async with limiter.slot("telegram", "5001"):
            pass
    assert slots.bursts == [0, TG.chat_burst]


async def test_a_quick_user_through_the_real_adapter_is_never_held(tg: FakeTelegram, db_path: str,
                                                                    clock: FakeClock) -> None:
    """Messages typed one after another through the Telegram adapter and the core: each answer leaves at once,
    however many there are, and no chat gets more than one free message per message of the user's."""
    async with bot(tg, db_path, clock) as (core, adapter, limiter):
        user = tg.user(6100, "Cepat")
        lines = ["/start", "Budi Santoso", "/help", "/start", "/plan", "/help", "/reminders", "/help"]
        for line in lines:
            mark = tg.mark()
            await tg.say(user, line)
            await tg.wait_for(lambda c: c.method == "sendmessage" and c.chat_id == 6100, after=mark, timeout=30)
            await asyncio.sleep(0.05)  # the answer's delivery has finished
    sent = [t for t, chat in limiter.messages if chat == "6100"]
    assert len(sent) >= len(lines) > TG.chat_burst
    assert limiter.time.now < TG.chat_window - 0.5  # without answering(), the 4th answer waited ~3 s


async def test_whatsapps_pair_rate_holds_for_answers_too() -> None:
    """WhatsApp refuses more than about one message every 6 s to a user (131056): its rule is not advice."""
    limiter = Logged()
    wa = LIMITS["whatsapp"]
    assert wa.chat_burst and not wa.answers_at_users_pace
    for _ in range(wa.chat_burst + 1):
        with answering("whatsapp", "6281234"):
            await limiter.acquire("whatsapp", "6281234", REPLY)
    assert limiter.time.now >= wa.chat_window - 0.5


async def test_a_batch_of_messages_is_answered_in_a_short_burst_not_a_flood() -> None:
    """40 forwarded messages (what the per-user throttle lets through at once), or an inbox swept after a restart:
    the free answers stop at a ceiling; the rest keep the chat's allowance."""
    limiter = Logged()
    for _ in range(40):
        await answer(limiter, "5001")
    times = [t for t, chat in limiter.messages if chat == "5001"]
    assert len(times) == 40
    assert most_in_any_window(times, TG.chat_window) <= TG.chat_burst * ANSWER_CEILING
    assert limiter.time.now >= TG.chat_window  # the rest waited


async def test_a_task_started_inside_an_answer_does_not_take_its_free_message() -> None:
    limiter = Logged()
    for _ in range(TG.chat_burst):
        await limiter.acquire("telegram", "5001", REPLY)
    with answering("telegram", "5001"):
        side = asyncio.create_task(limiter.acquire("telegram", "5001", REPLY))  # inherits the context
        await side
    assert limiter.time.now >= TG.chat_window - 0.2  # it waited for the allowance: the answer was not its own
    start = limiter.time.now
    with answering("telegram", "5001"):
        await limiter.acquire("telegram", "5001", REPLY)
    assert limiter.time.now - start < 0.1  # the answer itself still has its free message
