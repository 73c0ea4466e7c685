"""AiohttpRequest, the bot's HTTP client for the Bot API: the errors PTB and the transport expect."""
from __future__ import annotations

import asyncio
import json
import socket
from datetime import timedelta
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.adapters.telegram_http import AiohttpRequest, NotSent
from bot.adapters.telegram_net import Transport

TOKEN = "123456:TEST-token"


class Server:
    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.seen: list[dict[str, Any]] = []
        self.mode = "ok"

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            form: dict[str, Any] = dict(await request.json())
        else:
            form = {k: (v if isinstance(v, str) else v.file.read()) for k, v in (await request.post()).items()}
        self.seen.append({"method": request.match_info["method"], "ctype": request.content_type, **form})
        if self.mode == "hang":
            await self.release.wait()
        if self.mode == "429":
            return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests",
                                      "parameters": {"retry_after": 7}}, status=429)
        if request.match_info["method"] == "getMe":
            return web.json_response({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "B",
                                                              "username": "b_bot"}})
        return web.json_response({"ok": True, "result": {"message_id": 5, "date": 0, "text": "x",
                                                          "chat": {"id": 42, "type": "private"}}})


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    srv = Server()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", srv.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield srv, f"http://127.0.0.1:{port}/bot"
    srv.release.set()
    await runner.cleanup()


async def bot_on(url: str, **timeouts: float) -> Bot:
    bot = Bot(TOKEN, base_url=url, request=AiohttpRequest(4, **timeouts), get_updates_request=AiohttpRequest(1))
    await bot.initialize()
    return bot


async def test_sends_form_fields_and_files_as_ptb_does(server: tuple[Server, str]) -> None:
    srv, url = server
    bot = await bot_on(url)
    try:
        await bot.send_message(42, "halo <b>kamu</b>", parse_mode="HTML")
        await bot.send_document(42, b"%PDF-1.4 plan", filename="plan.pdf", caption="Rencana")
    finally:
        await bot.shutdown()
    send, doc = srv.seen[-2], srv.seen[-1]
    assert send["method"] == "sendMessage" and send["ctype"] == "application/x-www-form-urlencoded"
    assert send["text"] == "halo <b>kamu</b>" and send["chat_id"] == "42"
    assert doc["method"] == "sendDocument" and doc["ctype"] == "multipart/form-data"
    assert doc["caption"] == "Rencana" and b"%PDF-1.4 plan" in [v for v in doc.values() if isinstance(v, bytes)]


async def test_429_is_retry_after_with_telegrams_wait(server: tuple[Server, str]) -> None:
    srv, url = server
    bot = await bot_on(url)
    srv.mode = "429"
    try:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(42, "x")
    finally:
        await bot.shutdown()
    assert caught.value.retry_after in (7, timedelta(seconds=7))


async def test_a_read_timeout_is_ambiguous_so_a_send_is_never_repeated(server: tuple[Server, str]) -> None:
    srv, url = server
    bot = await bot_on(url, read_timeout=0.05)
    srv.mode = "hang"
    try:
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(42, "x")
    finally:
        srv.release.set()
        await bot.shutdown()
    assert not Transport.never_arrived(caught.value)


async def test_a_refused_connection_provably_never_arrived() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    request = AiohttpRequest(2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(f"http://127.0.0.1:{port}/bot{TOKEN}/sendMessage", "POST")
    finally:
        await request.shutdown()
    assert isinstance(caught.value.__cause__, NotSent)
    assert Transport.never_arrived(caught.value)


async def test_not_initialized_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError):
        await AiohttpRequest().do_request("http://127.0.0.1:1/x", "POST")


async def test_the_update_queue_takes_no_more_updates_than_it_has_room_to_handle() -> None:
    """Backpressure: an update is taken only while fewer than `in_flight` are being handled; a handled one frees
    its room (FetchQueue.done, called by the per-chat processor after each update)."""
    import asyncio

    from bot.adapters.telegram_net import FetchQueue

    queue = FetchQueue(in_flight=2, queued=3)
    for n in range(3):
        await queue.put(n)
    assert queue.full()  # the poller would wait here
    assert [await queue.get(), await queue.get()] == [0, 1]
    third = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not third.done()  # two in flight: the third waits...
    queue.done()
    assert await asyncio.wait_for(third, 1) == 2  # ...until one was handled


