"""python-telegram-bot's HTTP requests on aiohttp's client: a small keep-alive pool, one write per small request.

PTB's default client (httpx over httpcore over anyio) costs more CPU per Bot API call than the rest of a reply;
aiohttp is already a dependency (the webhook server). Errors map as PTB expects: a timeout is `TimedOut`, any other
transport failure `NetworkError`; error statuses (429 with its JSON `retry_after`, 5xx) are left to PTB's
`BaseRequest`, which raises RetryAfter/NetworkError from them. A failure before the request could leave (no
connection from the pool in time, connection refused or timed out) carries a `NotSent` cause, so the transport may
repeat even a send; a read timeout or a dropped connection never does (Telegram may have processed it).
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import urlencode

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram._utils.defaultvalue import DefaultValue

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


class NotSent(Exception):
    """The cause of a NetworkError/TimedOut raised before any byte of the request went out."""


def _seconds(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class JsonParams:
    """A Bot API call's parameters already in the shape Telegram reads (nested objects as dicts), sent as one
    `application/json` body, which the Bot API takes for any call without a file upload.

    The adapter's hot path (replies, edits, answers to taps) builds these itself and posts them through
    `BaseRequest.post` (`as_request_data`), so PTB still maps every error status (RetryAfter, Forbidden,
    BadRequest...): what it skips is PTB's per-parameter conversion, the form encoding and the parsing of the result
    into a `Message` nobody reads, which together cost more CPU than the rest of a reply. PTB's `RequestData` is
    final; this offers what of it PTB and our `do_request` read (PTB only hands it on to `do_request`)."""

    __slots__ = ("parameters",)
    contains_files = False

    def __init__(self, parameters: dict[str, Any]) -> None:
        self.parameters = parameters

    @property
    def json_payload(self) -> bytes:
        return json.dumps(self.parameters, ensure_ascii=False, separators=(",", ":")).encode()

    def as_request_data(self) -> RequestData:
        """Itself, typed as what `BaseRequest.post` takes (it goes through to AiohttpRequest.do_request as is)."""
        return cast(RequestData, self)


class AiohttpRequest(BaseRequest):
    """A `telegram.request.BaseRequest` on one aiohttp `ClientSession` (created in `initialize`, in the loop)."""

    def __init__(self, pool: int = 16, *, read_timeout: float | None = 15.0, write_timeout: float | None = 15.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 10.0,
                 media_write_timeout: float | None = 30.0,
                 before: Callable[[], Awaitable[None]] | None = None) -> None:
        self.pool = pool
        self.before = before  # awaited before every request (getUpdates: what it confirms is recorded first)
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-polling timeout to it for getUpdates)."""
        return self._read

    async def initialize(self) -> None:
        """Open the session and its connection pool (keep-alive) if not open."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.pool, limit_per_host=0, keepalive_timeout=30.0,
                                             ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT},
                                                  auto_decompress=True)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    @staticmethod
    def body(request_data: RequestData | JsonParams | None) -> tuple[Any, dict[str, str] | None]:
        """The request body: form-urlencoded parameters (as PTB's own client sends them), multipart with files, or
        JSON for the adapter's own calls (JsonParams)."""
        if request_data is None:
            return None, None
        if isinstance(request_data, JsonParams):  # the adapter's own calls
            return request_data.json_payload, JSON
        files = request_data.multipart_data if request_data.contains_files else None
        if not files:
            return urlencode(request_data.json_parameters).encode(), FORM
        form = aiohttp.FormData(quote_fields=False)
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, part in files.items():
            filename, content = part[0], part[1]
            mime = part[2] if len(part) > 2 else None  # type: ignore[misc]
            form.add_field(name, content, filename=filename, content_type=mime)
        return form, None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        """One HTTP request: (status, body); TimedOut/NetworkError on transport failures (see the module doc)."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        if self.before is not None:
            await self.before()
        data, headers = self.body(request_data)
        read = _seconds(read_timeout, self._read)
        connect = _seconds(connect_timeout, self._connect)
        wait = _seconds(pool_timeout, self._pool)
        write = _seconds(write_timeout, self._write if headers is not None else self._media_write)
        timeout = aiohttp.ClientTimeout(
            total=None, sock_read=read, sock_connect=connect,
            connect=None if connect is None or wait is None else connect + wait)  # the pool wait + the connect
        # aiohttp has no write timeout: a whole-request guard stands in for it (and for a stalled upload).
        guard = None if None in (read, write, connect, wait) else read + write + connect + wait  # type: ignore[operator]
        try:
            async with asyncio.timeout(guard):
                async with session.request(method, url, data=data, headers=headers, timeout=timeout) as response:
                    return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise TimedOut("Pool or connect timeout: the request was not sent to Telegram") from NotSent(str(err))
        except aiohttp.ClientConnectorError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from NotSent(str(err))
        except TimeoutError as err:  # a read timeout, or the guard: the request may have been processed
            raise TimedOut() from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
