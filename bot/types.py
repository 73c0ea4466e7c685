"""The core's inbound and outbound message types, shared by every adapter."""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any, Literal

from bot.actions import Action, Role, encode

InboundKind = Literal["text", "choice", "command", "other"]
# What a reply is, so that adapters need no keys or meta to decide how to show it:
#   message   plain text;  question  waits for an answer (choices or `expects`);  refusal  a tap or input refused
#   (a button's notice where there is one);  document  carries a file;  redraw  the tapped message again with new ticks;
#   settled   the tapped question's answer, to show on it (its buttons go);  nudge  an unprompted coaching message;
#   private_only  a command in a group chat: point the user to a private chat.
ReplyKind = Literal["message", "question", "refusal", "document", "redraw", "settled", "nudge", "private_only"]


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
    kind "command": `command` (no slash, lower case) with `args`, and in `text` the raw rest of the message after
    the command word (line breaks kept), for a command that takes free text (/check <draft>).
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
    private: bool = True   # only this user sees the replies (a private chat, a DM, an ephemeral answer)
    shared: bool = False   # said in a group chat others read: nothing is collected there
    step: str = ""  # a form's answer names the question it answers (a stale form is refused, not taken)
    # A form with several questions: (step, text) in the form's order; `step`/`text` repeat the first of them.
    answers: tuple[tuple[str, str], ...] = ()
    # The platform's id of the update when it may deliver the same update again (a crash, a retried webhook): the
    # core drops a copy it already took, and records the id in the same commit as the handler's writes. It is an
    # integer (the inbox's key with the platform, a signed 64-bit column on both backends) that must be
    #   - the same for every delivery of one update, and unique per platform while the redelivery window lasts;
    #   - increasing in the order the user sent a chat's updates: the inbox handles a chat's waiting updates in
    #     update_id order.
    # A platform whose ids are integers in that order passes them as they are. One whose ids are strings (e.g. a
    # message id such as "wamid.HBgL...") derives one from what each delivery repeats: the update's own timestamp
    # in the high bits and a stable hash of its string id below (`(seconds << 31) | (blake2b(id) & 0x7FFFFFFF)`:
    # ordered to the second, unique unless two updates of one second share 31 bits); no table of string ids.
    update_id: int | None = None


@dataclass(frozen=True)
class Choice:
    """One button offered to the user: a typed action, its label, and (toggles) whether it is ticked.

    `value` is the action's payload: adapters carry it as it is and hand it back in Inbound.choice.
    """

    action: Action
    label: str
    selected: bool = False

    @property
    def value(self) -> str:
        return encode(self.action)

    @property
    def role(self) -> Role:
        return self.action.role


@dataclass(frozen=True)
class TextField:
    """One free-text question a form may ask: its step, short label, the question in full, a hint, its bounds.

    `value` pre-fills the field (the current answer, or what the user typed before); `error` says why that value
    was refused. A question's `fields` are its own step and the free-text steps that follow it in its section.
    """

    step: str
    label: str
    prompt: str
    hint: str = ""
    min_len: int = 0
    max_len: int = 0
    required: bool = True
    multiline: bool = False
    value: str = ""
    error: str = ""


@dataclass(frozen=True)
class OutFile:
    name: str
    data: bytes
    mime: str = "text/markdown"


@dataclass(frozen=True)
class Outbound:
    """What the bot says: text already rendered in the user's language `lang` (a catalog tag: the language, or its
    variant for how the user is addressed, e.g. 'id-formal'; bot.i18n.base_language gives the language).

    `kind` says what the reply is (see ReplyKind); `key` is the catalog key the text came from (for tests and
    logs: adapters decide nothing from it); `expects` tells what the bot waits for next: "text" (free text, with
    `max_len`, for question `step`), "choice", "multi", or "" (nothing in particular); `source` names the content
    item a nudge was made from (e.g. the post idea). `hint` is the shared how-to-answer line (also a paragraph of
    `text`): a platform with its own way of answering may show its own line in its place. `fields`: the free-text
    questions one form may ask together, starting with `step` (an Inbound's `answers` brings them back).
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
    kind: ReplyKind = "message"
    lang: str = "id"
    source: str = ""
    hint: str = ""
    fields: tuple[TextField, ...] = ()


def command(user: UserRef, name: str, *args: str, locale: str | None = None) -> Inbound:
    """Build a command inbound (helper for adapters and tests)."""
    return Inbound(user=user, kind="command", command=name.lower(), args=tuple(args), text=" ".join(args),
                   locale=locale)


def text(user: UserRef, body: str, locale: str | None = None) -> Inbound:
    return Inbound(user=user, kind="text", text=body, locale=locale)


def choice(user: UserRef, value: str | Action) -> Inbound:
    """A tap: a payload as an adapter receives it, or an action (encoded here)."""
    return Inbound(user=user, kind="choice", choice=value if isinstance(value, str) else encode(value))


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


def command_text(line: str) -> str:
    """The raw rest of a command message after '/cmd@bot' (line breaks kept, outer whitespace trimmed)."""
    parts = line.strip()[1:].split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


_INBOUND_FIELDS = tuple(f.name for f in fields(Inbound))


def inbound_to_json(inbound: Inbound) -> str:
    """The one codec of an Inbound for storage (the inbox): its fields as JSON, the user as an object. Another worker
    (or this one after a restart) reads it back with inbound_from_json and handles it as if it had received it."""
    data: dict[str, Any] = {name: getattr(inbound, name) for name in _INBOUND_FIELDS}
    user = inbound.user
    data["user"] = {"platform": user.platform, "user_id": user.user_id, "display_name": user.display_name}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def inbound_from_json(text: str) -> Inbound:
    """An Inbound written by inbound_to_json (fields it does not know, e.g. from a newer worker, are left out)."""
    data = json.loads(text)
    out: dict[str, Any] = {k: v for k, v in data.items() if k in _INBOUND_FIELDS}
    out["user"] = UserRef(**data["user"])
    for name in ("values", "args"):
        if name in out:
            out[name] = tuple(out[name])
    if "answers" in out:
        out["answers"] = tuple((str(step), str(value)) for step, value in out["answers"])
    return Inbound(**out)
