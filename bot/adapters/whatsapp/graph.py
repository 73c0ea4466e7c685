"""The Graph API calls the channel makes (send a message, upload a file), on pywa's async client, and what their
failures mean for the caller (bot/adapters/base.py's RetryLater, UserUnreachable, DeliveryUnknown).

pywa (imported here only, when WhatsApp is configured) builds the requests and turns an error answer into its typed
WhatsAppError with Meta's code; the HTTP client is our own httpx client, so that WHATSAPP_API_URL can point it at
another base URL (a fake Graph API on loopback in the tests). pywa logs request bodies (with the user's phone
number) at debug level: its loggers are kept at WARNING.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.adapters.base import DeliveryUnknown, RetryLater, UserUnreachable

if TYPE_CHECKING:
    import httpx
    from pywa_async.api import GraphAPIAsync

log = logging.getLogger(__name__)

API_VERSION = "21.0"
DEFAULT_BASE = "https://graph.facebook.com"
TIMEOUT = 20.0             # seconds for an answer; a send without one may have arrived (DeliveryUnknown)
CONNECT_TIMEOUT = 10.0
# Meta's error codes (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
OUTSIDE_WINDOW = 131047    # more than 24 hours since the user last wrote: only a template may go
PAIR_RATE = 131056         # too many messages to this user in a short time
THROUGHPUT = 130429        # the number's messages per second
NOT_DELIVERED = 131049     # taken, then not delivered by Meta's choice (a user's cap on marketing templates)
EXPERIMENT = 130472        # taken, then not delivered: the user is in Meta's marketing-message experiment
THROTTLED = frozenset({PAIR_RATE, THROUGHPUT, 4, 80007, 131048, 133016})
UNREACHABLE = frozenset({131026, 131030, 131050, 131021})  # undeliverable, not allowed (test numbers), opted out
MEDIA_REFUSED = frozenset({131051, 131052, 131053})        # unsupported type, download or upload failed
RETRY_AFTER = {PAIR_RATE: 6.0, THROUGHPUT: 2.0}


class OutsideWindow(Exception):
    """WhatsApp refused a free-form message: the user last wrote more than 24 hours ago (131047). Never retried as
    free-form; the adapter sends the nudge's template or holds it instead."""


class Refused(Exception):
    """WhatsApp refused the request for good (a malformed message, a file it will not take): `code` is Meta's."""

    def __init__(self, code: int, what: str) -> None:
        super().__init__(f"WhatsApp refused the {what} (error {code})")
        self.code = code


def quiet_pywa() -> None:
    """pywa logs request bodies (phone numbers) at debug: never below WARNING."""
    for name in ("pywa", "pywa_async", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


class Graph:
    """Sends through one business phone number (WHATSAPP_PHONE_ID) with its access token."""

    def __init__(self, token: str, phone_id: str, base_url: str | None = None, timeout: float = TIMEOUT) -> None:
        import httpx
        from pywa_async.api import GraphAPIAsync

        quiet_pywa()
        self.phone_id = phone_id
        self.session: httpx.AsyncClient = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16))
        self.api: GraphAPIAsync = GraphAPIAsync(token=token, session=self.session, api_version=float(API_VERSION))
        # pywa sets graph.facebook.com; the operator (or a test) may point the same client elsewhere
        self.session.base_url = f"{(base_url or DEFAULT_BASE).rstrip('/')}/v{API_VERSION}"

    async def close(self) -> None:
        await self.session.aclose()

    async def send(self, to: str, kind: str, body: dict[str, Any]) -> str:
        """POST /<phone id>/messages; returns WhatsApp's id of the message. Raises RetryLater (not sent), OutsideWindow,
        UserUnreachable, DeliveryUnknown (no answer: maybe sent), Refused."""
        import httpx

        try:
            answer = await self.api.send_message(sender=self.phone_id, to=to, recipient=None,
                                                 recipient_type="individual", typ=kind, msg=body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise RetryLater(30.0, f"WhatsApp could not be reached ({type(exc).__name__})") from None
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise DeliveryUnknown(f"WhatsApp did not answer a send ({type(exc).__name__})") from None
        except Exception as exc:
            raise self.failure(exc, f"{kind} message") from None
        messages = answer.get("messages") or [{}]
        return str(messages[0].get("id", ""))

    async def upload(self, data: bytes, mime: str, name: str) -> str:
        """POST /<phone id>/media; returns the media id. An upload sends nothing to the user: any failure before an
        answer is RetryLater."""
        import httpx

        try:
            answer = await self.api.upload_media(phone_id=self.phone_id, media=data, mime_type=mime, filename=name)
        except httpx.HTTPError as exc:
            raise RetryLater(30.0, f"WhatsApp media upload failed ({type(exc).__name__})") from None
        except Exception as exc:
            raise self.failure(exc, "file") from None
        return str(answer["id"])

    @staticmethod
    def failure(exc: Exception, what: str) -> Exception:
        """What an error answer means for the caller (never the error's text: it may quote the request)."""
        from pywa.errors import WhatsAppError

        if not isinstance(exc, WhatsAppError):
            return exc
        status = exc.status_code or 0
        if exc.code == OUTSIDE_WINDOW:
            return OutsideWindow(f"WhatsApp refused a free-form {what}: outside the 24-hour window")
        if exc.code in THROTTLED or status == 429:
            return RetryLater(RETRY_AFTER.get(exc.code, 10.0), f"WhatsApp rate limit (error {exc.code})")
        if status >= 500 or exc.is_transient:
            return RetryLater(30.0, f"WhatsApp failed for now (HTTP {status}, error {exc.code})")
        if exc.code in UNREACHABLE:
            return UserUnreachable(f"WhatsApp cannot deliver to this user (error {exc.code})")
        return Refused(exc.code, what)
