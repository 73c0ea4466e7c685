"""The core's inbound and outbound message types, shared by every adapter."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

InboundKind = Literal["text", "choice", "command", "other"]


@dataclass(frozen=True)
class UserRef:
    """Who: a user on one platform."""

    platform: str
    user_id: str
    display_name: str = ""


@dataclass(frozen=True)
class Inbound:
    """What a user sent, turned platform-neutral by an adapter.

    kind "text": free text in `text`.
    kind "choice": a tapped option in `choice`, or a whole selection in `values`.
    kind "command": `command` (no slash, lower case) with `args`.
    kind "other": a non-text message; `other` names it (sticker, photo, voice...).
    """

    user: UserRef
    kind: InboundKind
    text: str = ""
    choice: str = ""
    values: tuple[str, ...] = ()
    command: str = ""
    args: tuple[str, ...] = ()
    other: str = ""
    locale: str | None = None
    private: bool = True


@dataclass(frozen=True)
class Choice:
    """One option offered to the user; `value` comes back in Inbound.choice."""

    value: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class OutFile:
    name: str
    data: bytes
    mime: str = "text/markdown"


@dataclass(frozen=True)
class Outbound:
    """What the bot says: text already rendered in the user's language.

    `key` is the catalog key the text came from (adapters and tests may use it);
    `expects` tells adapters what the bot waits for next: "text" (free text,
    with `max_len`), "choice", "multi", or "" (nothing in particular).
    """

    text: str
    key: str = ""
    choices: tuple[Choice, ...] = ()
    multi: bool = False
    private: bool = False
    file: OutFile | None = None
    expects: str = ""
    max_len: int = 0
    step: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


def command(user: UserRef, name: str, *args: str, locale: str | None = None) -> Inbound:
    """Build a command inbound (helper for adapters and tests)."""
    return Inbound(user=user, kind="command", command=name.lower(), args=tuple(args), locale=locale)


def text(user: UserRef, body: str, locale: str | None = None) -> Inbound:
    return Inbound(user=user, kind="text", text=body, locale=locale)


def choice(user: UserRef, value: str) -> Inbound:
    return Inbound(user=user, kind="choice", choice=value)


def parse_command(line: str) -> tuple[str, tuple[str, ...]] | None:
    """Split '/cmd@bot a b' into ('cmd', ('a', 'b')); None when not a command."""
    line = line.strip()
    if not line.startswith("/") or len(line) < 2:
        return None
    head, *rest = line[1:].split()
    name = head.split("@", 1)[0].lower()
    if not name or not all(c.isalnum() or c == "_" for c in name):
        return None
    return name, tuple(rest)
