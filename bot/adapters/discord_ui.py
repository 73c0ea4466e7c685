"""Discord rendering for the core's messages: custom ids, splitting, components, command names."""
from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import discord

from bot.i18n import DEFAULT_LANGUAGE, Catalog
from bot.language import language_from_locale
from bot.types import Choice, Outbound

log = logging.getLogger(__name__)
T = TypeVar("T")
SendFn = Callable[..., Awaitable[Any]]

MESSAGE_LIMIT = 1990          # Discord refuses messages of 2000 characters or more.
CUSTOM_ID_LIMIT = 100
TEXT_INPUT_LIMIT = 4000
BUTTON_LABEL_LIMIT = 80
SELECT_LABEL_LIMIT = 100
SELECT_OPTIONS_LIMIT = 25
ROW_BUTTONS = 5
ROWS = 5
PREFIX = "bc"
# The "step" of a free-text prompt outside the questionnaire (e.g. reminder times): the core knows what it awaits.
NO_STEP = "-"
# Kinds of custom id: a button carrying one core value, a single or multi select, "open the answer form", a form.
KINDS = ("btn", "sel", "multi", "open", "modal")


@dataclass(frozen=True)
class CustomId:
    """A parsed component custom id: bc|<owner user id>|<kind>|<rest>."""

    owner: str
    kind: str
    rest: str = ""


def make_id(owner: str, kind: str, rest: str = "") -> str:
    """Build a custom id that carries the owner's user id (so other users' presses can be refused)."""
    return "|".join((PREFIX, owner, kind, rest)) if rest else "|".join((PREFIX, owner, kind))


def parse_id(custom_id: str) -> CustomId | None:
    """Parse a custom id made by make_id; None for anything unknown or malformed."""
    if not isinstance(custom_id, str) or len(custom_id) > CUSTOM_ID_LIMIT:
        return None
    bits = custom_id.split("|", 3)
    if len(bits) < 3 or bits[0] != PREFIX or not bits[1].isdigit() or bits[2] not in KINDS:
        return None
    rest = bits[3] if len(bits) == 4 else ""
    if bits[2] in ("btn", "open", "modal") and not rest:
        return None
    return CustomId(bits[1], bits[2], rest)


def open_rest(step: str, lang: str, max_len: int) -> str:
    """The payload of an "Answer" button: which step, in which language, how long."""
    return f"{step}|{lang}|{max_len}"


def parse_open(rest: str) -> tuple[str, str, int] | None:
    """(step, language, max length) from an Answer button's payload; None if malformed."""
    bits = rest.split("|")
    if len(bits) != 3 or not bits[0] or bits[1] not in ("id", "en") or not bits[2].isdigit():
        return None
    return bits[0], bits[1], int(bits[2])


def lang_of(locale: Any) -> str:
    """The catalog language for a Discord locale ("id", "en-US"...)."""
    return language_from_locale(str(locale) if locale is not None else None) or DEFAULT_LANGUAGE


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split text into chunks under Discord's message limit, at line breaks where possible."""
    if len(text) <= limit:
        return [text] if text else []
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _style(choice: Choice) -> discord.ButtonStyle:
    if choice.role == "submit":
        return discord.ButtonStyle.success
    if choice.role == "danger":
        return discord.ButtonStyle.danger
    return discord.ButtonStyle.secondary


def build_view(msg: Outbound, owner: str, catalog: Catalog) -> discord.ui.View | None:
    """Components for one message: an Answer button for free text, selects or buttons for choices.

    The view is stopped before it is returned: discord.py then does not keep it in memory, and
    presses reach the adapter's on_interaction through the custom ids alone (they survive restarts).
    """
    lang = msg.lang
    view = discord.ui.View(timeout=None)
    rows: list[list[discord.ui.Item[Any]]] = []
    options = [c for c in msg.choices if c.role in ("option", "toggle")]
    actions = [c for c in msg.choices if c not in options and c.role != "link"]
    first_row: list[discord.ui.Item[Any]] = []
    if msg.expects == "text":
        rest = open_rest(msg.step or NO_STEP, lang, msg.max_len or TEXT_INPUT_LIMIT)
        label = catalog.t(lang, "discord.btn.answer")
        first_row.append(discord.ui.Button(style=discord.ButtonStyle.primary, label=label,
                                           custom_id=make_id(owner, "open", rest)))
    multi = msg.multi and any(c.role == "toggle" for c in options)
    if multi:
        toggles = [c for c in options if c.role == "toggle"][:SELECT_OPTIONS_LIMIT]
        # The multi-select submits the whole selection at once, so the "done" button is not needed.
        actions = [c for c in actions if c.role != "submit"]
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=make_id(owner, "multi"), placeholder=catalog.t(lang, "discord.select.multi_placeholder"),
            min_values=1, max_values=len(toggles),
            options=[discord.SelectOption(label=_cut(c.label, SELECT_LABEL_LIMIT), value=c.value,
                                          default=c.selected) for c in toggles])
        rows.append([select])
    elif options and len(options) <= ROW_BUTTONS:
        rows.append([discord.ui.Button(style=_style(c), label=_cut(c.label, BUTTON_LABEL_LIMIT),
                                       custom_id=make_id(owner, "btn", c.value)) for c in options])
    elif options:
        for n, group in enumerate(_chunks(options, SELECT_OPTIONS_LIMIT)):
            rows.append([discord.ui.Select(
                custom_id=make_id(owner, "sel", str(n)), placeholder=catalog.t(lang, "discord.select.placeholder"),
                options=[discord.SelectOption(label=_cut(c.label, SELECT_LABEL_LIMIT), value=c.value)
                         for c in group])])
    buttons = first_row + [discord.ui.Button(style=_style(c), label=_cut(c.label, BUTTON_LABEL_LIMIT),
                                             custom_id=make_id(owner, "btn", c.value)) for c in actions]
    rows.extend(_chunks(buttons, ROW_BUTTONS))
    count = 0
    for row_no, row in enumerate(rows[:ROWS]):
        for item in row:
            if item.custom_id is not None and len(item.custom_id) > CUSTOM_ID_LIMIT:  # type: ignore[attr-defined]
                log.warning("dropping a component whose custom id is too long")
                continue
            item.row = row_no
            view.add_item(item)
            count += 1
    if len(rows) > ROWS:
        log.warning("message had %d component rows; Discord shows %d", len(rows), ROWS)
    if not count:
        return None
    view.stop()
    return view


_COMMAND = re.compile(r"(?<![\w/])/([a-z_]+)\b")


def localize_commands(text: str, lang: str, catalog: Catalog) -> str:
    """Write '/start' as the slash command the user sees in their Discord language (e.g. '/mulai')."""
    def swap(m: re.Match[str]) -> str:
        key = f"discord.name.{m.group(1)}"
        return "/" + catalog.t(lang, key) if catalog.has(key, lang) else m.group(0)
    return _COMMAND.sub(swap, text)
