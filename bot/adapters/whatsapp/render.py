"""One turn's replies as WhatsApp Cloud API messages, within what WhatsApp accepts.

WhatsApp cannot edit a sent message, so a turn's replies become as few new messages as possible: every text of the
turn in one message (split only past 4,096 characters; where the core split a long turn for the 1,024 characters an
interactive message holds, its text and then the question), carrying the turn's choices as reply buttons (at most 3,
titles of 20 characters), else one list (at most 10 rows, titles of 24 and descriptions of 72 characters), else as
numbered lines the user answers by typing a number (the core reads typed numbers for a question itself). A file
goes as a document or an image; a type WhatsApp refuses as a document (Markdown, JSON, iCalendar) goes as plain
text. The answer shown on a tapped question ("settled") is left out: WhatsApp shows the tapped button's title as the
user's own message already.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.types import Choice, OutFile, Outbound

TEXT_MAX = 4096          # a text message's body
BODY_MAX = 1024          # an interactive message's body, and a media caption
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESC_MAX = 72
ROW_ID_MAX = 200
LIST_BUTTON_MAX = 20
IMAGE_MIMES = ("image/png", "image/jpeg")
IMAGE_MAX = 5 << 20
DOCUMENT_MIMES = ("application/pdf", "text/plain", "application/msword", "application/vnd.ms-excel",
                  "application/vnd.ms-powerpoint",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "application/vnd.openxmlformats-officedocument.presentationml.presentation")
DOCUMENT_MAX = 100 << 20
TICK_ON, TICK_OFF = "✅ ", "▫️ "

Texts = Callable[[str, str], str]  # (language tag, catalog key) -> text


@dataclass(frozen=True)
class Media:
    """A file to upload before its message: the MIME type WhatsApp is told (plain text for Markdown and the like)."""

    name: str
    data: bytes
    mime: str
    kind: str  # "document" | "image"


@dataclass(frozen=True)
class WAMessage:
    """One message to send: its type and object as the Cloud API takes them (`media`: upload first, then its id
    goes into the object as "id")."""

    type: str
    body: dict[str, Any]
    media: Media | None = None
    # the payloads of numbered lines the adapter reads typed numbers for, in their numbers' order (a question's
    # numbers the core reads itself: empty then)
    choices: tuple[str, ...] = field(default=())

    def payload(self, to: str, media_id: str | None = None) -> dict[str, Any]:
        """The request body of POST /<phone id>/messages."""
        body = dict(self.body)
        if self.media is not None:
            body["id"] = media_id
        return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": self.type,
                self.type: body}


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """Chunks of at most `limit` characters, cut at a paragraph, a line or a space where there is one."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        at = max(window.rfind("\n\n"), 0)
        if at < limit // 2:
            at = window.rfind("\n")
        if at < limit // 2:
            at = window.rfind(" ")
        if at < limit // 2:
            at = limit
        chunks.append(rest[:at].rstrip())
        rest = rest[at:].strip()
    if rest:
        chunks.append(rest)
    return chunks


def media_for(file: OutFile) -> Media | None:
    """How a file goes: an image (PNG/JPEG up to 5 MB), a document of a type WhatsApp takes, or plain text (None:
    too big for anything: its caption says so, the file is left out)."""
    if file.mime in IMAGE_MIMES and len(file.data) <= IMAGE_MAX:
        return Media(file.name, file.data, file.mime, "image")
    if file.mime in DOCUMENT_MIMES and len(file.data) <= DOCUMENT_MAX:
        return Media(file.name, file.data, file.mime, "document")
    if file.mime.startswith(("text/", "application/json")) and len(file.data) <= DOCUMENT_MAX:
        return Media(file.name, file.data, "text/plain", "document")  # .md, .ics, .json: their text, as is
    return None


def refused_file_text(message: WAMessage) -> str:
    """What goes in place of a file WhatsApp refused: its caption, and a text file's own text when both fit one
    message (else the caption alone, or the file's name)."""
    media = message.media
    caption = str(message.body.get("caption") or "")
    if media is None:
        return caption or "-"
    if media.mime == "text/plain":
        try:
            content = media.data.decode("utf-8").strip()
        except UnicodeDecodeError:
            content = ""
        joined = f"{caption}\n\n{content}".strip()
        if content and len(joined) <= TEXT_MAX:
            return joined
    return caption or media.name


def _label(choice: Choice, multi: bool) -> str:
    if multi and choice.role == "toggle":
        return (TICK_ON if choice.selected else TICK_OFF) + choice.label
    return choice.label


