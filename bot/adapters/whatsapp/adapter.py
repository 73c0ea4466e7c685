"""WhatsApp Cloud API adapter: a webhook server (aiohttp) for what users write, the Graph API (pywa) for replies.

Only translates: a webhook's messages -> Inbound (text; a tapped reply button or list row as a choice carrying the
action's payload; `/plan` and a typed command word from content/whatsapp.toml as commands; anything else as
"other"), a turn's replies -> as few WhatsApp messages as WhatsApp takes (render.py). A POST is checked against the
app secret's signature, and its messages go into the core's inbox (Core.accept) before WhatsApp is answered 200: an
acknowledged message is never lost; a second delivery of it is recognised by its id.

WhatsApp takes a free-form message only within 24 hours of the user's last message. Replies are always inside it.
A nudge outside it goes as the approved template of its kind (WHATSAPP_OUTSIDE_WINDOW=template) or is held and sent
right after the user's next message (hold, the default); nothing free-form is ever sent outside the window.

A user's WhatsApp id is their phone number: it is never logged (`who` gives a keyed hash), it goes to /export as
the user's own data (the users row and this channel's rows, all keyed by the user) and /delete removes it.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.adapters.base import DeliveryUnknown, RetryLater, UserUnreachable
from bot.adapters.whatsapp import render as R
from bot.adapters.whatsapp.content import WhatsAppContent, load
from bot.adapters.whatsapp.graph import (EXPERIMENT, NOT_DELIVERED, OUTSIDE_WINDOW, TIMEOUT, UNREACHABLE, Graph,
                                         OutsideWindow, Refused)
from bot.adapters.whatsapp.store import Store, held_kind
from bot.adapters.whatsapp.webhook import Message, Status, read_payload, signature_ok, update_id
from bot.capabilities import Capabilities
from bot.core import REDELIVERY_WINDOW
from bot.i18n import base_language
from bot.types import Inbound, Outbound, UserRef, command_text, parse_command

if TYPE_CHECKING:
    from bot.adapters.whatsapp.settings import WhatsAppSettings
    from bot.config import Config
    from bot.core import Core, Deliver

log = logging.getLogger(__name__)

PLATFORM = "whatsapp"      # the channel's name (bot/adapters/whatsapp/settings.py, the registry's entry)
WINDOW = 24 * 3600         # WhatsApp's customer service window (seconds after the user's last message)
WINDOW_MARGIN = 300        # a send this close to its end counts as outside (clocks and the send's own time)
# What a WhatsApp message can show (Cloud API limits): the core renders every turn for it (bot/compose.py), and
# render.py maps the result to WhatsApp's message types, refusing nothing WhatsApp would refuse. A message with
# buttons or a list holds 1,024 characters (choices_text_max): a longer turn (the summary before the plan) goes as
# its text, then its ending with the buttons. Numbering those choices instead would keep one message, but typed
# numbers would then be read from this process's memory: lost at a restart, unknown to another worker.
CAPABILITIES = Capabilities(max_text=R.TEXT_MAX, choices_text_max=R.BODY_MAX, buttons=R.BUTTONS_MAX,
                            button_label_max=R.BUTTON_TITLE_MAX,
                            lists=True, list_rows_max=R.LIST_ROWS_MAX, list_title_max=R.ROW_TITLE_MAX,
                            list_desc_max=R.ROW_DESC_MAX, multi_select=True, edits=False, files=True,
                            reply_window=float(WINDOW), pacing=6.0)
REPLY_RETRIES = 3          # a reply part WhatsApp did not take (5xx, rate limits) is tried again this often
REPLY_RETRY_WAIT = 30.0    # and waits at most this long before each try
LOG_FAILURES = frozenset({131047, 131049, 130472, 131056, 130429})
# a nudge WhatsApp took and then failed with these is held for the user's next message: the window had closed by
# WhatsApp's clock (131047), or Meta chose not to deliver a marketing template to this user for now (131049,
# 130472)
HELD_ON_FAILURE = frozenset({OUTSIDE_WINDOW, NOT_DELIVERED, EXPERIMENT})
SENT_KEPT = 2 * 24 * 3600  # seconds a nudge sent free-form is kept for a late refusal (a failed status)


def locale_of(wa_id: str) -> str:
    """A language hint from the number's country code (+62: Indonesian); the core settles it from what they write."""
    return "id" if wa_id.startswith("62") else "en"


