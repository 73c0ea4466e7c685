"""Offline Discord for tests: a captured HTTP side and raw gateway payloads fed into a real discord.Client."""
from __future__ import annotations

import asyncio
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import discord
from multidict import CIMultiDict

from bot.adapters.discord import DiscordAdapter

APP_ID = 900000000000000001
GUILD_ID = 900000000000000002
GUILD_CHANNEL_ID = 900000000000000003
BOT_USER = {"id": "900000000000000004", "username": "brandcoach", "discriminator": "0", "global_name": None,
            "avatar": None, "bot": True}
TIMESTAMP = "2026-01-05T08:00:00.000000+00:00"
EPHEMERAL = 64


@dataclass
class Call:
    """One HTTP request discord.py made, with its JSON payload and attached files."""

    method: str
    path: str
    params: dict[str, Any]
    json: Any
    files: dict[str, bytes] = field(default_factory=dict)
    response: Any = None

    @property
    def kind(self) -> str:
        """callback | followup | edit_original | dm_open | channel_message | sync | other."""
        if re.fullmatch(r"/interactions/\d+/[^/]+/callback", self.path):
            return "callback"
        if re.fullmatch(r"/webhooks/\d+/[^/]+", self.path) and self.method == "POST":
            return "followup"
        if self.path.endswith("/messages/@original") and self.method == "PATCH":
            return "edit_original"
        if self.path == "/users/@me/channels":
            return "dm_open"
        if re.fullmatch(r"/channels/\d+/messages", self.path) and self.method == "POST":
            return "channel_message"
        if self.path.endswith("/commands") and self.method == "PUT":
            return "sync"
        return "other"

    @property
    def message(self) -> dict[str, Any] | None:
        """The message a call posts: a followup, a DM, or an interaction callback's data."""
        if self.kind in ("followup", "channel_message", "edit_original"):
            return self.json
        if self.kind == "callback" and isinstance(self.json, dict):
            return self.json.get("data")
        return None

    @property
    def flags(self) -> int:
        msg = self.message or {}
        return int(msg.get("flags") or 0)

    @property
    def content(self) -> str:
        return str((self.message or {}).get("content") or "")