def interactive(body: str, choices: Sequence[Choice], multi: bool, list_button: str) -> WAMessage | None:
    """Buttons when every title fits, else one list; None when the choices fit neither (numbered lines then)."""
    if not choices or len(body) > BODY_MAX or not body.strip():
        return None
    labels = [_label(c, multi) for c in choices]
    values = tuple(c.value for c in choices)
    if len(set(values)) != len(values) or not all(lb.strip() and v.strip() for lb, v in zip(labels, values)):
        return None  # WhatsApp refuses a blank title or id, and two rows or buttons with one id
    if len(choices) <= BUTTONS_MAX and all(len(lb) <= BUTTON_TITLE_MAX for lb in labels) \
            and len(set(labels)) == len(labels) and all(len(v) <= BUTTON_ID_MAX for v in values):
        buttons = [{"type": "reply", "reply": {"id": v, "title": lb}} for v, lb in zip(values, labels)]
        return WAMessage("interactive", {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}})
    if len(choices) <= LIST_ROWS_MAX and all(len(v) <= ROW_ID_MAX for v in values):
        rows = []
        for v, lb in zip(values, labels):
            row: dict[str, Any] = {"id": v, "title": cut(lb, ROW_TITLE_MAX)}
            if len(lb) > ROW_TITLE_MAX:
                row["description"] = cut(lb, ROW_DESC_MAX)
            rows.append(row)
        action = {"button": cut(list_button, LIST_BUTTON_MAX), "sections": [{"rows": rows}]}
        return WAMessage("interactive", {"type": "list", "body": {"text": body}, "action": action})
    return None


def numbered(choices: Sequence[Choice], multi: bool) -> str:
    return "\n".join(f"{i}. {_label(c, multi)}" for i, c in enumerate(choices, 1))


def render_turn(messages: Sequence[Outbound], texts: Texts) -> list[WAMessage]:
    """A turn's replies as WhatsApp messages: texts joined, files in their place, the choices on the last one."""
    out: list[WAMessage] = []
    pending: list[str] = []
    offer: Outbound | None = None
    lang = messages[0].lang if messages else "id"
    for msg in messages:
        if msg.kind == "settled" or msg.kind == "private_only":
            continue
        lang = msg.lang
        if msg.file is not None:
            media = media_for(msg.file)
            caption = msg.text.strip()
            if media is None or len(caption) > BODY_MAX:
                pending.append(caption)
                caption = ""
            if media is None:
                pending.append(texts(msg.lang, "whatsapp.file_too_big"))
                continue
            out.extend(_texts(pending))
            pending = []
            body: dict[str, Any] = {"caption": caption} if caption else {}
            if media.kind == "document":
                body["filename"] = media.name
            out.append(WAMessage(media.kind, body, media=media))
        else:
            if msg.text.strip():
                pending.append(msg.text.strip())
        if msg.choices:
            offer = msg
    choices = tuple(c for c in offer.choices if c.role != "link") if offer is not None else ()
    if not choices:
        out.extend(_texts(pending))
        return out
    assert offer is not None
    text = "\n\n".join(pending) or texts(lang, "whatsapp.choose")
    chunks = split_text(text)
    last = chunks[-1] if chunks else texts(lang, "whatsapp.choose")
    rich = interactive(last, choices, offer.multi, texts(lang, "whatsapp.list_button"))
    own = offer.text.strip()
    if rich is None and len(pending) > 1 and pending[-1] == own:
        # the turn's text is too long for buttons, the question's own is not (the core split it so: bot/compose.py
        # with choices_text_max): the text before it, then the question with its buttons
        alone = interactive(own, choices, offer.multi, texts(lang, "whatsapp.list_button"))
        if alone is not None:
            out.extend(_texts(pending[:-1]))
            out.append(alone)
            return out
    hint = texts(lang, "whatsapp.multi_hint" if offer.multi else "whatsapp.choice_hint")
    lines = f"{numbered(choices, offer.multi)}\n\n{hint}"
    if rich is None and len(chunks) == 1 and len(f"{text}\n\n{lines}") <= TEXT_MAX:
        pass  # too long for buttons, short enough for one message: numbered lines in it (one message per turn)
    elif rich is None and len(last) > BODY_MAX:  # a long text: its parts, then the choices under a short line
        chunks.append(texts(lang, "whatsapp.choose"))
        rich = interactive(chunks[-1], choices, offer.multi, texts(lang, "whatsapp.list_button"))
    if rich is not None:
        out.extend(WAMessage("text", {"body": c, "preview_url": False}) for c in chunks[:-1])
        out.append(rich)
        return out
    values = () if offer.step else tuple(c.value for c in choices)
    text = f"{text}\n\n{lines}" if text else lines
    parts = split_text(text)
    out.extend(WAMessage("text", {"body": c, "preview_url": False}) for c in parts[:-1])
    out.append(WAMessage("text", {"body": parts[-1], "preview_url": False}, choices=values))
    return out


def _texts(pending: list[str]) -> list[WAMessage]:
    text = "\n\n".join(p for p in pending if p)
    return [WAMessage("text", {"body": c, "preview_url": False}) for c in split_text(text)]
