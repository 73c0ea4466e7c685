"""Telegram transport for the adapter: per-chat ordering, Bot API calls with retries, the webhook server."""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlparse

from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, BaseUpdateProcessor
from telegram.request import BaseRequest

from bot.adapters.base import RetryLater
from bot.adapters.telegram_http import JsonParams, NotSent
from bot.dispatcher import KeyedSerializer
from bot.ratelimit import RateLimiter

log = logging.getLogger("bot.adapters.telegram")

T = TypeVar("T")
ALLOWED_UPDATES: tuple[str, ...] = ("message", "callback_query", "my_chat_member")
NETWORK_RETRIES = 5          # attempts after a network error or timeout, with doubling waits
MAX_BACKOFF = 30.0
CONFIRM_WAIT = 3.0           # a stop's last getUpdates (confirming what was fetched) takes this long at most
WEBHOOK_BODY_LIMIT = 1 << 20


def _retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB 22 gives an int or a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# Updates taken from the queue and not yet handled, at most. 64, not 256: at 1,000 chats the same updates/s and
# latency, and ~8 MB less at the peak of 1,000 confirms at once (bench/e2e.py --chats 1000: 148 -> 140 MB); SQLite's
# group commit needs a few dozen answers together, not hundreds.
IN_FLIGHT = 64
QUEUED = 100      # updates fetched and not yet taken, at most (getUpdates waits while the queue is full)


class FetchQueue(asyncio.Queue):  # type: ignore[type-arg]
    """PTB's update queue with backpressure: its fetcher turns every update it takes into a task at once, so with
    1,000 chats writing, 1,000 updates were in memory together. Here an update is taken only while fewer than
    `in_flight` are being handled (the processor calls `done()` after each), and the poller (or the webhook) waits
    while `QUEUED` are waiting; the rest stays with Telegram until there is room. `accept` is called with each update
    the poller puts (it starts recording the update in the inbox; the webhook records before it puts)."""

    def __init__(self, in_flight: int = IN_FLIGHT, queued: int = QUEUED,
                 accept: Callable[[Update, dict[str, Any] | None], None] | None = None) -> None:
        super().__init__(maxsize=queued)
        self.slots = asyncio.Semaphore(in_flight)
        self.accept = accept
        self.accepted_here: set[int] = set()  # update ids the webhook already recorded (not to be started again)

    async def put(self, item: Any, raw: dict[str, Any] | None = None) -> None:
        """Queue an update (`raw`: the JSON object Telegram sent for it, when the poller has it)."""
        if self.accept is not None and isinstance(item, Update) and item.update_id not in self.accepted_here:
            self.accept(item, raw)
        self.accepted_here.discard(getattr(item, "update_id", None))  # type: ignore[arg-type]
        await super().put(item)

    async def get(self) -> Any:
        await self.slots.acquire()
        return await super().get()

    def done(self) -> None:
        """One update taken by get() was handled."""
        self.slots.release()


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates run concurrently across chats but strictly in order within one chat."""

    def __init__(self, max_concurrent_updates: int = 512, fetched: FetchQueue | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._serial = KeyedSerializer()
        self.fetched = fetched

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handling behind its chat's lock.

        PTB takes a concurrency slot before this runs (its process_update is final), so a chat's queued
        updates hold slots while they wait; the limit is set high enough that one busy chat can't hold them all.
        """
        key: object = 0
        if isinstance(update, Update):
            chat, user = update.effective_chat, update.effective_user
            key = chat.id if chat else (user.id if user else 0)

        async def run() -> None:
            await coroutine

        try:
            await self._serial.run(key, run)
        finally:
            if self.fetched is not None:
                self.fetched.done()

    async def in_chat(self, key: int, fn: Callable[[], Awaitable[T]]) -> T:
        """fn() in the chat's turn: after the updates of that chat already taken (and their replies)."""
        return await self._serial.run(key, fn)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


