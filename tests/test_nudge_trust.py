"""Trust at the edges (issue 11): nudge texts keep their promise, ambiguous sends are never repeated, every
re-send is paced, quiet hours after downtime, blocked users parked out of the due index, one process per
database. Time only moves through FakeClock / injected monotonic clocks; nothing sleeps."""
from __future__ import annotations

from typing import Any

from bot.i18n import LANGUAGES, Catalog, placeholders
from handlers.reminders import content as C

# What a kind's content fields promise the user in every variant of its message (README "Reminders"):
# a reply routine built from the response-time answer names the target and the reply times.
PROMISED_BY_SOURCE: dict[tuple[str, str], set[str]] = {
    ("times_from", "response_time"): {"target", "times"},
    ("days_from", "cadence"): set(),  # the days decide when it is sent; the text need not list them
}


def _params_known() -> set[str]:
    cat = Catalog()
    return set(C.params(cat, "en", {}, [], []))


def test_every_variant_of_every_kind_carries_what_its_content_promises() -> None:
    cat = Catalog()
    known = _params_known()
    kinds = C.kinds()
    assert kinds
    for kind in kinds.values():
        need: set[str] = set()
        for field in ("times_from", "days_from"):
            source = getattr(kind, field)
            if source is not None:
                assert (field, source) in PROMISED_BY_SOURCE, f"{kind.id}: say what {field}={source!r} promises"
                need |= PROMISED_BY_SOURCE[(field, source)]
        for lang in LANGUAGES:
            for variant in kind.variants:
                text: Any = cat.messages[lang][f"nudge.{kind.id}.{variant}"]
                used = placeholders(text)
                assert need <= used, (lang, kind.id, variant, sorted(need - used))
                assert used <= known, (lang, kind.id, variant, sorted(used - known))
            if kind.idea:  # the idea is attached as its own line (content.render: nudge.idea with {idea})
                assert "idea" in placeholders(cat.messages[lang]["nudge.idea"]), lang
            if kind.checkin:
                assert cat.has("checkin.ask_posts", lang)


def test_a_rendered_reply_routine_nudge_shows_target_and_times() -> None:
    cat = Catalog()
    kind = C.kinds()["respond"]
    for lang in LANGUAGES:
        target = cat.t(lang, "opt.response_time.12")
        for i, _variant in enumerate(kind.variants):
            msg = C.render(cat, lang, kind, nudge_id=1, slot=0, sent_count=i, answers={"response_time": "12"},
                           times=["08:00", "19:00"], days=[0], week="2026-W02", idea=None)
            assert target in msg.text and "08:00, 19:00" in msg.text, (lang, msg.text)


# -- sends that may have arrived are never repeated; re-sends pass the limiter ----------------------

import asyncio  # noqa: E402
import functools  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
from telegram.error import NetworkError, RetryAfter, TimedOut  # noqa: E402

from bot.adapters.base import DeliveryUnknown, RetryLater  # noqa: E402
from bot.adapters.telegram import TelegramAdapter  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.core import Core  # noqa: E402
from handlers.reminders import schedule as S  # noqa: E402
from handlers.reminders.dispatch import Dispatcher  # noqa: E402
from bot.ratelimit import LIMITS, RateLimiter  # noqa: E402
from handlers.reminders.manage import reschedule_user  # noqa: E402
from handlers.reminders.store import NudgeStore  # noqa: E402
from bot.backends import open_storage  # noqa: E402
from bot.types import Outbound  # noqa: E402
from nudge_helpers import cmd, done_user, only, service  # noqa: E402

BACKENDS = ("sqlite", "postgresql")  # every test on a core runs on both storage backends

ROOT = Path(__file__).resolve().parent.parent
UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def connect_refused() -> NetworkError:
    """What PTB raises when the connection was refused: the request never left."""
    try:
        try:
            raise httpx.ConnectError("connection refused")
        except httpx.ConnectError as err:
            raise NetworkError("httpx.ConnectError: connection refused") from err
    except NetworkError as exc:
        return exc