class FakeResponse:
    def __init__(self, status: int, body: Any, reason: str = "OK") -> None:
        self.status = status
        self.reason = reason
        self._text = "" if body is None else json.dumps(body)
        self.headers: CIMultiDict[str] = CIMultiDict({"content-type": "application/json"})

    async def text(self, encoding: str = "utf-8") -> str:
        return self._text

    async def read(self) -> bytes:
        return self._text.encode()

    def release(self) -> None:
        return None

    async def __aenter__(self) -> FakeResponse:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class FakeHTTP:
    """Stands in for the aiohttp session discord.py talks through; records every request and answers it."""

    closed = False

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._ids = itertools.count(950000000000000000)
        self.dm_fail: dict[str, tuple[int, int, str]] = {}   # user id -> (status, code, message) on DM send
        self.dm_channels: dict[str, str] = {}                # DM channel id -> user id
        self.messages: dict[str, dict[str, Any]] = {}
        self.originals: dict[str, str] = {}   # interaction token -> the message its @original is
        self.created: list[str] = []          # ids of the messages posted, in order (callbacks, followups, DMs)

    def next_id(self) -> str:
        return str(next(self._ids))

    def request(self, method: str, url: str, **kwargs: Any) -> FakeResponse:
        path = urlsplit(url).path
        path = re.sub(r"^/api/v\d+", "", path)
        payload, files = _decode(kwargs.get("data"))
        call = Call(method, path, dict(kwargs.get("params") or {}), payload, files)
        self.calls.append(call)
        status, body = self._answer(call)
        call.response = body
        return FakeResponse(status, body, "OK" if status < 400 else "Error")

    def _message(self, channel_id: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        payload = payload or {}
        msg = {"id": self.next_id(), "channel_id": channel_id, "author": BOT_USER, "content": payload.get("content") or "",
               "timestamp": TIMESTAMP, "edited_timestamp": None, "tts": False, "mention_everyone": False,
               "mentions": [], "mention_roles": [], "attachments": [], "embeds": [], "pinned": False, "type": 0,
               "flags": payload.get("flags") or 0, "components": payload.get("components") or []}
        self.messages[msg["id"]] = msg
        return msg

    def _answer(self, call: Call) -> tuple[int, Any]:
        m = re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", call.path)
        if m:
            kind = int((call.json or {}).get("type") or 0)
            if kind in (4, 5):  # a new message (or its "thinking" placeholder): the interaction's @original
                msg = self._message(str(GUILD_CHANNEL_ID), (call.json or {}).get("data") or {})
                self.created.append(msg["id"])
                self.originals[m.group(2)] = msg["id"]
            elif kind == 7 and m.group(2) in self.originals:
                self.messages[self.originals[m.group(2)]].update(_edited(call.json.get("data") or {}))
            return 200, {"interaction": {"id": m.group(1), "type": 2}}
        if call.kind == "edit_original":
            token = call.path.split("/")[3]
            target = self.messages.get(self.originals.get(token, ""))
            if target is None:
                return 404, {"code": 10008, "message": "Unknown Message"}
            target.update(_edited(call.json or {}))
            return 200, dict(target)
        if call.kind == "followup":
            msg = self._message(str(GUILD_CHANNEL_ID), call.json)
            self.created.append(msg["id"])
            return 200, msg
        if call.kind == "dm_open":
            user_id = str(call.json["recipient_id"])
            channel_id = next((c for c, u in self.dm_channels.items() if u == user_id), None) or self.next_id()
            self.dm_channels[channel_id] = user_id
            recipient = {"id": user_id, "username": f"user{user_id[-4:]}", "discriminator": "0", "avatar": None}
            return 200, {"id": channel_id, "type": 1, "recipients": [recipient], "last_message_id": None}
        if call.kind == "channel_message":
            channel_id = call.path.split("/")[2]
            fail = self.dm_fail.get(self.dm_channels.get(channel_id, ""))
            if fail is not None:
                return fail[0], {"code": fail[1], "message": fail[2]}
            msg = self._message(channel_id, call.json)
            self.created.append(msg["id"])
            return 200, msg
        if call.method == "GET" and call.path == "/users/@me":
            return 200, BOT_USER
        if call.method == "GET" and call.path == "/oauth2/applications/@me":
            return 200, {"id": str(APP_ID), "name": "brandcoach", "description": "", "icon": None, "rpc_origins": [],
                         "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0,
                         "owner": {"id": "900000000000000009", "username": "owner", "discriminator": "0",
                                   "avatar": None}, "team": None, "summary": "", "interactions_endpoint_url": None}
        if call.kind == "sync":
            return 200, [dict(cmd, id=self.next_id(), application_id=str(APP_ID), version="1",
                              default_member_permissions=None, type=1) for cmd in call.json]
        return 404, {"code": 0, "message": "404: Not Found"}

    async def close(self) -> None:
        return None


def _edited(payload: dict[str, Any]) -> dict[str, Any]:
    """The fields an edit changes (a missing key keeps the old value; components [] removes them)."""
    return {k: payload[k] for k in ("content", "components", "attachments") if k in payload}


def _decode(data: Any) -> tuple[Any, dict[str, bytes]]:
    """The JSON payload and files of a request body (a JSON string or aiohttp FormData)."""
    if data is None:
        return None, {}
    if isinstance(data, (str, bytes)):
        return json.loads(data), {}
    payload: Any = None
    files: dict[str, bytes] = {}
    for type_options, _headers, value in data._fields:  # aiohttp.FormData
        name = type_options.get("name")
        if name == "payload_json":
            payload = json.loads(value)
        else:
            raw = value.read() if hasattr(value, "read") else value
            if hasattr(value, "seek"):
                value.seek(0)
            files[str(type_options.get("filename") or name)] = raw if isinstance(raw, bytes) else str(raw).encode()
    return payload, files


def user_payload(user_id: str, name: str) -> dict[str, Any]:
    return {"id": user_id, "username": name.lower(), "discriminator": "0", "global_name": name, "avatar": None}


def components_of(message: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every button and select in a message payload (flattening action rows)."""
    out: list[dict[str, Any]] = []
    for row in (message or {}).get("components") or []:
        out.extend(row.get("components") or [])
    return out


def choice_values(message: dict[str, Any] | None) -> dict[str, tuple[str, dict[str, Any]]]:
    """Core choice value -> (custom id, component) for every button and select option of a message."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for comp in components_of(message):
        cid = comp.get("custom_id", "")
        if comp.get("type") == 2 and cid.count("|") >= 3 and cid.split("|")[2] == "btn":
            out[cid.split("|", 3)[3]] = (cid, comp)
        elif comp.get("type") == 3:
            for opt in comp.get("options", []):
                out[opt["value"]] = (cid, comp)
    return out


class Harness:
    """Drives a DiscordAdapter with raw INTERACTION_CREATE / MESSAGE_CREATE payloads; returns the HTTP calls."""

    def __init__(self, adapter: DiscordAdapter, http: FakeHTTP) -> None:
        self.adapter = adapter
        self.http = http
        self.client = adapter.client
        self.interactions = 0   # INTERACTION_CREATE events fed
        self.slowest = 0.0      # the longest an interaction took to be fully handled (seconds, for reports)

    @classmethod
    async def create(cls, adapter: DiscordAdapter) -> Harness:
        http = FakeHTTP()
        await adapter.prepare()
        state = adapter.client._connection
        state.application_id = APP_ID
        state.user = discord.ClientUser(state=state, data=BOT_USER)  # what login() would fetch
        # What HTTPClient.static_login sets up, minus the network: the session and the global rate-limit gate.
        adapter.client.http._HTTPClient__session = http  # type: ignore[attr-defined]
        adapter.client.http._global_over = asyncio.Event()
        adapter.client.http._global_over.set()
        return cls(adapter, http)

    async def settle(self) -> None:
        """Wait until every task discord.py started for the fed events has finished (no sleeping)."""
        me = asyncio.current_task()
        while True:
            pending = [t for t in asyncio.all_tasks() if t is not me and not t.done()
                       and (t.get_name().startswith(("discord", "CommandTree")))]
            if not pending:
                return
            await asyncio.gather(*pending, return_exceptions=True)

    async def feed(self, event: str, data: dict[str, Any]) -> list[Call]:
        """Parse a raw gateway event as the websocket would, run what it starts, return the new HTTP calls.

        An interaction must be acknowledged exactly once, by its first request (nothing on the network before:
        the adapter answers within Discord's 3 seconds unless the core itself is slow, see ack_budget).
        """
        start = len(self.http.calls)
        loop = asyncio.get_running_loop()
        began = loop.time()
        self.client._connection.parsers[event](data)
        await self.settle()
        calls = self.http.calls[start:]
        if event == "INTERACTION_CREATE":
            self.interactions += 1
            mine = [c for c in calls if f"/{data['token']}" in c.path]
            callbacks = [c for c in mine if c.kind == "callback"]
            assert len(callbacks) == 1 and mine[0] is callbacks[0], f"not acknowledged once and first: {mine}"
            self.slowest = max(self.slowest, loop.time() - began)
        return calls

    def _interaction(self, itype: int, data: dict[str, Any], user: dict[str, Any], *, guild: bool, locale: str,
                     message: dict[str, Any] | None = None) -> dict[str, Any]:
        iid = self.http.next_id()
        dm_channel = str(int(user["id"]) + 1)
        payload: dict[str, Any] = {
            "id": iid, "application_id": str(APP_ID), "type": itype, "token": f"token-{iid}", "version": 1,
            "locale": locale, "data": data, "app_permissions": "0", "entitlements": [],
            "attachment_size_limit": 10485760,
            "channel_id": str(GUILD_CHANNEL_ID) if guild else dm_channel,
            "channel": ({"id": str(GUILD_CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID), "name": "general",
                         "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None}
                        if guild else {"id": dm_channel, "type": 1, "recipients": [user]}),
            "authorizing_integration_owners": {"0": str(GUILD_ID)} if guild else {"1": user["id"]},
            "context": 0 if guild else 1,
        }
        if guild:
            payload["guild_id"] = str(GUILD_ID)
            payload["guild_locale"] = "en-US"
            payload["member"] = {"user": user, "roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False,
                                 "permissions": "2248473465835073", "flags": 0, "nick": None, "avatar": None}
        else:
            payload["user"] = user
        if message is not None:
            payload["message"] = message
            self.http.originals[payload["token"]] = message["id"]
        return payload

    async def slash(self, user: dict[str, Any], name: str, options: dict[str, str] | None = None, *,
                    guild: bool = True, locale: str = "id") -> list[Call]:
        data = {"id": self.http.next_id(), "name": name, "type": 1,
                "options": [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()]}
        return await self.feed("INTERACTION_CREATE", self._interaction(2, data, user, guild=guild, locale=locale))

    async def press(self, user: dict[str, Any], custom_id: str, *, values: list[str] | None = None,
                    message: dict[str, Any] | None = None, guild: bool = True, locale: str = "id") -> list[Call]:
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2 if values is None else 3}
        if values is not None:
            data["values"] = values
        msg = message or self.http._message(str(GUILD_CHANNEL_ID), {"content": "?"})
        return await self.feed("INTERACTION_CREATE",
                               self._interaction(3, data, user, guild=guild, locale=locale, message=msg))

    async def submit(self, user: dict[str, Any], custom_id: str, text: str | dict[str, str], *,
                     message: dict[str, Any] | None = None, guild: bool = True, locale: str = "id") -> list[Call]:
        """A form submitted: one text (the input "answer"), or input custom id -> value in the form's order."""
        values = {"answer": text} if isinstance(text, str) else text
        data = {"custom_id": custom_id, "components": [
            {"type": 18, "id": 2 * n + 1, "component": {"type": 4, "id": 2 * n + 2, "custom_id": cid, "value": v}}
            for n, (cid, v) in enumerate(values.items())]}
        return await self.feed("INTERACTION_CREATE",
                               self._interaction(5, data, user, guild=guild, locale=locale, message=message))

    async def dm(self, user: dict[str, Any], content: str) -> list[Call]:
        channel_id = str(int(user["id"]) + 1)
        self.http.dm_channels.setdefault(channel_id, user["id"])
        data = {"id": self.http.next_id(), "channel_id": channel_id, "author": user, "content": content,
                "timestamp": TIMESTAMP, "edited_timestamp": None, "tts": False, "mention_everyone": False,
                "mentions": [], "mention_roles": [], "attachments": [], "embeds": [], "pinned": False, "type": 0,
                "flags": 0, "components": []}
        return await self.feed("MESSAGE_CREATE", data)

