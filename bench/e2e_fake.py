"""A fast fake Bot API for bench/e2e.py: plain asyncio HTTP/1.1 on 127.0.0.1, keep-alive, long-polled getUpdates.

Not strict (tests/fake_telegram.py is): it answers every method a bot under test calls with a plausible result and
records, per chat, when the bot's replies arrive. Chats are driven by callbacks the bench registers.
"""
from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson

BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Bench", "username": "bench_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
CHAT_ID = re.compile(rb'name="chat_id"\r\n\r\n(-?\d+)')
# What a reply is, for the bench: "send" (a new message) or "edit" (the tapped message changed).
KIND = {"sendmessage": "send", "senddocument": "doc", "sendphoto": "photo", "editmessagetext": "edit",
        "editmessagereplymarkup": "edit"}


class FakeBotAPI:
    """Holds the pending updates; `on_reply(chat_id, kind, text)` is called for every message the bot sends/edits."""

    def __init__(self, on_reply: Callable[[int, str, str], None]) -> None:
        self.on_reply = on_reply
        self.pending: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.next_message_id = 1
        self.calls: dict[str, int] = {}
        self._wake = asyncio.Event()
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        self._wake.set()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- updates -----------------------------------------------------------------
    def push(self, update: dict[str, Any]) -> int:
        update["update_id"] = uid = self.next_update_id
        self.next_update_id += 1
        self.pending.append(update)
        self._wake.set()
        return uid

    async def _get_updates(self, params: dict[str, str]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while not self.pending and time.monotonic() < deadline:
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                break
        limit = int(params.get("limit") or 100)
        return self.pending[:limit]

    # -- HTTP --------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line, _, rest = head.partition(b"\r\n")
                path = line.split(b" ")[1].decode()
                length = 0
                ctype = b""
                for h in rest.split(b"\r\n"):
                    name, _, value = h.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"content-type":
                        ctype = value.strip()
                body = await reader.readexactly(length) if length else b""
                method = path.rsplit("/", 1)[-1].lower()
                result = await self._answer(method, ctype, body)
                payload = orjson.dumps({"ok": True, "result": result})
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(payload)).encode() + b"\r\n\r\n" + payload)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except asyncio.CancelledError:  # the server closes at the end of a run
            pass
        finally:
            writer.close()

    def _params(self, ctype: bytes, body: bytes) -> dict[str, str]:
        if ctype.startswith(b"application/json"):
            return {k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in orjson.loads(body).items()}
        if ctype.startswith(b"multipart/"):
            m = CHAT_ID.search(body)
            return {"chat_id": m.group(1).decode()} if m else {}
        return dict(parse_qsl(body.decode()))

    async def _answer(self, method: str, ctype: bytes, body: bytes) -> Any:
        self.calls[method] = self.calls.get(method, 0) + 1
        if method == "getupdates":
            return await self._get_updates(self._params(ctype, body))
        if method == "getme":
            return BOT_USER
        kind = KIND.get(method)
        if kind is None:
            return True  # setMyCommands, deleteWebhook, answerCallbackQuery...
        params = self._params(ctype, body)
        chat = int(params.get("chat_id") or 0)
        text = params.get("text", "")
        self.on_reply(chat, kind, text)
        if method == "editmessagereplymarkup":
            return True
        self.next_message_id += 1
        return {"message_id": self.next_message_id, "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": chat, "type": "private", "first_name": "U"}, "text": text}


def user(chat: int, lang: str = "id") -> dict[str, Any]:
    return {"id": chat, "is_bot": False, "first_name": f"U{chat}", "language_code": lang}


def message_update(chat: int, text: str, message_id: int) -> dict[str, Any]:
    msg: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "text": text, "from": user(chat),
                           "chat": {"id": chat, "type": "private", "first_name": f"U{chat}"}}
    if text.startswith("/"):
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"message": msg}


def tap_update(chat: int, data: str, message_id: int, shown: str) -> dict[str, Any]:
    msg = {"message_id": message_id, "date": int(time.time()), "text": shown, "from": BOT_USER,
           "chat": {"id": chat, "type": "private", "first_name": f"U{chat}"}}
    return {"callback_query": {"id": f"{chat}-{message_id}-{len(data)}", "from": user(chat), "chat_instance": str(chat),
                               "data": data, "message": msg}}