class WhatsAppAdapter:
    """The brandcoach connector for WhatsApp (one business phone number)."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, core: Core, config: Config, timeout: float = TIMEOUT) -> None:
        settings: WhatsAppSettings = config.channels[PLATFORM]
        missing = settings.missing()
        if missing:
            raise ValueError(f"{', '.join(missing)} not set")
        self.settings = settings
        self.core = core
        self.config = config
        self.timeout = timeout
        self.secret = settings.app_secret or ""
        self.webhook_listen = "0.0.0.0"
        self.webhook_port = settings.webhook_port
        self.content: WhatsAppContent = load()
        self.template_names = dict(settings.templates)
        self.languages = {**self.content.languages, **dict(settings.template_languages)}
        self.store = Store(core.storage)
        self.graph: Graph | None = None
        self._runner: web.AppRunner | None = None
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._numbered: dict[str, tuple[str, ...]] = {}  # user -> payloads of the numbered lines last shown
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # waits before a retry (tests record them)

    # -- lifecycle -------------------------------------------------------------
    async def connect(self) -> None:
        """Open the Graph API client and start the webhook server."""
        self._stop.clear()
        self.graph = Graph(self.settings.token or "", self.settings.phone_id or "",
                           self.settings.api_url, self.timeout)
        app = web.Application(client_max_size=4 << 20)
        app.router.add_get("/{path:.*}", self._verify)
        app.router.add_post("/{path:.*}", self._post)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        try:
            await self._runner.setup()
            await web.TCPSite(self._runner, self.webhook_listen, self.webhook_port).start()
        except BaseException:
            await self._close()
            raise

    async def listen(self) -> None:
        await self._stop.wait()

    async def disconnect(self) -> None:
        """Stop taking POSTs, finish the messages already taken (their replies too), then close."""
        self._stop.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.settled()  # and the statuses taken
        await self._close()

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.graph is not None:
            await self.graph.close()
            self.graph = None

    def who(self, wa_id: str) -> str:
        """A user as logs may name them: a keyed hash of the phone number (never the number)."""
        return "wa:" + hmac.new(self.secret.encode(), wa_id.encode(), hashlib.sha256).hexdigest()[:12]

    # -- webhook ---------------------------------------------------------------
    async def _verify(self, request: web.Request) -> web.Response:
        """The subscription handshake: echo hub.challenge when hub.verify_token is the operator's."""
        query = request.query
        given = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and "hub.challenge" in query and \
                hmac.compare_digest(given.encode(), (self.settings.verify_token or "").encode()):
            return web.Response(text=query["hub.challenge"])
        return web.Response(status=403)

    async def _post(self, request: web.Request) -> web.Response:
        """A signed POST: its messages are in the inbox before the 200 (else WhatsApp is answered 500 and sends
        it again); its statuses are recorded."""
        raw = await request.read()
        header = request.headers.get("X-Hub-Signature-256", "")
        if not header:
            return web.Response(status=401)
        if not signature_ok(raw, header, self.secret):
            log.warning("a WhatsApp webhook POST with a wrong signature was refused")
            return web.Response(status=403)
        try:
            messages, statuses = read_payload(json.loads(raw), self.settings.phone_id)
        except ValueError:
            return web.Response(status=400)
        try:
            inbound = [(m, i) for m in messages if (i := self._inbound(m)) is not None and not await self._stale(m)]
            fresh = await self.core.accept_many([(i, json.dumps({"to": m.wa_id})) for m, i in inbound]) \
                if inbound else []
        except Exception:
            log.exception("WhatsApp messages could not be recorded; WhatsApp will send them again")
            return web.Response(status=500)
        for (message, item), new in zip(inbound, fresh):
            self._spawn(self._take(message, item, new))
        for status in statuses:
            self._spawn(self._status(status))
        return web.Response(text="ok")

    async def _stale(self, message: Message) -> bool:
        """A message older than the inbox keeps ids (24 h) from a user who has written since: WhatsApp retries a
        webhook for up to 7 days, so this may be one the inbox took and has since forgotten; answering it a day
        late would only confuse. Dropped (a late message from a user who has not written since is answered)."""
        if message.timestamp >= int(self.core.clock.now().timestamp()) - REDELIVERY_WINDOW:
            return False
        user_id = await self.store.user_id(message.wa_id)
        last = await self.store.last_inbound(user_id) if user_id is not None else None
        if last is None or message.timestamp > last:
            return False
        log.info("a WhatsApp message of %s older than a day, written before their latest: dropped",
                 self.who(message.wa_id))
        return True

    async def settled(self) -> None:
        """Wait until every message and status taken so far is handled (tests, and a stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _inbound(self, message: Message) -> Inbound | None:
        user = UserRef(PLATFORM, message.wa_id, message.name)
        base: dict[str, Any] = {"locale": locale_of(message.wa_id),
                                "update_id": update_id(message.id, message.timestamp)}
        if message.kind == "choice":
            return Inbound(user, "choice", choice=message.choice, **base)
        if message.kind == "other" and message.other == "request_welcome":  # opened the chat for the first time
            return Inbound(user, "command", command="start", **base)
        if message.kind == "other":
            return Inbound(user, "other", other=message.other, **base)
        text = message.text
        parsed = parse_command(text)
        if parsed is not None:
            return Inbound(user, "command", command=parsed[0], args=parsed[1], text=command_text(text), **base)
        word = self.content.words.get(text.strip().lower())
        if word is not None:
            return Inbound(user, "command", command=word, **base)
        numbered = self._numbered.get(message.wa_id)
        if numbered and text.strip().isdigit() and 1 <= int(text.strip()) <= len(numbered):
            return Inbound(user, "choice", choice=numbered[int(text.strip()) - 1], **base)
        return Inbound(user, "text", text=text, **base)

    async def _take(self, message: Message, inbound: Inbound, new: bool) -> None:
        """Open the user's window, then handle the message (its replies sent in the chat's turn)."""
        try:
            user = await self.core.storage.get_or_create_user(PLATFORM, message.wa_id, message.name, inbound.locale)
            await self.store.touch(user.id, message.timestamp)
        except Exception:
            log.exception("the window of %s could not be recorded", self.who(message.wa_id))
        accepted: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        accepted.set_result(new)
        try:
            await self.core.handle(inbound, self._replier_for(message.wa_id), accepted=accepted)
        except Exception:
            log.exception("a WhatsApp message of %s failed", self.who(message.wa_id))

    async def _status(self, status: Status) -> None:
        """A delivery fact: recorded for the user; a failure that says something about pacing or the window
        logged (by its code, never the number); a user WhatsApp cannot deliver to is marked unreachable."""
        try:
            user_id = await self.store.user_id(status.wa_id)
            if user_id is None:
                return
            await self.store.delivery(status.message_id, user_id, status.status, status.code, status.timestamp)
            if status.status == "failed":
                if status.code in LOG_FAILURES:
                    log.warning("WhatsApp could not deliver a message to %s: error %s", self.who(status.wa_id),
                                status.code)
                if status.code in UNREACHABLE:
                    await self.core.unreachable(PLATFORM, status.wa_id)
                if status.code in HELD_ON_FAILURE:  # not delivered, nothing to retry now: it waits for them
                    await self._hold_refused(status.wa_id, user_id, status.message_id)
        except Exception:
            log.exception("a WhatsApp status could not be recorded")

    def replier(self, envelope: str) -> Deliver | None:
        """How to send the replies of a message this worker (before a restart) or another one accepted."""
        try:
            to = str(json.loads(envelope)["to"])
        except (ValueError, KeyError, TypeError):
            return None
        return self._replier_for(to)

    def _replier_for(self, to: str) -> Deliver:
        return lambda replies: self._reply(to, replies)

    # -- outbound --------------------------------------------------------------
    def _texts(self, lang: str, key: str) -> str:
        return self.core.catalog.t(lang, key)

    async def _reply(self, to: str, replies: list[Outbound]) -> None:
        """A message's replies (the user just wrote: inside the window), then any nudge held for them."""
        try:
            await self._deliver(to, R.render_turn(replies, self._texts), retries=REPLY_RETRIES)
            held = await self._held(to)
            if held:
                await self._send_held(to, held)
        except UserUnreachable:
            log.info("WhatsApp cannot deliver to %s; marked unreachable", self.who(to))
            await self.core.unreachable(PLATFORM, to)
        except (RetryLater, DeliveryUnknown, OutsideWindow, Refused) as exc:
            log.warning("a reply to %s was not sent: %s", self.who(to), exc)

    async def _send_held(self, to: str, held: list[Outbound]) -> None:
        """The nudges held for the user, tried as a reply is; held again for their next message when WhatsApp
        provably took none of them (RetryLater), so that "not now" does not lose them."""
        went = [0]
        try:
            await self._deliver(to, R.render_turn(held, self._texts), retries=REPLY_RETRIES,
                                done=lambda i, _: went.__setitem__(0, i + 1))
        except RetryLater:
            user_id = await self.store.user_id(to) if went[0] == 0 else None
            if user_id is None:
                raise
            now = int(self.core.clock.now().timestamp())
            for message in held:
                await self.store.hold(user_id, message, now)
            log.info("the nudges held for %s were not taken for now; held again", self.who(to))

    async def _held(self, to: str) -> list[Outbound]:
        user_id = await self.store.user_id(to)
        return await self.store.take_held(user_id) if user_id is not None else []

    async def _deliver(self, to: str, messages: Sequence[R.WAMessage], skip: int = 0,
                       done: Callable[[int, str], None] | None = None, retries: int = 0) -> None:
        """Send each message from `skip` on, paced by the core's limiter; `done(i, id)` after message i went. A part
        WhatsApp provably did not take (RetryLater: 5xx, rate limits) is tried again up to `retries` times (replies:
        the user waits for them), waiting as told; else RetryLater goes to the caller (a nudge is rescheduled)."""
        graph = self.graph
        if graph is None:
            raise RetryLater(30.0, "WhatsApp is not connected")
        for i, message in enumerate(messages):
            if i < skip:
                continue
            sent_id = ""
            for attempt in range(retries + 1):
                try:
                    sent_id = await self._send_one(graph, to, message)
                    break
                except RetryLater as exc:
                    if attempt == retries:
                        raise
                    await self.sleep(min(exc.after, REPLY_RETRY_WAIT))
            if message.choices:
                self._numbered[to] = message.choices
            else:
                self._numbered.pop(to, None)
            if done is not None:
                done(i, sent_id)

    async def _send_one(self, graph: Graph, to: str, message: R.WAMessage) -> str:
        """Upload the message's file (a file WhatsApp refuses, at the upload or the send: goes as text), then send
        it; WhatsApp's id of it."""
        media_id = None
        if message.media is not None:
            try:
                media_id = await graph.upload(message.media.data, message.media.mime, message.media.name)
            except Refused:  # a text file goes as text where it fits one message; else its caption alone
                log.warning("WhatsApp refused a %s file; it goes as text", message.media.mime)
                message = R.WAMessage("text", {"body": R.refused_file_text(message), "preview_url": False})
        try:
            async with self.core.limiter.slot(PLATFORM, to):
                payload = message.payload(to, media_id)
                return await graph.send(to, message.type, payload[message.type])
        except Refused as exc:  # the upload was taken, the message naming it not (131051-131053): its text goes
            if message.media is None:
                raise
            log.warning("WhatsApp refused a %s file's message (error %s); it goes as text", message.media.mime,
                        exc.code)
        text = R.WAMessage("text", {"body": R.refused_file_text(message), "preview_url": False})
        async with self.core.limiter.slot(PLATFORM, to):
            return await graph.send(to, "text", text.payload(to)["text"])

    async def send(self, user_id: str, messages: list[Outbound], skip: int = 0) -> None:
        """Unprompted messages (nudges, follow-ups) in the chat's turn: free-form inside the window; outside it a
        nudge goes as its template or is held (WHATSAPP_OUTSIDE_WINDOW). Raises UserUnreachable, RetryLater (with
        the parts that did arrive) or DeliveryUnknown."""
        sent = [skip]
        ids: list[str] = []

        def went(i: int, message_id: str) -> None:
            sent[0] = i + 1
            ids.append(message_id)

        async def run() -> None:
            if not await self._inside(user_id):
                await self._outside(user_id, messages)
                return
            try:
                await self._deliver(user_id, R.render_turn(messages, self._texts), skip, went)
                await self._keep_nudges(user_id, messages, ids)
            except OutsideWindow:  # WhatsApp's clock says the window closed: never again as free-form
                await self._outside(user_id, messages)
            except Refused as exc:
                raise RetryLater(3600.0, str(exc), delivered=sent[0]) from None
            except RetryLater as exc:
                raise RetryLater(exc.after, str(exc), delivered=sent[0]) from None

        await self.core.in_turn(PLATFORM, user_id, run)

    async def _keep_nudges(self, wa_id: str, messages: list[Outbound], ids: list[str]) -> None:
        """A nudge WhatsApp took free-form is remembered for two days: a failed status with 131047 holds it."""
        nudges = [m for m in messages if m.kind == "nudge" and m.file is None]
        user_id = await self.store.user_id(wa_id) if len(nudges) == 1 else None
        if user_id is None:
            return
        now = int(self.core.clock.now().timestamp())
        for message_id in filter(None, ids):
            await self.store.sent_nudge(message_id, user_id, nudges[0], now, SENT_KEPT)
            if await self._failed_first(message_id):
                await self._hold_refused(wa_id, user_id, message_id)

    async def _failed_first(self, message_id: str) -> bool:
        """Whether the send's failed status (one that holds the nudge) was recorded before the send's own record."""
        return any([await self.store.failed_with(message_id, code) for code in sorted(HELD_ON_FAILURE)])

    async def _hold_refused(self, wa_id: str, user_id: int, message_id: str) -> None:
        """A nudge WhatsApp failed after taking it (131047, 131049): held for the user's next message (once:
        holding replaces a held nudge of its kind, whichever of the status and the send's record came first)."""
        refused = await self.store.refused_nudge(message_id)
        if refused is not None:
            await self.store.hold(user_id, refused, int(self.core.clock.now().timestamp()))
            log.info("a nudge to %s not delivered after sending is held until they write", self.who(wa_id))

    async def _inside(self, wa_id: str) -> bool:
        user_id = await self.store.user_id(wa_id)
        last = await self.store.last_inbound(user_id) if user_id is not None else None
        now = int(self.core.clock.now().timestamp())
        return last is not None and now - last < WINDOW - WINDOW_MARGIN

    async def _outside(self, wa_id: str, messages: list[Outbound]) -> None:
        """Outside the window: each nudge as its template (policy "template" and one exists), else held."""
        user_id = await self.store.user_id(wa_id)
        if user_id is None:
            raise UserUnreachable("no such WhatsApp user")
        now = int(self.core.clock.now().timestamp())
        templated: set[str] = set()  # a nudge the core split in parts (text, then its buttons): one template
        for message in messages:
            kind = held_kind(message)
            if kind in templated or (self.settings.outside_window == "template"
                                     and await self._template(wa_id, user_id, message)):
                templated.add(kind)
                continue
            if message.file is not None:
                log.info("a file for %s outside the window was dropped (files are not held)", self.who(wa_id))
                continue
            await self.store.hold(user_id, message, now)
            log.info("a %s for %s is held until they write (outside the 24-hour window)", message.kind,
                     self.who(wa_id))

    def template_for(self, message: Outbound) -> tuple[str, str, tuple[str, ...]] | None:
        """(approved name, language code, params) of the template a nudge goes as; None when it has none."""
        parts = message.key.split(".")
        if message.kind != "nudge" or len(parts) < 2 or parts[0] != "nudge":
            return None
        template = self.content.templates.get(parts[1])
        code = self.languages.get(base_language(message.lang))
        if template is None or code is None:
            return None
        return self.template_names.get(template.name, template.name), code, template.params

    async def _template(self, wa_id: str, user_id: int, message: Outbound) -> bool:
        """Send the nudge's template; False when it has none or WhatsApp refuses it (the nudge is held then)."""
        found = self.template_for(message)
        graph = self.graph
        if found is None or graph is None:
            return False
        name, code, params = found
        body: dict[str, Any] = {"name": name, "language": {"code": code}}
        if params:
            answers = await self.core.storage.answers(user_id)
            # one line, single spaces: WhatsApp refuses a parameter with a newline, a tab or 5 spaces (132018)
            values = {"name": " ".join(str(answers.get("name") or "").split())[:60].strip() or "-"}
            body["components"] = [{"type": "body", "parameters": [{"type": "text", "text": values[p]}
                                                                   for p in params]}]
        try:
            async with self.core.limiter.slot(PLATFORM, wa_id):
                message_id = await graph.send(wa_id, "template", body)
        except Refused as exc:
            log.warning("WhatsApp refused the template %s (error %s): the nudge is held", name, exc.code)
            return False
        if message_id:  # kept for a late refusal: a marketing template Meta does not deliver (131049) is held
            await self.store.sent_nudge(message_id, user_id, message, int(self.core.clock.now().timestamp()),
                                        SENT_KEPT)
            if await self._failed_first(message_id):
                await self._hold_refused(wa_id, user_id, message_id)
        return True

    async def forget(self, user_id: str) -> None:
        """After /delete: the rows went with the user; what this process remembers of them goes too."""
        self._numbered.pop(user_id, None)