async def test_the_per_chat_processor_frees_the_room_of_every_update_it_handled() -> None:
    import asyncio

    from bot.adapters.telegram_net import FetchQueue, PerChatUpdateProcessor

    queue = FetchQueue(in_flight=1, queued=2)
    processor = PerChatUpdateProcessor(fetched=queue)

    async def handled() -> None:
        return None

    async def failing() -> None:
        raise RuntimeError("a handler failed")

    for work in (handled, failing):
        await queue.put("update")
        assert await asyncio.wait_for(queue.get(), 1) == "update"  # room for one: taken
        try:
            await processor.do_process_update(object(), work())
        except RuntimeError:
            pass
    await queue.put("update")
    assert await asyncio.wait_for(queue.get(), 1) == "update"  # the room came back after a failure too


def _as_sent(call: dict[str, Any]) -> dict[str, Any]:
    """A recorded call's fields as Telegram reads them: form values JSON-decoded where they are JSON (numbers,
    nested objects), JSON bodies as they are."""
    out: dict[str, Any] = {}
    for key, value in call.items():
        if key in ("method", "ctype") or not isinstance(value, str) or call["ctype"] == "application/json":
            out[key] = value
            continue
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


async def test_the_adapters_own_calls_carry_the_fields_ptb_sends(server: tuple[Server, str]) -> None:
    """Replies, edits and answers to taps are posted as JSON built by the adapter (telegram_out.Outbox), not by
    PTB's Bot methods: Telegram must get the same fields either way (a reply's reply_parameters, the keyboard with
    its link button, no link preview, HTML), and an error status is still PTB's exception."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message

    from bot.adapters.telegram_out import Outbox
    from bot.compose import MoreChoices
    from bot.core import OpenPrivateChat
    from bot.types import Choice, Outbound

    srv, url = server
    bot = await bot_on(url)
    net = Transport("secret")
    net.application = SimpleNamespace(bot=bot)  # type: ignore[assignment]

    async def unreachable(_: str) -> None:
        return None
    out = Outbox(net, lambda: "b_bot", unreachable)
    choices = (Choice(MoreChoices(2), "Lagi <3"), Choice(OpenPrivateChat(), "Chat"))
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Lagi <3", callback_data=choices[0].value)],
                                     [InlineKeyboardButton("Chat", url="https://t.me/b_bot?start=group")]])
    no_preview = LinkPreviewOptions(is_disabled=True)
    tapped = Message.de_json({"message_id": 9, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "Soal 1",
                              "from": {"id": 1, "is_bot": True, "first_name": "B"}}, bot)
    assert tapped is not None
    query = SimpleNamespace(id="q-1")
    ours: list[Any] = [
        lambda: out.deliver(42, [Outbound("Halo & <b>", choices=choices)], reply_to_message_id=7,
                            allow_sending_without_reply=True, allow_paid_broadcast=True),
        lambda: out.deliver(42, [Outbound("Tanpa tombol")]),
        lambda: out.settle_tapped(tapped, [Outbound("", kind="redraw", choices=choices)]),
        lambda: out.settle_tapped(tapped, [Outbound("Jawaban: ya", kind="settled")]),
        lambda: out.settle_tapped(tapped, []),
        lambda: out.answer_query(query),
        lambda: out.answer_query(query, "Tombol lama"),
    ]
    ptbs: list[Any] = [
        lambda: bot.send_message(42, "Halo &amp; &lt;b&gt;", parse_mode="HTML", reply_markup=keyboard,
                                 link_preview_options=no_preview, reply_to_message_id=7,
                                 allow_sending_without_reply=True, allow_paid_broadcast=True),
        lambda: bot.send_message(42, "Tanpa tombol", parse_mode="HTML", link_preview_options=no_preview),
        lambda: bot.edit_message_reply_markup(42, 9, reply_markup=keyboard),
        lambda: bot.edit_message_text("Soal 1\n\nJawaban: ya", 42, 9, parse_mode="HTML", reply_markup=None,
                                      link_preview_options=no_preview),
        lambda: bot.edit_message_reply_markup(42, 9, reply_markup=None),
        lambda: bot.answer_callback_query("q-1"),
        lambda: bot.answer_callback_query("q-1", text="Tombol lama"),
    ]
    try:
        for mine, theirs in zip(ours, ptbs, strict=True):
            await mine()
            sent = srv.seen[-1]
            await theirs()
            expected = srv.seen[-1]
            assert sent["ctype"] == "application/json"
            assert {k: v for k, v in sent.items() if k != "ctype"} == \
                {k: v for k, v in _as_sent(expected).items() if k != "ctype"}
        srv.mode = "429"
        with pytest.raises(RetryAfter):
            await net.post("sendMessage", {"chat_id": 42, "text": "x"})
    finally:
        await bot.shutdown()
