"""A fake WhatsApp Cloud API (Graph API) on 127.0.0.1, as strict as WhatsApp, for end-to-end tests of the adapter.

Speaks the wire format pywa uses: POST /v<version>/<phone id>/messages (JSON) and /media (multipart), a Bearer
token; answers {"messaging_product", "contacts", "messages": [{"id"}]} or {"error": {"message", "type", "code",
"error_data", "fbtrace_id"}} with WhatsApp's HTTP status. It refuses what WhatsApp refuses: a 4th reply button, a
button title over 20 characters, blank or two alike (ids too), a list with more than 10 rows, a row title over 24
characters, a row id over 200, a section title over 24, a list button over 20, a header or footer over 60, a
body over its limit (1,024 with buttons or a list), a template parameter with a newline, a tab or five spaces
or not as many as the template takes, a file type WhatsApp does not take, an unknown template, any other request
(an edit: WhatsApp has none), and a free-form message to a user who last wrote more than 24 hours ago on its own
injected clock (131047; with `late_refusals` it takes such a message and refuses it afterwards in a failed status webhook,
as WhatsApp often does). Seeded chaos answers some requests 5xx before handling them, or slowly after handling
them (the message went: the client's timeout cannot tell). Users write through `say`/`tap`: signed webhook POSTs
to the adapter; each message accepted is followed by signed status webhooks (sent, delivered).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web

from bot.adapters.whatsapp.webhook import sign
from bot.clock import FakeClock

TEXT_MAX, BODY_MAX, CAPTION_MAX = 4096, 1024, 1024
IMAGE_MIMES = {"image/png", "image/jpeg"}
DOCUMENT_MIMES = {"application/pdf", "text/plain", "application/msword", "application/vnd.ms-excel",
                  "application/vnd.ms-powerpoint",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
WINDOW = timedelta(hours=24)
HEADER_MAX, FOOTER_MAX, SECTION_TITLE_MAX = 60, 60, 24
# a template's text parameter: WhatsApp refuses a newline, a tab or more than four spaces in a row (132018)
BAD_PARAM = re.compile(r"[\n\t]| {5,}")


def _filled(value: Any, limit: int) -> bool:
    """A string of 1-`limit` characters that is not only spaces (WhatsApp refuses a blank title or id)."""
    return isinstance(value, str) and bool(value.strip()) and len(value) <= limit


class Refusal(Exception):
    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class Call:
    """One request the bot made, and what the fake answered."""

    index: int
    path: str
    body: dict[str, Any]
    status: int = 200
    code: int | None = None          # the error code when refused
    late_code: int | None = None     # taken, then refused by a failed status with this code
    message_id: str = ""             # the wamid given when accepted
    media: dict[str, Any] = field(default_factory=dict)

    @property
    def to(self) -> str:
        return str(self.body.get("to", ""))

    @property
    def type(self) -> str:
        return str(self.body.get("type", "") if "/media" not in self.path else "upload")

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def text(self) -> str:
        """What the user reads: a text's body, an interactive message's body, a file's caption."""
        obj = self.body.get(self.type) or {}
        if self.type == "text":
            return str(obj.get("body", ""))
        if self.type == "interactive":
            return str((obj.get("body") or {}).get("text", ""))
        if self.type in ("document", "image"):
            return str(obj.get("caption", ""))
        return ""

    @property
    def options(self) -> list[tuple[str, str]]:
        """(title, id) of every reply button or list row."""
        obj = self.body.get("interactive") or {}
        action = obj.get("action") or {}
        if obj.get("type") == "button":
            return [(b["reply"]["title"], b["reply"]["id"]) for b in action.get("buttons", [])]
        if obj.get("type") == "list":
            return [(r["title"], r["id"]) for s in action.get("sections", []) for r in s.get("rows", [])]
        return []


