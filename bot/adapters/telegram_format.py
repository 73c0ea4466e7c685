"""Pure helpers for the Telegram adapter: HTML escaping, splitting under the limits, keyboards, message kinds."""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from bot.types import Choice

# Telegram's limits, counted in UTF-16 code units of the text we send (never less than what Telegram counts).
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64

TICK_ON = "☑️ "
TICK_OFF = "⬜ "
HEADING = "▶ "
SHORT_LABEL = 14

# Non-text message attributes, in the order they are checked; the core gets Inbound(kind="other", other=name).
OTHER_KINDS: tuple[str, ...] = ("sticker", "photo", "voice", "video_note", "video", "animation", "audio",
                                "document", "location", "venue", "contact", "poll", "dice", "story", "game")

_DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def format_line(line: str) -> str:
    """One plain line as Telegram HTML: escaped, section headings in bold."""
    if line.startswith(HEADING):
        return f"<b>{html.escape(line)}</b>"
    return html.escape(line)


def to_html(text: str) -> str:
    """Plain text (with user input in it) as safe Telegram HTML."""
    return "\n".join(format_line(line) for line in text.split("\n"))


def _cut_line(line: str, limit: int) -> list[str]:
    """Cut one over-long plain line into pieces whose HTML fits `limit`, at a space when one is near."""
    pieces: list[str] = []
    start = 0
    while start < len(line):
        best, lo, hi = start + 1, start + 1, len(line)
        while lo <= hi:  # the longest piece that still fits
            mid = (lo + hi) // 2
            if utf16_len(format_line(line[start:mid])) <= limit:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        end = best
        space = line.rfind(" ", start + 1, end)
        if end < len(line) and space > start + (end - start) // 2:
            end = space + 1
        pieces.append(line[start:end])
        start = end
    return pieces


def split_html(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Format plain text as HTML chunks, each within `limit`, split at line ends (never inside a tag)."""
    if not text.strip():
        return []
    lines: list[str] = []
    for line in text.split("\n"):
        if utf16_len(format_line(line)) > limit:
            lines.extend(_cut_line(line, limit))
        else:
            lines.append(line)
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        formatted = format_line(line)
        extra = utf16_len(formatted) + (1 if current else 0)
        if current and size + extra > limit:
            chunks.append("\n".join(current).strip("\n"))
            current, size = [], 0
            extra = utf16_len(formatted)
        current.append(formatted)
        size += extra
    if current:
        chunks.append("\n".join(current).strip("\n"))
    return [c for c in chunks if c.strip()]


def button_label(choice: Choice, multi: bool) -> str:
    """A button's text: multi-choice options carry a tick box."""
    if multi and choice.role == "toggle":
        return (TICK_ON if choice.selected else TICK_OFF) + choice.label
    return choice.label


def keyboard_rows(choices: Sequence[Choice], multi: bool) -> list[list[tuple[str, str, str]]]:
    """(label, callback data, role) rows: short options two to a row, long ones and controls alone."""
    rows: list[list[tuple[str, str, str]]] = []
    options = [c for c in choices if c.role in ("option", "toggle")]
    controls = [c for c in choices if c not in options]
    pair = bool(options) and all(len(c.label) <= SHORT_LABEL for c in options) and len(options) > 3
    for c in options:
        item = (button_label(c, multi), c.value, c.role)
        if pair and rows and len(rows[-1]) == 1 and rows[-1][0][2] in ("option", "toggle"):
            rows[-1].append(item)
        else:
            rows.append([item])
    for c in controls:
        rows.append([(button_label(c, multi), c.value, c.role)])
    fitting = [[b for b in row if b[2] == "link" or len(b[1].encode()) <= CALLBACK_DATA_LIMIT] for row in rows]
    return [row for row in fitting if row]


def deep_link(username: str, payload: str = "group") -> str:
    """https://t.me/<bot>?start=<payload> (payload limited to Telegram's allowed characters)."""
    if not _DEEP_LINK_PAYLOAD.match(payload):
        payload = "group"
    return f"https://t.me/{username}?start={payload}"


def other_kind(message: Any) -> str | None:
    """The name of a non-text message's content (sticker, photo...), or None for service messages."""
    for name in OTHER_KINDS:
        if getattr(message, name, None):
            return name
    return None


def command_target(text: str) -> tuple[str, str | None] | None:
    """('cmd', 'botname' or None) for '/cmd@botname args'; None when the text is not a command."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head = text[1:].split(maxsplit=1)[0] if text[1:].strip() else ""
    name, _, target = head.partition("@")
    if not name or not all(c.isalnum() or c == "_" for c in name):
        return None
    return name.lower(), (target or None)


def visible_text(formatted: str) -> str:
    """The text a user sees for our HTML (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"</?[a-z]+>", "", formatted))