class Poller:
    """Long polling (getUpdates into the application's update queue) until `stop` is set, in place of PTB's
    Updater.start_polling: with Telegram unreachable, PTB's pause between attempts grows to 30 s and a stop waits it
    out (docker stop allows 10 s), and its last confirming getUpdates logs an ERROR with a traceback. Here every wait
    (an attempt, a pause) ends as soon as `stop` is set; the last getUpdates is made only when something fetched is
    still unconfirmed, takes CONFIRM_WAIT at most, and a failure is one line (Telegram sends those updates again
    and the inbox drops the copies)."""

    def __init__(self, application: Application, timeout: float,  # type: ignore[type-arg]
                 request: BaseRequest, allowed: Sequence[str] = ALLOWED_UPDATES,
                 on_error: Callable[[TelegramError], None] | None = None) -> None:
        self.application = application
        self.timeout = timeout
        self.request = request  # the bot's getUpdates request object
        self.allowed = list(allowed)
        self.on_error = on_error
        self.offset: int | None = None  # the update id after the last one queued: the next getUpdates confirms it
        self.unconfirmed = False        # updates were queued since the last getUpdates that Telegram answered

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop`; then confirm what was fetched (a webhook left set is removed first, as PTB does)."""
        bot = self.application.bot
        delay = 1.0
        ready = False
        while not stop.is_set():
            try:
                if not ready:
                    ready = await _unless(stop, bot.delete_webhook(drop_pending_updates=False)) is not None
                else:
                    await _unless(stop, self._fetch())
                delay = 1.0
                continue
            except InvalidToken:
                raise  # the token was revoked: no retry can help (the process reports it and ends)
            except RetryAfter as exc:
                wait = _retry_seconds(exc)
            except TelegramError as exc:
                if self.on_error is not None:
                    self.on_error(exc)
                wait, delay = delay, min(MAX_BACKOFF, delay * 2)
            except Exception:  # a bug reading an update: polling goes on (that update comes again after the pause)
                log.exception("telegram polling failed (will retry)")
                wait, delay = delay, min(MAX_BACKOFF, delay * 2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
        await self._confirm()

    async def _fetch(self) -> bool:
        """One getUpdates, its updates queued with the JSON Telegram sent for each (the inbox records that, rather
        than a re-encoding of PTB's objects: see TelegramAdapter._accept_soon). Posted as JsonParams through the
        getUpdates request object, as PTB's get_updates would (its read timeout plus the long-polling wait)."""
        bot = self.application.bot
        wait = int(self.timeout) if float(self.timeout).is_integer() else self.timeout  # the Bot API's integer
        params: dict[str, Any] = {"timeout": wait, "allowed_updates": self.allowed}
        if self.offset is not None:
            params["offset"] = self.offset
        raw = await self._get_updates(params, read_timeout=(self.request.read_timeout or 0) + self.timeout)
        self.unconfirmed = False  # Telegram answered: everything before `offset` is confirmed
        queue = self.application.update_queue
        for item in raw if isinstance(raw, list) else []:
            try:
                update = Update.de_json(item, bot)
            except Exception:  # an update PTB cannot read must not hold back every update after it, for good
                update = None
            if update is None:
                update_id = item.get("update_id") if isinstance(item, dict) else None
                known = update_id if isinstance(update_id, int) else None
                log.warning("telegram update %s could not be read: skipped",  # its id only: not its text or sender
                            "without an id" if known is None else known)
                if known is not None:
                    self.offset, self.unconfirmed = known + 1, True
                continue
            if isinstance(queue, FetchQueue):
                await queue.put(update, item)
            else:
                await queue.put(update)
            self.offset, self.unconfirmed = update.update_id + 1, True
        return True

    async def _get_updates(self, params: dict[str, Any], **timeouts: Any) -> Any:
        """getUpdates posted as JSON through the getUpdates request object (`timeouts` as BaseRequest.post takes
        them); its answer's `result` as Telegram sent it (PTB maps an error status to its exceptions)."""
        url = f"{self.application.bot.base_url}/getUpdates"
        return await self.request.post(url, JsonParams(params).as_request_data(), **timeouts)

    async def _confirm(self) -> None:
        """The last getUpdates: it tells Telegram every update before `offset` arrived. Posted as JSON and its
        answer not read (PTB reading it would log any update it cannot read whole, text and sender included)."""
        if not self.unconfirmed:
            return
        params = {"offset": self.offset, "timeout": 0, "allowed_updates": self.allowed, "limit": 1}
        try:
            async with asyncio.timeout(CONFIRM_WAIT):
                await self._get_updates(params)
            self.unconfirmed = False
        except (TelegramError, TimeoutError) as exc:
            log.warning("could not confirm the last updates to Telegram (%s): they come again at the next start "
                        "and are not handled twice", exc or "no answer in time")


async def _unless(stop: asyncio.Event, work: Awaitable[T]) -> T | None:
    """`work`'s result, or None (work cancelled) as soon as `stop` is set."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((task, stopping), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, stopping):
            if not pending.done():
                pending.cancel()
    if not task.done() or task.cancelled():
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return None
    return task.result()


class Transport:
    """Bot API calls that wait out 429s and retry network errors, paced by the core's limiter; the webhook server."""

    def __init__(self, secret: str, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 limiter: RateLimiter | None = None) -> None:
        self.sleep = sleep
        self.limiter = limiter
        self.webhook_secret = secret
        self.webhook_runner: Any = None
        self.application: Application | None = None  # type: ignore[type-arg]
        # Starts recording a POSTed update (with its JSON) in the inbox; the 200 waits for it (None: not recorded).
        self.on_accept: Callable[[Update, str], Awaitable[bool] | None] | None = None

    def _app(self) -> Application:  # type: ignore[type-arg]
        if self.application is None:
            raise RuntimeError("the Telegram adapter is not connected")
        return self.application

    async def post(self, method: str, params: dict[str, Any]) -> Any:
        """One Bot API call, its parameters already as Telegram reads them, through the bot's own request object
        (PTB's error mapping, none of its conversions: see telegram_http.JsonParams); Telegram's raw result."""
        bot = self._app().bot
        return await bot.request.post(f"{bot.base_url}/{method}", JsonParams(params).as_request_data())

    @staticmethod
    def never_arrived(exc: NetworkError) -> bool:
        """True only when the request provably did not reach Telegram: no connection (refused, connect or pool
        timeout) or a 5xx status answered instead. A read/write timeout or a connection dropped mid-request is
        ambiguous: Telegram may have processed it."""
        import httpx

        cause = exc.__cause__
        if isinstance(cause, (NotSent, httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
            return True
        if isinstance(exc, TimedOut) or cause is not None and not isinstance(cause, TelegramError):
            return False  # a read/write timeout, a dropped connection, an unknown failure in the HTTP client
        return True  # PTB's NetworkError for an error status Telegram answered (5xx, "Bad Gateway")

    async def call(self, make: Callable[[], Awaitable[T]], *, sends: bool, chat: int | None = None,
                   max_wait: float | None = None) -> T:
        """One Bot API call: wait out 429s as told (never drop), retry network errors with backoff.

        `sends`: the call posts something new (sendMessage, sendDocument...), declared by the caller (not guessed
        from the code it wraps: a renamed helper must not make a send repeatable). A send is retried only when it
        provably did not reach Telegram; after a read/write timeout it is never repeated (the error is raised: the
        user may already have it). Edits, answerCallbackQuery, getMe and settings are safe to repeat.
        A call for a chat (a send or an edit) first takes a slot of the core's rate limiter, and so does every
        re-attempt of it; a 429 pauses the limiter for everyone.
        """
        delay = 1.0
        failures = 0
        paced = self.limiter if chat is not None else None
        while True:
            try:
                if paced is None:
                    return await make()
                async with paced.slot("telegram", str(chat), message=sends):  # counted until it returns
                    return await make()
            except RetryAfter as exc:
                wait = _retry_seconds(exc)
                if self.limiter is not None:
                    self.limiter.pause("telegram", wait, None if chat is None else str(chat))
                if max_wait is not None and wait > max_wait:
                    raise RetryLater(wait, "telegram flood control") from exc
                log.info("telegram asked to wait %.0fs", wait)
                if paced is None:
                    await self.sleep(wait)  # else the next slot comes after the pause
            except BadRequest:
                raise
            except NetworkError as exc:  # includes TimedOut
                if sends and not self.never_arrived(exc):
                    raise  # ambiguous: never send twice
                failures += 1
                if failures > NETWORK_RETRIES:
                    raise
                log.info("telegram network error (%s), retry %d in %.0fs", exc, failures, delay)
                await self.sleep(delay)
                delay = min(MAX_BACKOFF, delay * 2)

    async def start_webhook(self, url: str, listen: str, port: int) -> None:
        """Serve the webhook path with aiohttp and tell Telegram the URL and its secret token."""
        from aiohttp import web

        server = web.Application(client_max_size=WEBHOOK_BODY_LIMIT)
        server.router.add_post(urlparse(url).path or "/", self._on_webhook)
        runner = web.AppRunner(server, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host=listen, port=port)
        await site.start()
        self.webhook_runner = runner
        bot = self._app().bot
        await self.call(lambda: bot.set_webhook(url=url, secret_token=self.webhook_secret,
                                                 allowed_updates=list(ALLOWED_UPDATES)), sends=False)

    async def _on_webhook(self, request: Any) -> Any:
        """One update POSTed by Telegram: check the secret header, record it in the inbox (committed), queue it,
        answer 200. Telegram sends a chat's next update only after this 200, so every worker that takes a later
        update of the chat finds this one in the inbox and handles it first."""
        from aiohttp import web

        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self.webhook_secret.encode()):
            return web.Response(status=403)
        application = self.application
        if application is None:
            return web.Response(status=503)  # shutting down: Telegram will deliver it again
        try:
            body = await request.text()
            update = Update.de_json(json.loads(body), application.bot)
        except Exception:
            log.warning("malformed webhook update ignored")
            return web.Response(status=400)
        if self.on_accept is not None:
            accepting = self.on_accept(update, body)
            if accepting is not None:
                try:
                    await accepting
                except Exception:
                    log.warning("a webhook update could not be recorded: Telegram will deliver it again",
                                exc_info=True)
                    return web.Response(status=503)
                queue = application.update_queue
                if isinstance(queue, FetchQueue):
                    queue.accepted_here.add(update.update_id)
        await application.update_queue.put(update)
        return web.Response(status=200)

    async def stop_webhook(self) -> None:
        """No new webhook posts (Telegram keeps them for later)."""
        if self.webhook_runner is not None:
            runner, self.webhook_runner = self.webhook_runner, None
            await runner.cleanup()