class FakeGraph:
    """The Graph API for one business phone number, in memory, on its own clock."""

    def __init__(self, clock: FakeClock, token: str = "EAAtest" + "x" * 40, phone_id: str = "1098765",
                 app_secret: str = "app-secret-for-tests") -> None:
        self.clock = clock
        self.token, self.phone_id, self.app_secret = token, phone_id, app_secret
        self.calls: list[Call] = []
        self.media: dict[str, dict[str, Any]] = {}
        self.last_inbound: dict[str, Any] = {}       # wa_id -> when they last wrote (this fake's clock)
        self.templates: set[tuple[str, str]] = set()  # (name, language code) approved
        self.template_params: dict[tuple[str, str], int] = {}  # body parameters an approved template takes
        self.webhook_url = ""                          # the adapter's webhook, for users' messages and statuses
        self.statuses = True
        self.chaos: random.Random | None = None
        self.fail_rate = 0.0
        self.slow_rate = 0.0
        self.slow_seconds = 0.0
        self.refuse: dict[str, int] = {}               # path kind ("messages"/"media") -> error code, once each
        self.late_refusals = False                     # outside the window: 200, then a failed status (131047)
        self._ids = itertools.count(1)
        self._cond = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0

    # -- server --------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=120 << 20)
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._http = aiohttp.ClientSession()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """WHATSAPP_API_URL: the Graph API's base (the client adds /v<version>)."""
        return f"http://127.0.0.1:{self.port}"

    def set_chaos(self, seed: int, fail_rate: float = 0.0, slow_rate: float = 0.0, slow_seconds: float = 1.0) -> None:
        self.chaos = random.Random(seed)
        self.fail_rate, self.slow_rate, self.slow_seconds = fail_rate, slow_rate, slow_seconds

    def mark(self) -> int:
        return len(self.calls)

    def sent(self, to: str, after: int = 0) -> list[Call]:
        """Messages accepted for `to` (not uploads, not refused), from call `after` on."""
        return [c for c in self.calls[after:] if c.ok and c.to == to and c.type != "upload"]

    def refused(self, after: int = 0) -> list[Call]:
        return [c for c in self.calls[after:] if not c.ok]

    async def wait_for(self, pred: Callable[[Call], bool], after: int = 0, timeout: float = 30.0) -> Call:
        async def find() -> Call:
            async with self._cond:
                while True:
                    for c in self.calls[after:]:
                        if pred(c):
                            return c
                    await self._cond.wait()
        return await asyncio.wait_for(find(), timeout)

    async def _record(self, call: Call) -> None:
        async with self._cond:
            call.index = len(self.calls)
            self.calls.append(call)
            self._cond.notify_all()

    async def _handle(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        call = Call(0, path, {})
        try:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                raise Refusal(190, "Invalid OAuth access token", 401)
            if self.chaos is not None and self.chaos.random() < self.fail_rate:
                raise Refusal(2, "Service temporarily unavailable", 503)
            parts = path.strip("/").split("/")
            if request.method != "POST" or len(parts) != 3 or not parts[0].startswith("v") \
                    or parts[1] != self.phone_id or parts[2] not in ("messages", "media"):
                raise Refusal(100, "Unsupported request (WhatsApp has no such method)")
            if parts[2] in self.refuse:
                raise Refusal(self.refuse.pop(parts[2]), "Refused as the test asked")
            if parts[2] == "media":
                answer = await self._upload(request, call)
            else:
                call.body = dict(await request.json())
                answer = self._message(call)
        except Refusal as exc:
            call.status, call.code = exc.status, exc.code
            await self._record(call)
            return web.json_response({"error": {"message": exc.message, "type": "OAuthException", "code": exc.code,
                                                "error_data": {"messaging_product": "whatsapp",
                                                               "details": exc.message},
                                                "fbtrace_id": "Afake"}}, status=exc.status)
        await self._record(call)
        if call.message_id and self.statuses and self.webhook_url:
            self._spawn(self._post_statuses(call))
        if self.chaos is not None and self.chaos.random() < self.slow_rate:
            await asyncio.sleep(self.slow_seconds)  # handled, but answered late: the client may give up first
        return web.json_response(answer)

    async def _upload(self, request: web.Request, call: Call) -> dict[str, Any]:
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField) or form.get("messaging_product") != "whatsapp":
            raise Refusal(100, "file and messaging_product are required")
        mime = str(form.get("type") or upload.content_type)
        data = upload.file.read()
        if mime not in IMAGE_MIMES | DOCUMENT_MIMES:
            raise Refusal(131053, f"Media upload error: unsupported type {mime}")
        if mime in IMAGE_MIMES and len(data) > 5 << 20:
            raise Refusal(131053, "Media upload error: image over 5 MB")
        media_id = f"media{next(self._ids)}"
        self.media[media_id] = {"mime": mime, "name": upload.filename, "data": data}
        call.media = self.media[media_id]
        return {"id": media_id}

    def _message(self, call: Call) -> dict[str, Any]:
        body = call.body
        if body.get("messaging_product") != "whatsapp" or not body.get("to"):
            raise Refusal(100, "messaging_product and to are required")
        kind = body.get("type")
        obj = body.get(kind) if isinstance(kind, str) else None
        if not isinstance(obj, dict):
            raise Refusal(100, f"unknown message type {kind!r}")
        if kind == "template":
            self._template(obj)
        else:
            last = self.last_inbound.get(str(body["to"]))
            if last is None or self.clock.now() - last >= WINDOW:
                if not self.late_refusals:
                    raise Refusal(131047, "Re-engagement message: more than 24 hours since the user last wrote")
                call.late_code = 131047  # taken, then refused in a failed status webhook (as WhatsApp often does)
            {"text": self._text, "interactive": self._interactive, "document": self._file,
             "image": self._file}.get(kind, self._unknown)(obj, kind)
        call.message_id = f"wamid.fake{next(self._ids)}"
        return {"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": call.message_id}]}

    @staticmethod
    def _unknown(obj: dict[str, Any], kind: str) -> None:
        raise Refusal(100, f"unsupported message type {kind!r}")

    @staticmethod
    def _text(obj: dict[str, Any], kind: str) -> None:
        text = obj.get("body")
        if not isinstance(text, str) or not text.strip() or len(text) > TEXT_MAX:
            raise Refusal(100, "text.body must be 1-4096 characters")

    @staticmethod
    def _interactive(obj: dict[str, Any], kind: str) -> None:
        body = obj.get("body")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip() or len(text) > BODY_MAX:
            raise Refusal(131009, "interactive.body.text must be 1-1024 characters")
        header, footer = obj.get("header"), obj.get("footer")
        if header is not None and (not isinstance(header, dict) or header.get("type") != "text"
                                   or not _filled(header.get("text"), HEADER_MAX)):
            raise Refusal(131009, "a header must be text of 1-60 characters")
        if footer is not None and (not isinstance(footer, dict) or not _filled(footer.get("text"), FOOTER_MAX)):
            raise Refusal(131009, "a footer must be 1-60 characters")
        action = obj.get("action") or {}
        if obj.get("type") == "button":
            buttons = action.get("buttons") or []
            if not 1 <= len(buttons) <= 3:
                raise Refusal(131009, "buttons: 1 to 3 allowed")
            if any(b.get("type") != "reply" for b in buttons):
                raise Refusal(131009, "a reply button's type must be 'reply'")
            titles = [b.get("reply", {}).get("title", "") for b in buttons]
            ids = [b.get("reply", {}).get("id", "") for b in buttons]
            if any(not _filled(t, 20) for t in titles) or len(set(titles)) != len(titles):
                raise Refusal(131009, "button titles must be 1-20 characters and unique")
            if any(not _filled(i, 256) for i in ids) or len(set(ids)) != len(ids):
                raise Refusal(131009, "button ids must be 1-256 characters and unique")
        elif obj.get("type") == "list":
            label = action.get("button")
            sections = action.get("sections") or []
            rows = [r for s in sections for r in s.get("rows", [])]
            if not _filled(label, 20):
                raise Refusal(131009, "the list's button must be 1-20 characters")
            if not 1 <= len(sections) <= 10 or not 1 <= len(rows) <= 10:
                raise Refusal(131009, "a list takes 1-10 rows in 1-10 sections")
            if len(sections) > 1 and any(not s.get("title") for s in sections):
                raise Refusal(131009, "section titles are required with several sections")
            if any("title" in s and not _filled(s["title"], SECTION_TITLE_MAX) for s in sections):
                raise Refusal(131009, "a section title must be 1-24 characters")
            ids = [r.get("id", "") for r in rows]
            if any(not _filled(r.get("title"), 24) for r in rows):
                raise Refusal(131009, "row titles must be 1-24 characters")
            if any(len(r.get("description", "")) > 72 for r in rows):
                raise Refusal(131009, "row descriptions must be at most 72 characters")
            if any(not _filled(i, 200) for i in ids) or len(set(ids)) != len(ids):
                raise Refusal(131009, "row ids must be 1-200 characters and unique")
        else:
            raise Refusal(131009, f"unsupported interactive type {obj.get('type')!r}")

    def _file(self, obj: dict[str, Any], kind: str) -> None:
        media = self.media.get(str(obj.get("id")))
        if media is None:
            raise Refusal(131053, "unknown media id")
        if (kind == "image") != (media["mime"] in IMAGE_MIMES):
            raise Refusal(131053, f"media of type {media['mime']} cannot go as {kind}")
        if len(obj.get("caption", "")) > CAPTION_MAX:
            raise Refusal(131009, "caption over 1024 characters")

    def _template(self, obj: dict[str, Any]) -> None:
        key = (obj.get("name"), (obj.get("language") or {}).get("code"))
        if key not in self.templates:
            raise Refusal(132001, "Template name does not exist in the translation")
        params = [p for c in obj.get("components") or [] if c.get("type") == "body" for p in c.get("parameters") or []]
        expected = self.template_params.get(key)  # type: ignore[arg-type]
        if expected is not None and len(params) != expected:
            raise Refusal(132000, "Number of parameters does not match the expected number of params")
        for p in params:
            text = p.get("text") if p.get("type") == "text" else None
            if not _filled(text, 1024) or BAD_PARAM.search(str(text)):
                raise Refusal(132018, "Param text cannot have new-line/tab characters or more than 4 consecutive "
                                      "spaces")

    # -- users ---------------------------------------------------------------------
    async def _post(self, payload: dict[str, Any], signature: str | None = "good") -> int:
        raw = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "good":
            headers["X-Hub-Signature-256"] = sign(raw, self.app_secret)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        assert self._http is not None and self.webhook_url
        async with self._http.post(self.webhook_url, data=raw, headers=headers) as response:
            return response.status

    def envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        value = {"messaging_product": "whatsapp",
                 "metadata": {"display_phone_number": "15550001111", "phone_number_id": self.phone_id}, **value}
        return {"object": "whatsapp_business_account",
                "entry": [{"id": "WABA", "changes": [{"value": value, "field": "messages"}]}]}

    def message(self, wa_id: str, name: str, kind: str, content: dict[str, Any]) -> dict[str, Any]:
        return {"from": wa_id, "id": f"wamid.user{next(self._ids)}",
                "timestamp": str(int(self.clock.now().timestamp())), "type": kind, kind: content}

    async def send_user_message(self, wa_id: str, name: str, message: dict[str, Any],
                                signature: str | None = "good") -> int:
        """A user's message as WhatsApp posts it; their window opens (on this fake's clock) when it is taken."""
        payload = self.envelope({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]})
        status = await self._post(payload, signature)
        if status == 200:
            self.last_inbound[wa_id] = self.clock.now()
        return status

    async def say(self, wa_id: str, text: str, name: str = "Budi") -> int:
        return await self.send_user_message(wa_id, name, self.message(wa_id, name, "text", {"body": text}))

    async def tap(self, wa_id: str, sent: Call, option_id: str, name: str = "Budi") -> int:
        """Tap a reply button or a list row of a message the bot sent."""
        titles = {i: t for t, i in sent.options}
        assert option_id in titles, (option_id, sent.options)
        kind = "button_reply" if (sent.body.get("interactive") or {}).get("type") == "button" else "list_reply"
        reply = {"type": kind, kind: {"id": option_id, "title": titles[option_id]}}
        return await self.send_user_message(wa_id, name, self.message(wa_id, name, "interactive", reply))

    async def _post_statuses(self, call: Call) -> None:
        now = str(int(self.clock.now().timestamp()))
        if call.late_code is not None:
            try:
                await self.post_failed(call.to, call.message_id, call.late_code)
            except aiohttp.ClientError:
                pass
            return
        for status in ("sent", "delivered"):
            payload = self.envelope({"statuses": [{"id": call.message_id, "status": status, "timestamp": now,
                                                   "recipient_id": call.to}]})
            try:
                await self._post(payload)
            except aiohttp.ClientError:
                return

    async def post_failed(self, wa_id: str, message_id: str, code: int) -> int:
        """A failed status webhook (e.g. 131047, 131056), signed."""
        payload = self.envelope({"statuses": [{
            "id": message_id, "status": "failed", "timestamp": str(int(self.clock.now().timestamp())),
            "recipient_id": wa_id, "errors": [{"code": code, "title": "failed"}]}]})
        return await self._post(payload)

    async def idle(self) -> None:
        """Wait until every status webhook this fake started posting has been answered."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