def read_timeout() -> TimedOut:
    """What PTB raises when Telegram's answer did not come back in time: the request may have been processed."""
    try:
        try:
            raise httpx.ReadTimeout("timed out")
        except httpx.ReadTimeout as err:
            raise TimedOut() from err
    except TimedOut as exc:
        return exc


class FakeBot:
    """The PTB bot calls the adapter makes; `fail` holds errors raised by the next calls, in order."""

    def __init__(self, now: list[float] | None = None) -> None:
        self.fail: list[Exception | None] = []  # None: that call succeeds
        self.attempts: list[tuple[str, int, float]] = []  # (method, chat, fake time) of every attempt
        self.delivered: list[str] = []  # texts of the sends that succeeded
        self.now = now or [0.0]

    async def _do(self, method: str, chat_id: int) -> SimpleNamespace:
        self.attempts.append((method, chat_id, self.now[0]))
        if self.fail:
            exc = self.fail.pop(0)
            if exc is not None:
                raise exc
        return SimpleNamespace(message_id=len(self.attempts))

    async def send_message(self, chat_id: int, text: str, **_: Any) -> SimpleNamespace:
        sent = await self._do("send_message", chat_id)
        self.delivered.append(text)
        return sent

    async def edit_message_reply_markup(self, chat_id: int, message_id: int, **_: Any) -> SimpleNamespace:
        return await self._do("edit_message_reply_markup", chat_id)

    # The adapter posts texts and edits itself (Transport.post: bot.request.post with the Bot API's fields).
    base_url = "fake"

    @property
    def request(self) -> FakeBot:
        return self

    async def post(self, url: str, request_data: Any) -> SimpleNamespace:
        params = request_data.parameters
        if url.endswith("/sendMessage"):
            return await self.send_message(params["chat_id"], params["text"])
        assert url.endswith("/editMessageReplyMarkup"), url
        return await self.edit_message_reply_markup(params["chat_id"], params["message_id"])


def telegram(core: Core, bot: FakeBot, waits: list[float]) -> TelegramAdapter:
    adapter = TelegramAdapter(core, Config(telegram_token="1:fake"))
    adapter.net.application = SimpleNamespace(bot=bot)  # type: ignore[assignment]

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        bot.now[0] += seconds
    adapter.sleep = sleep
    return adapter


async def test_a_send_that_timed_out_is_never_repeated_but_a_refused_one_is(core: Core) -> None:
    bot, waits = FakeBot(), []
    adapter = telegram(core, bot, waits)
    bot.fail = [read_timeout()]
    with pytest.raises(DeliveryUnknown):
        await adapter.send("5001", [Outbound(text="Waktunya membalas komentar!")])
    assert [a[0] for a in bot.attempts] == ["send_message"] and waits == []
    # a reply to the user's message: not repeated either (logged, never raised into PTB)
    bot.attempts.clear()
    bot.fail = [read_timeout()]
    await adapter._reply(5001, [Outbound(text="Langkah 2/25")])
    assert len(bot.attempts) == 1
    # an edit is safe to repeat after a timeout
    bot.attempts.clear()
    bot.fail = [read_timeout()]
    await adapter.out.edit(functools.partial(bot.edit_message_reply_markup, 5001, 7))
    assert len(bot.attempts) == 2
    # the connection was refused: provably not delivered, so retried (in place for a reply)
    bot.attempts.clear()
    waits.clear()
    bot.fail = [connect_refused()]
    await adapter._reply(5001, [Outbound(text="Langkah 3/25")])
    assert len(bot.attempts) == 2 and waits == [1.0]
    # ... and for a nudge that keeps failing: RetryLater (the dispatcher tries again), never DeliveryUnknown
    bot.fail = [connect_refused() for _ in range(10)]
    with pytest.raises(RetryLater):
        await adapter.send("5001", [Outbound(text="Nanti")])


