"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the Telegram adapter.

Speaks the real wire format python-telegram-bot uses: POST /bot<token>/<method> with form-encoded bodies whose
nested fields (reply_markup, commands, scope...) are JSON strings, multipart for uploaded files; answers
{"ok": true, "result": ...} or {"ok": false, "error_code", "description", "parameters"}.
Tests push updates (user messages, taps) and read what the bot sent; failures (429, 403, 502) can be injected.
"""
from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities",
               "link_preview_options", "reply_parameters", "media"}


@dataclass
class Call:
    """One request the bot made."""

    index: int
    method: str
    params: dict[str, Any]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: int = 200
    result: Any = None

    @property
    def chat_id(self) -> int | None:
        return _int(self.params.get("chat_id"))

    @property
    def message_id(self) -> int | None:
        """The id of the message this call sent or edited."""
        if isinstance(self.result, dict):
            return self.result.get("message_id")
        return _int(self.params.get("message_id"))

    @property
    def text(self) -> str:
        """The visible text sent (message text or caption)."""
        raw = str(self.params.get("text", self.params.get("caption", "")))
        try:
            return visible(raw, self.params.get("parse_mode"))
        except ValueError:
            return raw

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data or url) of every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        return [(b["text"], b.get("callback_data") or b.get("url", "")) for row in
                markup.get("inline_keyboard", []) for b in row]


@dataclass
class Failure:
    method: str
    status: int
    retry_after: int | None
    times: int
    chat_id: int | None
    description: str


def visible(text: str, parse_mode: str | None) -> str:
    """What a Telegram user would see: HTML tags dropped and entities decoded."""
    if (parse_mode or "").upper() == "HTML":
        if re.search(r"<(?!/?(b|i|u|s|a|code|pre|tg-spoiler|blockquote)\b)[^>]*>", text):
            raise ValueError("unsupported HTML tag")  # as Telegram: can't parse entities
        return html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegram:
    """The Bot API for one bot, in memory."""

    def __init__(self, token: str = "123456:TEST-token", username: str = "brandcoach_test_bot") -> None:
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":")[0])
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1000
        self.confirmed_offset = 0
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message id) -> stored message
        self.raw_html: dict[tuple[int, int], str] = {}
        self.next_message_id: dict[int, int] = {}
        self.failures: list[Failure] = []
        self.blocked: set[int] = set()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] = {}
        self.answers: list[dict[str, Any]] = []
        # Test hook run on every request before it is handled (crash tests kill the bot here); True = the request
        # is lost in transit: not applied (a getUpdates offset confirms nothing), not recorded, answered 502.
        self.intercept: Callable[[Call], Awaitable[bool]] | None = None
        self._cond = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- server ------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=50 << 20)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        async with self._cond:
            self._cond.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """The adapter's TELEGRAM_API_URL (PTB's base_url form: the token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        params: dict[str, Any] = {}
        files: dict[str, dict[str, Any]] = {}
        ctype = request.content_type
        if ctype == "application/json":
            params = dict(await request.json())
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = {"filename": value.filename, "content_type": value.content_type,
                                  "data": value.file.read()}
                else:
                    params[key] = json.loads(value) if key in JSON_FIELDS else value
        for key, value in list(params.items()):  # attach://name points at a multipart part
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                files[key] = files.pop(value[9:])
                del params[key]
        return params, files

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"].lower()
        params, files = await self._params(request)
        call = Call(0, method, params, files)
        if self.intercept is not None and await self.intercept(call):
            return self._error(502, "Bad Gateway")
        if method == "getupdates":
            await self._record(call)  # its offset confirms earlier updates right away
        response = await self._respond(call)
        if method != "getupdates":
            await self._record(call)
        return response

    async def _record(self, call: Call) -> None:
        async with self._cond:
            call.index = len(self.calls)
            self.calls.append(call)
            self._cond.notify_all()

    async def _respond(self, call: Call) -> web.Response:
        method, params, files = call.method, call.params, call.files
        failure = self._take_failure(method, params)
        if failure is not None:
            call.status = failure.status
            return self._error(failure.status, failure.description, failure.retry_after)
        chat = _int(params.get("chat_id"))
        if chat is not None and chat in self.blocked and method.startswith(("send", "edit")):
            call.status = 403
            return self._error(403, "Forbidden: bot was blocked by the user")
        handler = getattr(self, f"m_{method}", None)
        if handler is None:
            call.status = 404
            return self._error(404, "Not Found")
        try:
            call.result = await handler(params, files)
        except ApiError as exc:
            call.status = exc.status
            return self._error(exc.status, exc.description)
        return web.json_response({"ok": True, "result": call.result})

    @staticmethod
    def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self.failures:
            if failure.method.lower() == method and failure.times > 0 and (
                    failure.chat_id is None or failure.chat_id == _int(params.get("chat_id"))):
                failure.times -= 1
                if failure.times == 0:
                    self.failures.remove(failure)
                return failure
        return None

    # -- injected failures ---------------------------------------------------------
    def fail(self, method: str, status: int = 429, retry_after: int | None = None, times: int = 1,
             chat_id: int | None = None, description: str = "") -> None:
        """Make the next `times` calls of `method` fail (429 with retry_after, 502, 403...)."""
        if not description:
            description = {429: f"Too Many Requests: retry after {retry_after}", 403: "Forbidden: bot was blocked"
                           " by the user", 502: "Bad Gateway"}.get(status, "Error")
        self.failures.append(Failure(method, status, retry_after, times, chat_id, description))

    def refuse_getme(self, status: int = 401, times: int = 1000) -> None:
        """Answer getMe with 401 (a token Telegram rejects) or 500 (Telegram failing), `times` times."""
        description = {401: "Unauthorized", 500: "Internal Server Error"}.get(status, "Error")
        self.fail("getme", status=status, times=times, description=description)

    # -- Bot API methods -------------------------------------------------------------
    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "brandcoach", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def m_getme(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method getme."""
        return self.bot_user()

    async def m_deletewebhook(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method deletewebhook."""
        self.webhook = {}
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self.updates.clear()
        return True

    async def m_setwebhook(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method setwebhook."""
        self.webhook = dict(params)
        return True

    async def m_getwebhookinfo(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method getwebhookinfo."""
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    async def m_getupdates(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method getupdates."""
        if self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = _int(params.get("offset")) or 0
        timeout = float(params.get("timeout") or 0)
        limit = _int(params.get("limit")) or 100
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        async with self._cond:
            while not self.updates and timeout > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    await asyncio.wait_for(self._cond.wait(), left)
                except asyncio.TimeoutError:
                    break
        return self.updates[:limit]

    def _store(self, chat_id: int, extra: dict[str, Any], raw: str = "") -> dict[str, Any]:
        mid = self.next_message_id.get(chat_id, 1)
        self.next_message_id[chat_id] = mid + 1
        message = {"message_id": mid, "date": int(time.time()), "from": self.bot_user(),
                   "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}, **extra}
        self.messages[(chat_id, mid)] = message
        self.raw_html[(chat_id, mid)] = raw
        return message

    def _text(self, params: dict[str, Any], key: str, limit: int) -> str:
        raw = str(params.get(key, ""))
        try:
            shown = visible(raw, params.get("parse_mode"))
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse entities") from None
        if utf16_len(shown) > limit:
            raise ApiError(400, f"Bad Request: {'message' if key == 'text' else 'caption'} is too long")
        return shown

    async def m_sendmessage(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method sendmessage."""
        chat_id = _int(params.get("chat_id"))
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat not found")
        text = self._text(params, "text", 4096)
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        extra: dict[str, Any] = {"text": text}
        if params.get("reply_markup"):
            extra["reply_markup"] = params["reply_markup"]
        return self._store(chat_id, extra, str(params.get("text", "")))

    async def m_senddocument(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method senddocument."""
        chat_id = _int(params.get("chat_id"))
        if chat_id is None or "document" not in files:
            raise ApiError(400, "Bad Request: there is no document in the request")
        doc = files["document"]
        extra: dict[str, Any] = {"document": {"file_id": f"doc{len(self.calls)}", "file_unique_id": "u",
                                              "file_name": doc["filename"], "mime_type": doc["content_type"],
                                              "file_size": len(doc["data"])}}
        if params.get("caption"):
            extra["caption"] = self._text(params, "caption", 1024)
        return self._store(chat_id, extra, str(params.get("caption", "")))

    async def m_sendphoto(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method sendphoto: an uploaded PNG or JPEG of at most 10 MB, sides adding up to 10000 at most."""
        chat_id = _int(params.get("chat_id"))
        if chat_id is None or "photo" not in files:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        data = files["photo"]["data"]
        size = _image_size(data)
        if size is None:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        width, height = size
        if len(data) > 10 * 1024 * 1024 or width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        extra: dict[str, Any] = {"photo": [{"file_id": f"photo{len(self.calls)}", "file_unique_id": "p",
                                            "width": width, "height": height, "file_size": len(data)}]}
        if params.get("caption"):
            extra["caption"] = self._text(params, "caption", 1024)
        return self._store(chat_id, extra, str(params.get("caption", "")))

    def _message(self, params: dict[str, Any]) -> tuple[tuple[int, int], dict[str, Any]]:
        key = (_int(params.get("chat_id")) or 0, _int(params.get("message_id")) or 0)
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return key, self.messages[key]

    async def m_editmessagetext(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method editmessagetext."""
        key, message = self._message(params)
        text = self._text(params, "text", 4096)
        markup = params.get("reply_markup")
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = text
        self.raw_html[key] = str(params.get("text", ""))
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    async def m_editmessagereplymarkup(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method editmessagereplymarkup."""
        _key, message = self._message(params)
        markup = params.get("reply_markup")
        if markup == message.get("reply_markup") or (not markup and "reply_markup" not in message):
            raise ApiError(400, "Bad Request: message is not modified")
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    async def m_answercallbackquery(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method answercallbackquery."""
        self.answers.append(params)
        return True

    async def m_setmycommands(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method setmycommands."""
        commands = params.get("commands") or []
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c["command"]) or not 1 <= len(c["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[params.get("language_code") or ""] = commands
        return True

    async def m_getmycommands(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method getmycommands."""
        return self.commands.get(params.get("language_code") or "", [])

    async def m_deletemycommands(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Bot API method deletemycommands."""
        self.commands.pop(params.get("language_code") or "", None)
        return True

    # -- what users do ---------------------------------------------------------------------
    async def push(self, body: dict[str, Any]) -> int:
        """Queue one update; returns its update_id."""
        self.next_update_id += 1
        update = {"update_id": self.next_update_id, **body}
        async with self._cond:
            self.updates.append(update)
            self._cond.notify_all()
        return self.next_update_id

    @staticmethod
    def user(uid: int, first_name: str = "Budi", language_code: str | None = "id") -> dict[str, Any]:
        user: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def _incoming(self, user: dict[str, Any], chat: dict[str, Any] | None = None, **content: Any) -> dict[str, Any]:
        chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        self.next_message_id[chat["id"]] = self.next_message_id.get(chat["id"], 1) + 1
        message = {"message_id": self.next_message_id[chat["id"]] - 1, "date": int(time.time()), "chat": chat,
                   "from": user, **content}
        text = content.get("text", "")
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return message

    async def say(self, user: dict[str, Any], text: str) -> int:
        """The user sends text (or a /command) in their private chat with the bot."""
        return await self.push({"message": self._incoming(user, text=text)})

    async def sticker(self, user: dict[str, Any]) -> int:
        return await self.push({"message": self._incoming(user, sticker={
            "file_id": "stk1", "file_unique_id": "stk1u", "type": "regular", "width": 512, "height": 512,
            "is_animated": False, "is_video": False, "emoji": "😀"})})

    async def media(self, user: dict[str, Any], **content: Any) -> int:
        """The user sends a non-text message (photo=[...], voice={...}, location={...}, contact={...})."""
        return await self.push({"message": self._incoming(user, **content)})

    async def edit(self, user: dict[str, Any], message_id: int, text: str) -> int:
        """The user edits an earlier message (an edited_message update)."""
        message = self._incoming(user, text=text)
        message["message_id"] = message_id
        message["edit_date"] = int(time.time())
        return await self.push({"edited_message": message})

    async def group_say(self, user: dict[str, Any], group_id: int, text: str) -> int:
        chat = {"id": group_id, "type": "group", "title": "Komunitas Kreator"}
        return await self.push({"message": self._incoming(user, chat, text=text)})

    async def tap(self, user: dict[str, Any], message_id: int, data: str, chat_id: int | None = None) -> int:
        """The user taps an inline button (any data: forged values too) under one of the bot's messages."""
        chat_id = chat_id if chat_id is not None else user["id"]
        message = self.messages[(chat_id, message_id)]
        return await self.push({"callback_query": {
            "id": f"cq{self.next_update_id + 1}", "from": user, "chat_instance": f"ci{chat_id}",
            "message": json.loads(json.dumps(message)), "data": data}})

    async def block(self, user: dict[str, Any]) -> int:
        """The user blocks the bot: sends fail with 403 and a my_chat_member update arrives."""
        self.blocked.add(user["id"])
        return await self.push({"my_chat_member": {
            "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]}, "from": user,
            "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": self.bot_user()},
            "new_chat_member": {"status": "kicked", "user": self.bot_user(), "until_date": 0}}})

    # -- what the bot did ---------------------------------------------------------------------
    def mark(self) -> int:
        """An index into the calls: pass it as `after` to look only at what comes next."""
        return len(self.calls)

    async def wait_for(self, pred: Callable[[Call], bool], after: int = 0, timeout: float = 10.0) -> Call:
        """The first call (from index `after`) matching `pred`, waiting for it up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        async with self._cond:
            while True:
                for call in self.calls[after:]:
                    if pred(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching call; calls since {after}: "
                                         + "; ".join(f"{c.method} {str(c.params)[:160]}" for c in self.calls[after:]))
                try:
                    await asyncio.wait_for(self._cond.wait(), left)
                except asyncio.TimeoutError:
                    pass

    async def wait_confirmed(self, update_id: int, timeout: float = 10.0) -> None:
        """Until the bot has confirmed (offset past) an update."""
        await self.wait_for(lambda c: c.method == "getupdates" and (_int(c.params.get("offset")) or 0) > update_id,
                            timeout=timeout)

    def sent(self, chat_id: int, after: int = 0) -> list[Call]:
        """Successful sendMessage/sendDocument/sendPhoto calls to a chat, in order."""
        return [c for c in self.calls[after:] if c.method in ("sendmessage", "senddocument", "sendphoto")
                and c.status == 200
                and _int(c.params.get("chat_id")) == chat_id]


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, read from its header; None if it is neither."""
    import struct

    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return width, height
            i += 2 + length
    return None


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released): connecting to it is refused."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
