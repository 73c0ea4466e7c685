"""Telegram output for the adapter: keyboards, messages split under the limits, documents, edits of the tapped
message (new ticks, the chosen answer, or just no buttons)."""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.adapters import telegram_format as F
from bot.adapters.base import UserUnreachable
from bot.adapters.telegram_net import Transport
from bot.capabilities import Capabilities
from bot.types import Outbound

log = logging.getLogger("bot.adapters.telegram")
NO_PREVIEW = {"is_disabled": True}  # Bot API LinkPreviewOptions: no link previews under our texts
PHOTO_MIMES = ("image/png", "image/jpeg")  # sent as photos; any other file as a document
# What a Telegram chat shows (Bot API): 4096 characters a message; an inline keyboard of up to 100 buttons whose
# labels wrap (no length the core must keep); toggles redrawn by editing the keyboard; a tap's refusal as the tap's
# own notice (answerCallbackQuery); any file; about one message a second to one chat.
CAPABILITIES = Capabilities(max_text=F.TEXT_LIMIT, buttons=100, multi_select=True, edits=True, files=True,
                            pacing=1.0, notices=True)


@dataclass
class Progress:
    """How many parts (text chunks, files) of a delivery went out; a re-send starts after them."""

    parts: int = 0


class Outbox:
    """Sends the core's replies through the transport; tells `unreachable` about users who blocked the bot.

    Texts, edits and answers to taps are posted with their parameters built here as Telegram reads them
    (Transport.post: JSON, the same fields PTB would send, its error mapping kept), not through PTB's Bot methods,
    whose conversion of every parameter and parsing of every result into a Message cost more CPU than the rest of
    a reply. Files still go through PTB (multipart)."""

    def __init__(self, net: Transport, username: Callable[[], str],
                 unreachable: Callable[[str], Awaitable[None]]) -> None:
        self.net = net
        self.username = username
        self.unreachable = unreachable

    def markup(self, msg: Outbound) -> dict[str, Any] | None:
        """The inline keyboard (Bot API InlineKeyboardMarkup) for a message's choices (link buttons open a private
        chat with the bot)."""
        rows = F.keyboard_rows(msg.choices, msg.multi)
        if not rows:
            return None
        link = F.deep_link(self.username(), "group")
        return {"inline_keyboard": [[{"text": label, "url": link} if role == "link" else
                                     {"text": label, "callback_data": data} for label, data, role in row]
                                    for row in rows]}

    def parts(self, chat_id: int, msg: Outbound, **extra: Any) -> list[Callable[[], Awaitable[Any]]]:
        """One Outbound as Bot API sends: text in chunks under 4096 (keyboard on the last), then its file
        (each posts something new: the transport never repeats one that may have arrived)."""
        markup = self.markup(msg)
        chunks = F.split_html(msg.text)
        caption = None
        if msg.file is not None and len(chunks) == 1 and F.utf16_len(chunks[0]) <= F.CAPTION_LIMIT and not markup:
            caption, chunks = chunks[0], []
        fields = _json_fields(extra)
        out: list[Callable[[], Awaitable[Any]]] = []
        for i, chunk in enumerate(chunks):
            params: dict[str, Any] = {"chat_id": chat_id, "text": chunk, "parse_mode": ParseMode.HTML.value,
                                      "link_preview_options": NO_PREVIEW, **fields}
            if markup is not None and i == len(chunks) - 1:
                params["reply_markup"] = markup
            out.append(functools.partial(self.net.post, "sendMessage", params))
        if msg.file is not None:
            bot = self.net._app().bot
            file = msg.file
            upload = InputFile(file.data, filename=file.name, read_file_handle=False)
            send = bot.send_photo if file.mime in PHOTO_MIMES else bot.send_document  # a picture shows inline
            out.append(functools.partial(send, chat_id, upload, caption=caption,
                                         parse_mode=ParseMode.HTML if caption else None))
        return out

    async def deliver(self, chat_id: int, messages: Sequence[Outbound], max_wait: float | None = None,
                      done: Progress | None = None, **extra: Any) -> None:
        """Send replies in order, from part `done.parts` on, counting in `done` the parts that went out; a refusal
        to deliver (blocked, chat gone) tells the core, raises UserUnreachable."""
        done = done or Progress()
        try:
            for part in [p for msg in messages for p in self.parts(chat_id, msg, **extra)][done.parts:]:
                await self.net.call(part, sends=True, chat=chat_id, max_wait=max_wait)
                done.parts += 1
        except (Forbidden, BadRequest) as exc:
            if isinstance(exc, BadRequest) and "chat not found" not in str(exc).lower():
                raise
            if chat_id > 0:  # a user's private chat (groups have negative ids)
                await self.unreachable(str(chat_id))
            raise UserUnreachable(str(exc)) from exc

    async def answer_query(self, query: Any, text: str | None = None) -> None:
        """Always answer a callback query (stops the button's spinner); a notice if given."""
        params: dict[str, Any] = {"callback_query_id": query.id}
        if text:
            params["text"] = text[:200]
        try:
            await self.net.call(functools.partial(self.net.post, "answerCallbackQuery", params), sends=False)
        except TelegramError:
            log.info("could not answer a callback query", exc_info=True)

    async def settle_tapped(self, message: Message, replies: list[Outbound]) -> list[Outbound]:
        """After an accepted tap: redraw its keyboard, or show the answer on it, or drop its buttons."""
        chat_id, message_id = message.chat.id, message.message_id
        redraw = next((m for m in replies if m.kind == "redraw"), None)
        settled = next((m for m in replies if m.kind == "settled"), None)
        rest = [m for m in replies if m is not redraw and m is not settled]
        where: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id}
        if redraw is not None:
            markup = self.markup(redraw)
            await self.edit(functools.partial(self.net.post, "editMessageReplyMarkup",
                                              {**where, "reply_markup": markup} if markup else where), chat_id)
            return rest
        if settled is not None and message.text is not None:
            text = f"{message.text_html}\n\n{F.to_html(settled.text)}"
            if F.utf16_len(text) <= F.TEXT_LIMIT:
                await self.edit(functools.partial(self.net.post, "editMessageText", {
                    "text": text, **where, "link_preview_options": NO_PREVIEW, "parse_mode": ParseMode.HTML.value}),
                    chat_id)
                return rest
        await self.edit(functools.partial(self.net.post, "editMessageReplyMarkup", where), chat_id)
        return rest

    async def edit(self, make: Callable[[], Awaitable[Any]], chat_id: int | None = None) -> None:
        """Edit a message (paced as a send in its chat); 'not modified' or a message too old to edit is not an error
        worth more."""
        try:
            await self.net.call(make, sends=False, chat=chat_id)
        except BadRequest as exc:
            log.debug("telegram edit skipped: %s", exc)


def _json_fields(extra: dict[str, Any]) -> dict[str, Any]:
    """A send's extra PTB arguments as the Bot API fields PTB makes of them: a reply to a message is
    `reply_parameters` (PTB 22 turns reply_to_message_id and allow_sending_without_reply into it)."""
    fields = dict(extra)
    if "reply_to_message_id" in fields:
        reply: dict[str, Any] = {"message_id": fields.pop("reply_to_message_id")}
        if "allow_sending_without_reply" in fields:
            reply["allow_sending_without_reply"] = fields.pop("allow_sending_without_reply")
        fields["reply_parameters"] = reply
    return fields
