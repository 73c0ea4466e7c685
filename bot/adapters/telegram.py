"""Telegram adapter on python-telegram-bot 22: long polling (or a webhook) in the shared event loop.

Only translates: Telegram updates -> Inbound, Outbound -> sendMessage / inline keyboards / sendDocument / edits of
the tapped message. Everything else (groups, re-delivered updates, stale taps, languages) is the core's.

A private chat's update is handed to the core's inbox (Core.accept) before Telegram is told it arrived: the webhook
answers 200 after that commit, and long polling's next getUpdates (whose offset confirms what was fetched) waits
for it. The update's JSON goes with it, so that any worker can send its replies (`replier`). With several workers
on one database only the elected leader polls (Telegram serves one getUpdates at a time per bot); every worker
sends.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from bot.adapters import telegram_lib  # noqa: F401  # first: PTB without libraries it does not need here
from telegram import BotCommand, BotCommandScopeDefault, CallbackQuery, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import NetworkError, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.adapters import telegram_format as F
from bot.adapters.base import DeliveryUnknown, RetryLater, UserUnreachable
from bot.adapters.telegram_http import AiohttpRequest
from bot.adapters.telegram_net import FetchQueue, PerChatUpdateProcessor, Poller, Transport
from bot.adapters.telegram_out import CAPABILITIES, Outbox, Progress
from bot.dispatcher import holds_turn
from bot.i18n import LANGUAGES
from bot.ratelimit import is_unprompted
from bot.types import Inbound, Outbound, UserRef, command_text, parse_command

if TYPE_CHECKING:
    from bot.config import Config
    from bot.core import Core, Deliver

log = logging.getLogger(__name__)

PLATFORM = "telegram"
HTTP_POOL = 16              # connections to the Bot API for replies and nudges
SEND_MAX_WAIT = 60.0         # unprompted sends wait out a 429 up to this long, else RetryLater


class TelegramAdapter:
    """The brandcoach connector for Telegram (python-telegram-bot's Application, started by hand)."""

    platform = PLATFORM
    capabilities = CAPABILITIES  # what the core renders replies for

    def __init__(self, core: Core, config: Config) -> None:
        if not config.telegram_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.core = core
        self.config = config
        self.poll_timeout = 30.0            # long-polling wait per getUpdates (seconds)
        self.webhook_listen = "0.0.0.0"     # interface of the webhook server
        self.net = Transport(config.telegram_webhook_secret or secrets.token_urlsafe(32), limiter=core.limiter)
        self.username = ""
        self.out = Outbox(self.net, lambda: self.username, lambda uid: core.unreachable(PLATFORM, uid))
        self.chats = PerChatUpdateProcessor()  # one chat's updates in order; unprompted sends take their turn too
        self._stop = asyncio.Event()
        # update id -> its acceptance into the core's inbox (started when it was fetched or POSTed), until handled
        self._accepted: dict[int, asyncio.Future[bool]] = {}
        self.net.on_accept = self._accept_now
        # polling: updates fetched and not yet recorded, recorded together by one task at a time (in fetch order)
        self._batch: list[tuple[Inbound, str, asyncio.Future[bool]]] = []
        self._flushing: asyncio.Future[None] | None = None
        self._polling: asyncio.Future[None] | None = None  # long polling (bot/adapters/telegram_net.Poller)

    @property
    def sleep(self) -> Callable[[float], Awaitable[None]]:
        """How the adapter waits between retries (tests record the waits)."""
        return self.net.sleep

    @sleep.setter
    def sleep(self, fn: Callable[[float], Awaitable[None]]) -> None:
        self.net.sleep = fn

    # -- lifecycle -------------------------------------------------------------
    def build(self) -> Application:  # type: ignore[type-arg]
        """The PTB Application: token, optional self-hosted base_url, one handler for every update."""
        # aiohttp instead of PTB's httpx (less CPU per call); a small pool (Telegram takes ~30 msg/s anyway)
        self.requests = (AiohttpRequest(HTTP_POOL), AiohttpRequest(1, before=self._accepts_settled))
        builder = (Application.builder().token(self.config.telegram_token or "")
                   .request(self.requests[0]).get_updates_request(self.requests[1]))
        if self.config.telegram_api_url:
            builder = builder.base_url(self.config.telegram_api_url)
        # one per Application (its event loop); every update fetched by polling starts into the inbox as it is queued
        self.chats = PerChatUpdateProcessor(fetched=(queue := FetchQueue(accept=self._accept_soon)))
        application = builder.update_queue(queue).concurrent_updates(self.chats).build()
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(self._on_error)
        return application

    async def connect(self) -> None:
        """Log in (getMe), register the command menus, start processing updates."""
        self._stop.clear()
        self.net.application = self.build()
        try:
            await self.net.application.initialize()
        except BaseException:  # e.g. the token was rejected: close the HTTP sessions PTB opened before getMe
            for request in self.requests:
                await request.shutdown()
            raise
        self.username = self.net.application.bot.username or ""
        await self.set_commands()
        await self.net.application.start()

    async def listen(self) -> None:
        """Fetch updates (long polling, or the webhook) until disconnect()."""
        application = self.net.application
        if self._stop.is_set() or application is None:
            return  # disconnected before listening began
        if self.config.telegram_webhook_url:
            await self.net.start_webhook(self.config.telegram_webhook_url, self.webhook_listen,
                                         self.config.telegram_webhook_port)
            await self._stop.wait()
        else:
            # several workers on one database: one polls (the others send, and take over if it goes)
            async with self.core.leadership("telegram-polling"):
                if self._stop.is_set():
                    return
                log.info("polling Telegram (this worker was elected to)")
                self._polling = asyncio.ensure_future(
                    Poller(application, self.poll_timeout, self.requests[1],
                           on_error=self._on_polling_error).run(self._stop))
                await self._polling
                return

    async def disconnect(self) -> None:
        """Stop fetching, finish every update already taken (and confirm it), then close."""
        self._stop.set()
        application = self.net.application
        if application is None:
            return
        try:
            await self.net.stop_webhook()
            if self._polling is not None:  # it ends at once; a last getUpdates confirms what was fetched
                await asyncio.wait({self._polling})
                self._polling = None
            if application.running:
                await application.stop()           # handles every update already taken, replies included
        finally:
            await application.shutdown()
            self.net.application = None

    async def set_commands(self) -> None:
        """setMyCommands: Indonesian for language code 'id', English as the default menu."""
        bot = self.net._app().bot
        for lang, code in (("en", None), ("id", "id")):
            if lang not in LANGUAGES:
                continue
            commands = [BotCommand(n, self.core.catalog.t(lang, f"cmd.{n}")[:256]) for n in self.core.commands()]
            try:
                await self.net.call(functools.partial(bot.set_my_commands, commands, scope=BotCommandScopeDefault(),
                                                      language_code=code), sends=False)
            except TelegramError:
                log.warning("could not register the %s command menu", lang, exc_info=True)

    # -- outbound ----------------------------------------------------------------
    async def send(self, user_id: str, messages: list[Outbound], skip: int = 0) -> None:
        """Unprompted delivery (nudges, follow-ups) in the chat's turn from part `skip` on; raises UserUnreachable,
        RetryLater (the rest not delivered, with the parts that did arrive) or DeliveryUnknown (maybe delivered)."""
        done = Progress(skip)
        try:
            paid = {"allow_paid_broadcast": True} if self.config.telegram_paid_broadcast and is_unprompted() else {}
            chat = int(user_id)
            send = functools.partial(self.out.deliver, chat, messages, max_wait=SEND_MAX_WAIT, done=done, **paid)
            if holds_turn(PLATFORM, user_id):
                await send()  # the core's turn for the chat (a follow-up): it orders this chat across workers
            else:
                await self.chats.in_chat(chat, send)
        except UserUnreachable:
            raise
        except RetryLater as exc:
            raise RetryLater(exc.after, str(exc), delivered=done.parts) from exc
        except ValueError as exc:
            raise UserUnreachable(f"not a Telegram user id: {user_id!r}") from exc
        except NetworkError as exc:
            if self.net.never_arrived(exc):
                raise RetryLater(30.0, f"telegram network error: {exc}", delivered=done.parts) from exc
            raise DeliveryUnknown(f"telegram send may have arrived: {exc}") from exc

    async def _reply(self, chat_id: int, messages: Sequence[Outbound], **extra: Any) -> None:
        """Send the core's replies to a user's message; failures are logged, never raised into PTB."""
        try:
            await self.out.deliver(chat_id, messages, **extra)
        except UserUnreachable:
            log.info("telegram user blocked the bot; marked unreachable")
        except TelegramError:
            log.exception("telegram reply failed")

    # -- inbound -----------------------------------------------------------------
    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update goes through here; edited messages and channel posts are ignored."""
        accepted: Awaitable[bool] | None = self._accepted.pop(update.update_id, None)
        if update.my_chat_member is not None:
            await self._on_member(update)
            return
        parsed = self._parse(update)
        if parsed is not None:
            inbound, deliver = parsed
            if inbound.update_id is None:
                accepted = None
            elif accepted is None:  # not fetched through the queue's hook: into the inbox now, with its record
                accepted = self._accept_now(update, json.dumps(update.to_dict(), ensure_ascii=False))
                self._accepted.pop(update.update_id, None)
            await self.core.handle(inbound, deliver, accepted=accepted)

    def _parse(self, update: Update) -> tuple[Inbound, Deliver] | None:
        """The update as the core's Inbound, with the sending of its replies; None when there is nothing to answer."""
        if update.message is not None:
            return self._from_message(update.message, update.update_id)
        if update.callback_query is not None:
            return self._from_callback(update)
        return None

    def _accept_now(self, update: Update, envelope: str) -> Awaitable[bool] | None:
        """Start recording a private chat's update in the core's inbox (None: not one that goes there)."""
        parsed = self._parse(update)
        if parsed is None or parsed[0].update_id is None:
            return None
        future = asyncio.ensure_future(self.core.accept(parsed[0], envelope))
        self._accepted[update.update_id] = future
        return future

    def _accept_soon(self, update: Update, raw: dict[str, Any] | None = None) -> None:
        """Polling: an update was fetched; it is recorded with the rest of its getUpdates answer in one commit, and
        batches commit one after another, so a chat's later update is never in the inbox before an earlier one
        (a worker could otherwise handle a Done before the tick above it). The next getUpdates (which confirms them
        to Telegram) waits for all of them (_accepts_settled)."""
        parsed = self._parse(update)
        if parsed is None or parsed[0].update_id is None:
            return
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._accepted[update.update_id] = future
        record = raw if raw is not None else update.to_dict()  # the JSON Telegram sent, when the poller has it
        self._batch.append((parsed[0], json.dumps(record, ensure_ascii=False), future))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.ensure_future(self._flush_accepts())

    async def _flush_accepts(self) -> None:
        await asyncio.sleep(0)  # the rest of the fetched answer is queued meanwhile
        while self._batch:
            batch, self._batch = self._batch, []
            try:
                news = await self.core.accept_many([(inbound, envelope) for inbound, envelope, _ in batch])
            except Exception as exc:  # each update's handling accepts it again
                for _, _, future in batch:
                    future.set_exception(exc)
                continue
            for (_, _, future), new in zip(batch, news, strict=True):
                future.set_result(new)

    async def _accepts_settled(self) -> None:
        """Before a getUpdates: every fetched update is in the inbox (an acceptance that failed is retried by its
        handling: the update is handled either way)."""
        pending = [f for f in self._accepted.values() if not f.done()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    def replier(self, envelope: str) -> Deliver | None:
        """How to send the replies to an update that another worker accepted (its JSON, as recorded with it)."""
        application = self.net.application
        if application is None:
            return None
        try:
            update = Update.de_json(json.loads(envelope), application.bot)
        except Exception:
            log.warning("an update's record could not be read back: its replies are not sent")
            return None
        parsed = self._parse(update) if update is not None else None
        return None if parsed is None else parsed[1]

    def _inbound(self, user: Any, chat: Any, kind: str, update_id: int, **fields: Any) -> Inbound:
        """A private chat's update carries its id: Telegram re-sends it if the confirming getUpdates is lost, and the
        core drops the copy (the id is committed with the answer it produced). Without a chat (a tap under an inline
        message, or under one too old for Telegram to send along) it is treated as a shared chat's: the core answers
        a tap there with the old-button notice and collects nothing."""
        name = (user.first_name or user.username or "").strip()
        private = chat is not None and chat.type == ChatType.PRIVATE
        return Inbound(UserRef(PLATFORM, str(user.id), name), kind, locale=user.language_code,  # type: ignore[arg-type]
                       shared=not private, update_id=update_id if private else None, **fields)

    def _from_message(self, message: Message, update_id: int) -> tuple[Inbound, Deliver] | None:
        user = message.from_user
        if user is None or user.is_bot:
            return None
        text = message.text
        target = F.command_target(text) if text is not None else None
        parsed = parse_command(text) if text is not None else None
        if target is not None and parsed is not None:
            if target[1] and target[1].lower() != self.username.lower():
                return None  # addressed to another bot
            inbound = self._inbound(user, message.chat, "command", update_id, command=parsed[0], args=parsed[1],
                                    text=command_text(text or ""))
        elif text is not None:
            inbound = self._inbound(user, message.chat, "text", update_id, text=text)
        elif (other := F.other_kind(message)) is not None:
            inbound = self._inbound(user, message.chat, "other", update_id, other=other)
        else:
            return None  # a service message (pinned, joined...): nothing to answer
        extra = {} if not inbound.shared else {
            "reply_to_message_id": message.message_id, "allow_sending_without_reply": True}
        return inbound, lambda replies: self._reply(message.chat.id, replies, **extra)

    def _from_callback(self, update: Update) -> tuple[Inbound, Deliver]:
        """A button tap: the core decides; a refusal is the tap's notice, an answer is shown on the tapped message."""
        query = update.callback_query
        assert query is not None
        message = query.message if isinstance(query.message, Message) else None
        chat = message.chat if message is not None else update.effective_chat
        inbound = self._inbound(query.from_user, chat, "choice", update.update_id, choice=query.data or "")
        return inbound, lambda replies: self._answer_tap(query, message, inbound, replies)

    async def _answer_tap(self, query: CallbackQuery, message: Message | None, inbound: Inbound,
                          replies: list[Outbound]) -> None:
        refusal = next((m for m in replies if m.kind == "refusal"), None)
        if message is None or inbound.shared or refusal is not None:
            await self.out.answer_query(query, refusal.text if refusal else None)
        if message is None or inbound.shared:
            return
        rest = [m for m in replies if m is not refusal]
        try:
            if refusal is None:  # the spinner's answer and the tapped message's edit are independent: both at once
                _, rest = await asyncio.gather(self.out.answer_query(query), self.out.settle_tapped(message, rest))
            await self.out.deliver(message.chat.id, rest)
        except UserUnreachable:
            log.info("telegram user blocked the bot; marked unreachable")
        except TelegramError:
            log.exception("telegram reply to a button failed")

    async def _on_member(self, update: Update) -> None:
        """The user blocked (kicked) the bot in a private chat: stop nudging them."""
        change = update.my_chat_member
        if change is not None and change.chat.type == ChatType.PRIVATE \
                and change.new_chat_member.status == ChatMemberStatus.BANNED:
            await self.core.unreachable(PLATFORM, str(change.from_user.id))

    # -- errors ------------------------------------------------------------------
    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)

    @staticmethod
    def _on_polling_error(exc: TelegramError) -> None:
        log.warning("telegram polling error (will retry): %s", exc)