async def test_nudge_timed_out_is_marked_unknown_and_not_re_sent(core: Core, clock: FakeClock) -> None:
    bot, waits = FakeBot(), []
    core.add_adapter(telegram(core, bot, waits))
    clock.set(utc(2026, 1, 5, 0, 0))  # 07:00 WIB
    user = await done_user(core, uid="5001", platform="telegram")
    n = await only(core, user, "respond", times=["08:00", "19:00"])
    svc = service(core)
    core.limiter = RateLimiter({})
    bot.fail = [read_timeout()]
    clock.set(utc(2026, 1, 5, 1, 0))  # 08:00 WIB
    stats = await svc.tick()
    assert stats.unknown == 1 and stats.retried == 0 and stats.sent == 0
    for minutes in (1, 10, 59):  # later ticks, after the lease too
        clock.set(utc(2026, 1, 5, 1, minutes))
        await svc.tick()
    assert len(bot.attempts) == 1  # never sent again
    row = await NudgeStore(core.storage).get(n.id)
    assert row is not None and row.claimed_at is None and row.sent_count == 0
    assert S.from_ts(row.slot_at).astimezone(S.zone("Asia/Jakarta")).strftime("%H:%M") == "19:00"  # type: ignore[arg-type]
    clock.set(utc(2026, 1, 5, 12, 0))  # 19:00 WIB: the series carries on
    assert (await svc.tick()).sent == 1 and len(bot.attempts) == 2


@pytest.mark.parametrize("failure", ["flood", "refused"])
async def test_a_long_nudge_that_fails_part_way_continues_where_it_stopped(core: Core, clock: FakeClock,
                                                                          failure: str) -> None:
    bot, waits = FakeBot(), []
    core.add_adapter(telegram(core, bot, waits))
    core.limiter = RateLimiter({})
    clock.set(utc(2026, 1, 5, 0, 0))  # 07:00 WIB
    user = await done_user(core, uid="5001", platform="telegram")
    n = await only(core, user, "respond", times=["08:00", "19:00"])
    dispatcher = Dispatcher(core, 6.0, concurrency=1)
    paragraphs = [f"Bagian {i}: " + "kata " * 700 for i in range(3)]  # three chunks of Telegram's 4096
    long = Outbound(text="\n".join(paragraphs))

    async def render(due: Any) -> Outbound:
        return long
    dispatcher.render = render  # type: ignore[method-assign]
    # the first part goes out, then Telegram refuses the second for now (a long flood wait, or no connection)
    later: list[Exception | None] = ([RetryAfter(600)] if failure == "flood" else
                                     [connect_refused() for _ in range(10)])
    bot.fail = [None, *later]
    clock.set(utc(2026, 1, 5, 1, 0))  # 08:00 WIB
    stats = await dispatcher.tick()
    assert stats.retried == 1 and stats.sent == 0
    assert [t.split(":")[0] for t in bot.delivered] == ["Bagian 0"]
    row = await NudgeStore(core.storage).get(n.id)
    assert row is not None and row.parts_sent == 1 and row.claimed_at is None  # kept in the database
    bot.fail = []
    clock.set(utc(2026, 1, 5, 1, 11))
    stats = await dispatcher.tick()
    assert stats.sent == 1
    # the re-send continued with the second part: each part arrived exactly once, in order
    assert [t.split(":")[0] for t in bot.delivered] == ["Bagian 0", "Bagian 1", "Bagian 2"]
    row = await NudgeStore(core.storage).get(n.id)
    assert row is not None and row.parts_sent == 0 and row.sent_count == 1


