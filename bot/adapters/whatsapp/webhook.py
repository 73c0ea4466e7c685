"""What WhatsApp's webhook says, read: the verification handshake, the signature of every POST, and its messages
and statuses as plain values (the adapter turns them into the core's Inbound and delivery facts).

A POST is trusted only with X-Hub-Signature-256: the HMAC-SHA256 of the raw body keyed with the app secret, compared
in constant time. WhatsApp message ids are strings ("wamid...."); the inbox keys updates by integers, so each gets
`update_id`: its timestamp (seconds) in the high bits, keeping a chat's messages in the order they were written,
and 31 bits of a hash of the id below, the same for every delivery of the same message (a second delivery is
recognised as such). The inbox's key is (platform, update_id) across every user, so two users' messages in the same
second must not share the low bits: with 31 of them that happens about once in 50 days at 50 messages/s (with 20
it was ~100 times a day, each one a message dropped as a "second delivery"); timestamps below 2^32 (year 2106) keep
the id inside a signed 64-bit column.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

HASH_BITS = 31
OTHER_KINDS = ("image", "audio", "video", "document", "sticker", "location", "contacts", "order", "system",
               "unsupported", "unknown", "request_welcome")


def signature_ok(raw: bytes, header: str, app_secret: str) -> bool:
    """Whether `header` ("sha256=<hex>") is the HMAC-SHA256 of the raw body keyed with the app secret."""
    scheme, _, given = header.partition("=")
    if scheme.strip().lower() != "sha256" or not given:
        return False
    expected = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def sign(raw: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value WhatsApp sends with `raw` (tests and the fake Graph API sign with it)."""
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def update_id(message_id: str, timestamp: int) -> int:
    """The inbox's integer id of a WhatsApp message: ordered by time, stable across deliveries."""
    digest = int.from_bytes(hashlib.sha256(message_id.encode()).digest()[:8], "big")
    return (max(0, timestamp) << HASH_BITS) | (digest & ((1 << HASH_BITS) - 1))


@dataclass(frozen=True)
class Message:
    """One user message: who (their WhatsApp id, a phone number), what (`kind`: text, choice, other) and when."""

    wa_id: str
    name: str
    id: str
    timestamp: int
    kind: str            # "text" | "choice" | "other"
    text: str = ""
    choice: str = ""
    other: str = ""


@dataclass(frozen=True)
class Status:
    """A delivery fact about a message the bot sent."""

    message_id: str
    wa_id: str
    status: str          # sent | delivered | read | failed
    timestamp: int
    code: int | None = None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # JSON's 1e400 reads as infinity
        return 0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def read_message(raw: dict[str, Any], names: dict[str, str]) -> Message | None:
    """A message object as a Message; None for what needs no answer (a reaction, an edit or deletion notice).

    Read defensively: a field of an unexpected shape reads as missing, never as an exception (an exception would
    answer the whole POST 500 and WhatsApp would send every message in it again, for days)."""
    wa_id, mid, kind = str(raw.get("from") or ""), str(raw.get("id") or ""), str(raw.get("type") or "")
    if not wa_id or not mid:
        return None
    base: dict[str, Any] = {"wa_id": wa_id, "name": names.get(wa_id, ""), "id": mid,
                            "timestamp": _int(raw.get("timestamp"))}
    if kind == "text":
        return Message(kind="text", text=str(_dict(raw.get("text")).get("body") or ""), **base)
    if kind == "interactive":
        inner = _dict(raw.get("interactive"))
        reply = _dict(inner.get("button_reply")) or _dict(inner.get("list_reply"))
        if reply.get("id"):
            return Message(kind="choice", choice=str(reply["id"]), **base)
        return Message(kind="other", other="interactive", **base)
    if kind == "button":  # a template's quick-reply button
        button = _dict(raw.get("button"))
        if button.get("payload"):
            return Message(kind="choice", choice=str(button["payload"]), **base)
        return Message(kind="text", text=str(button.get("text") or ""), **base)
    if kind in ("reaction", "edit", "revoke", "ephemeral"):
        return None
    return Message(kind="other", other=kind if kind in OTHER_KINDS else "other", **base)


def read_payload(data: Any, phone_id: str | None = None) -> tuple[list[Message], list[Status]]:
    """Every message and status in a webhook POST's JSON, in the order given (anything else is left out).

    With `phone_id`, a change about another business number of the same app (its metadata names another
    phone_number_id) is left out: its users wrote to that number, and this one must not answer them."""
    messages: list[Message] = []
    statuses: list[Status] = []
    for entry in _list(_dict(data).get("entry")):
        for change in _list(_dict(entry).get("changes")):
            value = _dict(_dict(change).get("value"))
            number = _dict(value.get("metadata")).get("phone_number_id")
            if phone_id and number and str(number) != phone_id:
                continue
            names = {str(c.get("wa_id")): str(_dict(c.get("profile")).get("name") or "")
                     for c in _list(value.get("contacts")) if isinstance(c, dict)}
            for raw in _list(value.get("messages")):
                message = read_message(raw, names) if isinstance(raw, dict) else None
                if message is not None:
                    messages.append(message)
            for raw in _list(value.get("statuses")):
                if not isinstance(raw, dict) or not raw.get("id"):
                    continue
                errors = _list(raw.get("errors"))
                code = _int(_dict(errors[0]).get("code")) or None if errors else None
                statuses.append(Status(str(raw["id"]), str(raw.get("recipient_id") or ""), str(raw.get("status")),
                                       _int(raw.get("timestamp")), code))
    return messages, statuses
