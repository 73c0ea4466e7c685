"""Telegram adapter on python-telegram-bot 22: long polling (or a webhook) in the shared event loop.

Only translates: Telegram updates -> Inbound, Outbound -> sendMessage / inline keyboards / sendDocument.
Private chats only; in groups it answers commands with a deep link to a private chat.
"""
from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import secrets
import warnings
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from telegram import (BotCommand, BotCommandScopeDefault, InlineKeyboardButton, InlineKeyboardMarkup, InputFile,
                      LinkPreviewOptions, Message, Update)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, BaseUpdateProcessor, ContextTypes, TypeHandler

from bot.adapters import telegram_format as F
from bot.adapters.base import RESEND_GATE, DeliveryUnknown, RetryLater, UserUnreachable
from bot.dispatcher import KeyedSerializer
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.types import Inbound, Outbound, UserRef, parse_command

if TYPE_CHECKING:
    from bot.config import Config
    from bot.core import Core

log = logging.getLogger(__name__)

T = TypeVar("T")
PLATFORM = "telegram"
ALLOWED_UPDATES: tuple[str, ...] = ("message", "callback_query", "my_chat_member")
NETWORK_RETRIES = 5          # attempts after a network error or timeout, with doubling waits
MAX_BACKOFF = 30.0
SEND_MAX_WAIT = 60.0         # unprompted sends wait out a 429 up to this long, else RetryLater
WEBHOOK_BODY_LIMIT = 1 << 20
REDELIVERY_WINDOW = 24 * 3600  # Telegram keeps an unconfirmed update at most this long (ids may restart later)