async def test_a_changed_text_is_sent_whole_again(core: Core, clock: FakeClock) -> None:
    bot, waits = FakeBot(), []
    core.add_adapter(telegram(core, bot, waits))
    core.limiter = RateLimiter({})
    clock.set(utc(2026, 1, 5, 0, 0))
    user = await done_user(core, uid="5001", platform="telegram")
    await only(core, user, "respond", times=["08:00", "19:00"])
    dispatcher = Dispatcher(core, 6.0, concurrency=1)
    texts = ["\n".join(f"Lama {i}: " + "kata " * 700 for i in range(2)),
             "\n".join(f"Baru {i}: " + "kata " * 700 for i in range(2))]

    async def render(due: Any) -> Outbound:
        return Outbound(text=texts[0])
    dispatcher.render = render  # type: ignore[method-assign]
    bot.fail = [None, RetryAfter(600)]
    clock.set(utc(2026, 1, 5, 1, 0))
    await dispatcher.tick()
    texts.pop(0)  # the plan changed meanwhile: the parts sent belong to another text
    clock.set(utc(2026, 1, 5, 1, 11))
    assert (await dispatcher.tick()).sent == 1
    assert [t.split(":")[0] for t in bot.delivered] == ["Lama 0", "Baru 0", "Baru 1"]


async def test_re_sends_after_429_take_a_limiter_slot_and_no_second_holds_more_than_30(
        core: Core, clock: FakeClock) -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    bot, waits = FakeBot(now), []
    core.limiter = RateLimiter(LIMITS, monotonic=lambda: now[0], sleep=sleep)  # the production limits
    core.add_adapter(telegram(core, bot, waits))
    acquired: list[float] = []
    core.limiter.on_grant = lambda t, *_: acquired.append(t)  # every slot granted
    clock.set(utc(2026, 1, 5, 0, 0))
    for i in range(45):
        user = await done_user(core, uid=str(9000 + i), platform="telegram")
        await only(core, user, "respond", times=["08:00"])
    dispatcher = Dispatcher(core, 6.0, concurrency=1)
    # every 4th send is answered 429 (retry after 1 s), and re-sent by the adapter
    real = bot._do

    async def flaky(method: str, chat_id: int) -> SimpleNamespace:
        if len(bot.attempts) % 4 == 3:
            bot.attempts.append((method, chat_id, now[0]))
            raise RetryAfter(1)
        return await real(method, chat_id)
    bot._do = flaky  # type: ignore[method-assign]
    clock.set(utc(2026, 1, 5, 1, 0))
    stats = await dispatcher.tick()
    assert stats.sent == 45 and stats.retried == 0
    stamps = [t for _, _, t in bot.attempts]
    assert len(stamps) > 45  # some were re-sent
    assert len(acquired) == len(stamps)  # every attempt, re-sends included, took a limiter slot
    assert waits == []  # the adapter did not wait on its own: the limiter did
    for i, t in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s - t < 1.0) <= 30
    for when in (t for _, _, t in bot.attempts[3::4]):  # after each 429 nobody sent for the second asked
        assert not any(when < s < when + 1.0 - 1e-9 for s in stamps)


# -- quiet hours after downtime ----------------------------------------------------------------

async def test_a_catch_up_deferred_by_quiet_hours_is_sent_once_at_their_end(db_path: str, clock: FakeClock) -> None:
    clock.set(utc(2026, 1, 5, 12, 0))  # 19:00 WIB
    core = Core(open_storage(db_path, clock=clock), clock=clock)
    await core.start()
    user = await done_user(core)
    n = await only(core, user, "respond", times=["20:30"])
    store = NudgeStore(core.storage)
    await store.update_settings(user.id, quiet_start="21:00", quiet_end="07:00")
    await reschedule_user(core.storage, user.id)
    await core.stop()
    # the bot is down 20:00-22:00 WIB; at 22:00 the 20:30 nudge is 1.5 h late: inside grace, but quiet now
    clock.set(utc(2026, 1, 5, 15, 0))
    core = Core(open_storage(db_path, clock=clock), clock=clock)
    await core.start()
    from conftest import RecordingAdapter
    rec = RecordingAdapter()
    core.add_adapter(rec)
    svc = service(core, grace_hours=6)
    stats = await svc.tick()
    assert stats.deferred == 1 and rec.sent == []
    clock.set(utc(2026, 1, 5, 23, 59))  # 06:59 WIB
    await svc.tick()
    assert rec.sent == []
    clock.set(utc(2026, 1, 6, 0, 0))  # 07:00 WIB: 10.5 h after 20:30, yet sent (lateness counts from 07:00)
    stats = await svc.tick()
    await svc.tick()
    assert stats.sent == 1 and len(rec.sent) == 1
    row = await NudgeStore(core.storage).get(n.id)
    assert row is not None and row.skipped == 0 and row.sent_count == 1
    await core.stop()