def _retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB 22 gives an int or a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _rows(message: Message) -> list[list[tuple[str, str]]]:
    """(label, callback data) rows of a message's inline keyboard."""
    markup = message.reply_markup
    return [[(b.text, b.callback_data if isinstance(b.callback_data, str) else "") for b in row]
            for row in (markup.inline_keyboard if markup else ())]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates run concurrently across chats but strictly in order within one chat."""

    def __init__(self, max_concurrent_updates: int = 512) -> None:
        super().__init__(max_concurrent_updates)
        self._serial = KeyedSerializer()

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

        await self._serial.run(key, run)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


class TelegramAdapter:
    """The brandcoach connector for Telegram (python-telegram-bot's Application, started by hand)."""

    platform = PLATFORM

    def __init__(self, core: Core, config: Config) -> None:
        if not config.telegram_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.core = core
        self.config = config
        self.poll_timeout = 30.0            # long-polling wait per getUpdates (seconds)
        self.webhook_listen = "0.0.0.0"     # interface of the webhook server
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # waits (tests record them)
        self.username = ""
        self.application: Application | None = None  # type: ignore[type-arg]
        self._stop = asyncio.Event()
        self._webhook_runner: Any = None
        self._webhook_secret = config.telegram_webhook_secret or secrets.token_urlsafe(32)

    # -- lifecycle -------------------------------------------------------------
    def build(self) -> Application:  # type: ignore[type-arg]
        """The PTB Application: token, optional self-hosted base_url, one handler for every update."""
        builder = Application.builder().token(self.config.telegram_token or "")
        if self.config.telegram_api_url:
            builder = builder.base_url(self.config.telegram_api_url)
        builder = builder.concurrent_updates(PerChatUpdateProcessor())
        application = builder.build()
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(self._on_error)
        return application

    async def connect(self) -> None:
        """Log in (getMe), register the command menus, start processing updates."""
        self._stop.clear()
        self.application = self.build()
        await self.application.initialize()
        self.username = self.application.bot.username or ""
        await self.set_commands()
        await self.application.start()

    async def listen(self) -> None:
        """Fetch updates (long polling, or the webhook) until disconnect()."""
        if self._stop.is_set() or self.application is None:
            return  # disconnected before listening began
        application = self.application
        if self.config.telegram_webhook_url:
            await self._start_webhook()
        elif application.updater is not None:
            await application.updater.start_polling(
                timeout=timedelta(seconds=self.poll_timeout), allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=False, error_callback=self._on_polling_error)
        await self._stop.wait()

    async def disconnect(self) -> None:
        """Stop fetching, finish every update already taken (and confirm it), then close."""
        self._stop.set()
        application = self.application
        if application is None:
            return
        try:
            if self._webhook_runner is not None:
                runner, self._webhook_runner = self._webhook_runner, None
                await runner.cleanup()             # no new webhook posts; Telegram keeps them for later
            if application.updater is not None and application.updater.running:
                await application.updater.stop()  # a last getUpdates confirms what was fetched
            if application.running:
                await application.stop()           # handles every update already taken, replies included
        finally:
            await application.shutdown()
            self.application = None

    def _app(self) -> Application:  # type: ignore[type-arg]
        if self.application is None:
            raise RuntimeError("the Telegram adapter is not connected")
        return self.application

    async def set_commands(self) -> None:
        """setMyCommands: Indonesian for language code 'id', English as the default menu."""
        from handlers.commands import COMMANDS

        bot = self._app().bot
        for lang, code in (("en", None), ("id", "id")):
            if lang not in LANGUAGES:
                continue
            commands = [BotCommand(name, self.core.catalog.t(lang, f"cmd.{name}")[:256]) for name in COMMANDS]
            try:
                await self._call(functools.partial(bot.set_my_commands, commands, scope=BotCommandScopeDefault(),
                                                   language_code=code))
            except TelegramError:
                log.warning("could not register the %s command menu", lang, exc_info=True)

    # -- webhook ---------------------------------------------------------------
    async def _start_webhook(self) -> None:
        """Serve the webhook path with aiohttp and tell Telegram the URL and its secret token."""
        from aiohttp import web

        url = self.config.telegram_webhook_url or ""
        server = web.Application(client_max_size=WEBHOOK_BODY_LIMIT)
        server.router.add_post(urlparse(url).path or "/", self._on_webhook)
        runner = web.AppRunner(server, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host=self.webhook_listen, port=self.config.telegram_webhook_port)
        await site.start()
        self._webhook_runner = runner
        bot = self._app().bot
        await self._call(lambda: bot.set_webhook(url=url, secret_token=self._webhook_secret,
                                                 allowed_updates=list(ALLOWED_UPDATES)))

    async def _on_webhook(self, request: Any) -> Any:
        """One update POSTed by Telegram: check the secret header, queue it, answer 200."""
        from aiohttp import web

        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self._webhook_secret.encode()):
            return web.Response(status=403)
        application = self.application
        if application is None:
            return web.Response(status=503)  # shutting down: Telegram will deliver it again
        try:
            update = Update.de_json(await request.json(), application.bot)
        except Exception:
            log.warning("malformed webhook update ignored")
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response(status=200)

    # -- calls with retries ------------------------------------------------------
    # Bot API methods that post something new: repeating one after it may have arrived shows it twice.
    NOT_IDEMPOTENT = frozenset({"send_message", "send_document", "send_photo", "send_media_group", "copy_message",
                                "forward_message", "send_video", "send_audio", "send_voice", "send_sticker"})

    @classmethod
    def _is_send(cls, make: Callable[[], Awaitable[Any]]) -> bool:
        """Whether the call posts a message (a functools.partial or a lambda around bot.send_...)."""
        func = make.func if isinstance(make, functools.partial) else make
        names = {getattr(func, "__name__", "")} | set(getattr(getattr(func, "__code__", None), "co_names", ()))
        return bool(names & cls.NOT_IDEMPOTENT)

    @staticmethod
    def _never_arrived(exc: NetworkError) -> bool:
        """True only when the request provably did not reach Telegram: no connection (refused, connect or pool
        timeout) or a 5xx status answered instead. A read/write timeout or a connection dropped mid-request is
        ambiguous: Telegram may have processed it."""
        import httpx

        cause = exc.__cause__
        if isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
            return True
        if isinstance(exc, TimedOut) or cause is not None and not isinstance(cause, TelegramError):
            return False  # a read/write timeout, a dropped connection, an unknown failure in the HTTP client
        return True  # PTB's NetworkError for an error status Telegram answered (5xx, "Bad Gateway")

    async def _call(self, make: Callable[[], Awaitable[T]], *, max_wait: float | None = None) -> T:
        """One Bot API call: wait out 429s as told (never drop), retry network errors with backoff.

        A send (sendMessage, sendDocument...) is retried only when it provably did not reach Telegram; after a
        read/write timeout it is never repeated (the error is raised: the user may already have it). Edits,
        answerCallbackQuery, getMe and settings are safe to repeat. Inside a nudge send (RESEND_GATE set) every
        re-attempt first passes the dispatcher's rate limiter.
        """
        delay = 1.0
        failures = 0
        gate = RESEND_GATE.get()
        is_send = None
        while True:
            try:
                return await make()
            except RetryAfter as exc:
                wait = _retry_seconds(exc)
                if max_wait is not None and wait > max_wait:
                    raise RetryLater(wait, "telegram flood control") from exc
                log.info("telegram asked to wait %.0fs", wait)
                if gate is not None:
                    await gate(wait)  # pauses the platform in the limiter, then takes a slot for the re-send
                else:
                    await self.sleep(wait)
            except BadRequest:
                raise
            except NetworkError as exc:  # includes TimedOut
                if is_send is None:
                    is_send = self._is_send(make)
                if is_send and not self._never_arrived(exc):
                    raise  # ambiguous: never send twice
                failures += 1
                if failures > NETWORK_RETRIES:
                    raise
                log.info("telegram network error (%s), retry %d in %.0fs", exc, failures, delay)
                await self.sleep(delay)
                delay = min(MAX_BACKOFF, delay * 2)
                if gate is not None:
                    await gate(0.0)

    # -- outbound ----------------------------------------------------------------
    @staticmethod
    def markup(msg: Outbound) -> InlineKeyboardMarkup | None:
        """The inline keyboard for a message's choices (None when it has none)."""
        rows = F.keyboard_rows(msg.choices, msg.multi)
        if not rows:
            return None
        return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                     for row in rows])

    async def _send_one(self, chat_id: int, msg: Outbound, max_wait: float | None = None) -> None:
        """Send one Outbound: text in chunks under 4096 (keyboard on the last), then its file."""
        bot = self._app().bot
        markup = self.markup(msg)
        chunks = F.split_html(msg.text)
        caption = None
        if msg.file is not None and len(chunks) == 1 and F.utf16_len(chunks[0]) <= F.CAPTION_LIMIT and not markup:
            caption, chunks = chunks[0], []
        no_preview = LinkPreviewOptions(is_disabled=True)
        for i, chunk in enumerate(chunks):
            keyboard = markup if i == len(chunks) - 1 else None
            await self._call(functools.partial(bot.send_message, chat_id, chunk, parse_mode=ParseMode.HTML,
                                               reply_markup=keyboard, link_preview_options=no_preview),
                             max_wait=max_wait)
        if msg.file is not None:
            file = msg.file
            await self._call(lambda: bot.send_document(
                chat_id, InputFile(file.data, filename=file.name, read_file_handle=False), caption=caption,
                parse_mode=ParseMode.HTML if caption else None), max_wait=max_wait)

    async def _deliver(self, chat_id: int, messages: Sequence[Outbound], max_wait: float | None = None) -> None:
        """Send replies in order; a 403 marks the user unreachable and raises UserUnreachable."""
        try:
            for msg in messages:
                await self._send_one(chat_id, msg, max_wait)
        except Forbidden as exc:
            await self.core.storage.set_reachable(PLATFORM, str(chat_id), False)
            raise UserUnreachable(str(exc)) from exc
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                await self.core.storage.set_reachable(PLATFORM, str(chat_id), False)
                raise UserUnreachable(str(exc)) from exc
            raise

    async def send(self, user_id: str, messages: list[Outbound]) -> None:
        """Unprompted delivery (nudges); raises UserUnreachable, RetryLater (not delivered: try again later) or
        DeliveryUnknown (a timeout after the request went out: maybe delivered, never sent again)."""
        try:
            await self._deliver(int(user_id), messages, max_wait=SEND_MAX_WAIT)
        except (UserUnreachable, RetryLater):
            raise
        except ValueError as exc:
            raise UserUnreachable(f"not a Telegram user id: {user_id!r}") from exc
        except NetworkError as exc:
            if self._never_arrived(exc):
                raise RetryLater(30.0, f"telegram network error: {exc}") from exc
            raise DeliveryUnknown(f"telegram send may have arrived: {exc}") from exc

    async def _reply(self, chat_id: int, messages: Sequence[Outbound]) -> None:
        """Send the core's replies to a user's message; failures are logged, never raised into PTB."""
        try:
            await self._deliver(chat_id, messages)
        except UserUnreachable:
            log.info("telegram user blocked the bot; marked unreachable")
        except TelegramError:
            log.exception("telegram reply failed")

    # -- inbound -----------------------------------------------------------------
    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update goes through here; edited messages and channel posts are ignored."""
        first = await self._take(update)
        if first is False:
            log.info("telegram update %s was already handled before a restart: dropped", update.update_id)
            return
        if update.message is not None:
            await self._on_message(update.message)
        elif update.callback_query is not None:
            await self._on_callback(update)
        elif update.my_chat_member is not None:
            await self._on_member(update)
        if first is None:
            await self._take(update)  # a new user's first update: remembered once the user exists

    async def _take(self, update: Update) -> bool | None:
        """Remember (committed, before it is handled) a private chat's update; False if it was taken already.

        None when there is nothing to remember it by (no stored user yet, not a private message or tap).
        Telegram sends an update again if the getUpdates confirming it was lost (crash, network): handling it twice
        would apply an answer to the next question. Taking it first makes a crash lose at most an unanswered update.
        """
        chat, user = update.effective_chat, update.effective_user
        if (chat is None or user is None or chat.type != ChatType.PRIVATE
                or (update.message is None and update.callback_query is None)):
            return None
        storage = self.core.storage
        found = await storage.find_user(PLATFORM, str(user.id))
        if found is None:
            return None
        now = int(storage.clock.now().timestamp())
        async with storage.db.execute("SELECT last_update_id, taken_at FROM telegram_updates WHERE user_id = ?",
                                      (found.id,)) as cur:
            row = await cur.fetchone()
        if row is not None and update.update_id <= row[0] and now - row[1] < REDELIVERY_WINDOW:
            return False
        await storage.write(("INSERT INTO telegram_updates (user_id, last_update_id, taken_at) VALUES (?, ?, ?)"
                             " ON CONFLICT (user_id) DO UPDATE SET last_update_id = excluded.last_update_id,"
                             " taken_at = excluded.taken_at", (found.id, update.update_id, now)))
        return True

    def _user_ref(self, user: Any) -> UserRef:
        name = (user.first_name or user.username or "").strip()
        return UserRef(PLATFORM, str(user.id), name)

    async def _on_message(self, message: Message) -> None:
        user = message.from_user
        if user is None or user.is_bot:
            return
        if message.chat.type != ChatType.PRIVATE:
            await self._on_group_message(message)
            return
        ref, locale = self._user_ref(user), user.language_code
        text = message.text
        inbound: Inbound
        if text is not None:
            target = F.command_target(text)
            parsed = parse_command(text)
            if target is not None and parsed is not None:
                if target[1] and target[1].lower() != self.username.lower():
                    return  # addressed to another bot
                inbound = Inbound(ref, "command", command=parsed[0], args=parsed[1], locale=locale)
            else:
                inbound = Inbound(ref, "text", text=text, locale=locale)
        else:
            kind = F.other_kind(message)
            if kind is None:
                return  # a service message (pinned, joined...): nothing to answer
            inbound = Inbound(ref, "other", other=kind, locale=locale)
        replies = await self.core.handle(inbound)
        await self._reply(message.chat.id, replies)

    async def _language_of(self, user: Any) -> str:
        """The user's stored language, else their Telegram locale, else the default."""
        found = await self.core.storage.find_user(PLATFORM, str(user.id))
        if found is not None and found.language:
            return found.language
        code = (user.language_code or "").lower()
        if code:
            return "id" if code.startswith(("id", "in")) else "en"
        return DEFAULT_LANGUAGE

    async def _on_group_message(self, message: Message) -> None:
        """Groups: only our commands get an answer, a pointer to a private chat; nothing is collected."""
        target = F.command_target(message.text or "")
        if target is None or message.from_user is None:
            return
        name, bot_name = target
        if bot_name and bot_name.lower() != self.username.lower():
            return
        from handlers.commands import COMMANDS

        if name not in COMMANDS:
            return
        lang = await self._language_of(message.from_user)
        link = F.deep_link(self.username, "group")
        text = self.core.catalog.t(lang, "telegram.group_hint", link=link)
        button = InlineKeyboardMarkup([[InlineKeyboardButton(
            self.core.catalog.t(lang, "telegram.group_button"), url=link)]])
        bot = self._app().bot
        try:
            await self._call(lambda: bot.send_message(
                message.chat.id, F.to_html(text), parse_mode=ParseMode.HTML, reply_markup=button,
                reply_to_message_id=message.message_id, allow_sending_without_reply=True,
                link_preview_options=LinkPreviewOptions(is_disabled=True)))
        except TelegramError:
            log.info("could not answer in a group", exc_info=True)

    async def _answer_query(self, query: Any, text: str | None = None) -> None:
        """Always answer a callback query (stops the button's spinner); a notice if given."""
        try:
            await self._call(lambda: query.answer(text=text[:200] if text else None))
        except TelegramError:
            log.info("could not answer a callback query", exc_info=True)

    async def _on_callback(self, update: Update) -> None:
        """A button tap: the core validates the value; the question message is edited in place."""
        query = update.callback_query
        assert query is not None
        message = query.message if isinstance(query.message, Message) else None
        user = query.from_user
        if message is None or message.chat.type != ChatType.PRIVATE or not query.data:
            lang = await self._language_of(user)
            await self._answer_query(query, self.core.catalog.t(lang, "err.stale_button"))
            return
        inbound = Inbound(self._user_ref(user), "choice", choice=query.data, locale=user.language_code)
        replies = await self.core.handle(inbound)
        # A refused tap (forged, stale, too few ticks...) becomes the callback's notice; the question stays as is.
        refusal = next((m for m in replies if m.key.startswith(("err.", "error."))), None)
        await self._answer_query(query, refusal.text if refusal else None)
        rest = [m for m in replies if m is not refusal]
        try:
            if refusal is None:
                rest = await self._settle_tapped(message, query.data, rest)
            else:
                shown = _rows(message)
                rest = [m for m in rest if not (m.choices and F.keyboard_rows(m.choices, m.multi) == shown)]
            await self._deliver(message.chat.id, rest)
        except UserUnreachable:
            log.info("telegram user blocked the bot; marked unreachable")
        except TelegramError:
            log.exception("telegram reply to a button failed")

    async def _settle_tapped(self, message: Message, data: str, replies: list[Outbound]) -> list[Outbound]:
        """After an accepted tap: re-tick the keyboard (toggle) or show the chosen answer; returns what is left."""
        bot = self._app().bot
        chat_id, message_id = message.chat.id, message.message_id
        redraw = next((m for m in replies if m.meta.get("replace") and m.choices), None)
        if redraw is not None:
            await self._edit(lambda: bot.edit_message_reply_markup(chat_id, message_id,
                                                                   reply_markup=self.markup(redraw)))
            return [m for m in replies if m is not redraw]
        lang = next((str(m.meta["lang"]) for m in replies if m.meta.get("lang")), DEFAULT_LANGUAGE)
        chosen = F.chosen_labels(_rows(message), data)
        if data.startswith("s:"):
            chosen = [self.core.catalog.t(lang, "common.skipped")]
        if chosen and message.text is not None:
            note = self.core.catalog.t(lang, "telegram.answered", answer=", ".join(chosen))
            text = f"{message.text_html}\n\n{F.to_html(note)}"
            if F.utf16_len(text) <= F.TEXT_LIMIT:
                await self._edit(lambda: bot.edit_message_text(
                    text, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=None,
                    link_preview_options=LinkPreviewOptions(is_disabled=True)))
                return replies
        await self._edit(lambda: bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None))
        return replies

    async def _edit(self, make: Callable[[], Awaitable[Any]]) -> None:
        """Edit a message; 'not modified' or a message too old to edit is not an error worth more."""
        try:
            await self._call(make)
        except BadRequest as exc:
            log.debug("telegram edit skipped: %s", exc)

    async def _on_member(self, update: Update) -> None:
        """The user blocked (kicked) the bot in a private chat: stop nudging them."""
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        if change.new_chat_member.status == ChatMemberStatus.BANNED:
            await self.core.storage.set_reachable(PLATFORM, str(change.from_user.id), False)

    # -- errors ------------------------------------------------------------------
    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)

    @staticmethod
    def _on_polling_error(exc: TelegramError) -> None:
        log.warning("telegram polling error (will retry): %s", exc)