# -- blocked users are parked out of the due index ------------------------------------------------

async def test_a_blocked_user_is_parked_then_unparked_when_they_write(core: Core, clock: FakeClock) -> None:
    from bot.adapters.base import UserUnreachable
    from conftest import RecordingAdapter
    rec = RecordingAdapter()
    core.add_adapter(rec)
    clock.set(utc(2026, 1, 5, 0, 0))
    user = await done_user(core)
    await only(core, user, "respond", times=["08:00", "19:00"])
    store = NudgeStore(core.storage)
    svc = service(core)
    rec.fail = UserUnreachable("blocked")
    clock.set(utc(2026, 1, 5, 1, 0))
    assert (await svc.tick()).unreachable == 1
    total = len(await store.series(user.id))
    assert await store.parked(user.id) == total
    indexed = "INDEXED BY nudges_due" if core.storage.dialect == "sqlite" else ""  # PostgreSQL: the same predicate
    row = await core.storage.fetch_one(
        f"SELECT count(*) FROM nudges {indexed} WHERE active = 1 AND parked = 0 AND due_at < ? AND user_id = ?",
        (2**40, user.id))
    assert row[0] == 0  # out of the due index
    rec.fail = None
    clock.set(utc(2026, 1, 5, 13, 0))
    await svc.tick()
    assert rec.sent == []
    out = await cmd(core, user, "progress")  # they write again
    assert out[0].key == "reach.back"
    assert await store.parked(user.id) == 0
    clock.set(utc(2026, 1, 5, 13, 30))
    await svc.tick()
    assert len(rec.sent) == 1  # the 19:00 WIB one, 30 min late


# -- one process per database ------------------------------------------------------------------------

def test_a_second_process_on_the_same_database_is_refused_with_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "one.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"}}
    env["PYTHONPATH"] = str(ROOT)
    args = [sys.executable, "-m", "bot", "chat", "--db", str(db)]
    first = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             cwd=tmp_path, env=env)
    try:
        lock = Path(str(db) + ".lock")
        for _ in range(600):  # wait (not a timed assertion) until the first process holds the lock
            if lock.exists() and lock.read_text().strip() == str(first.pid):
                break
            if first.poll() is not None:
                raise AssertionError(first.stderr.read() if first.stderr else "first process ended")
            asyncio.run(asyncio.sleep(0.1))
        second = subprocess.run(args, input="", capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "in use by another brandcoach process" in lines[0], second.stderr
    finally:
        assert first.stdin is not None
        first.stdin.close()
        first.wait(timeout=120)
    assert first.returncode == 0
    again = subprocess.run(args, input="", capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert again.returncode == 0, again.stderr  # the lock went with the first process


async def test_a_group_chat_gets_at_most_20_messages_a_minute() -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(monotonic=lambda: now[0], sleep=sleep)  # the production limits
    stamps = []
    for _ in range(45):
        await limiter.acquire("telegram", "-100123")
        stamps.append(now[0])
    for i, t in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s - t < 60.0) <= 20
    private = []
    for _ in range(3):
        await limiter.acquire("telegram", "5001")  # a private chat: a burst of 3, then one a second, no minute cap
        private.append(now[0])
    assert private[2] - private[0] < 1
