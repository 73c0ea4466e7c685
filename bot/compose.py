"""One turn's replies rendered for what a channel can show (bot/capabilities.py), in as few messages as it allows.

Small pure functions, shared by every channel so that none of them decides alone how a note, a suggestion and the
next question share a message, or what becomes of twelve options on a channel that shows three buttons:

- `combine`: replies that read as one (a note "Oke, aku catat: ...", a suggestion, the next question) become one
  message; a question's buttons and what it expects stay on the last part. Never merged: a file, a refusal the
  platform shows as a notice on the tap, parts meant for different audiences (`private`), a group's pointer.
- `present`: how a message's choices can be shown: buttons when they fit (count and label length), else a list when
  the channel has lists (paged with a "more" row when longer than a list), else numbered lines ("1. ...") answered by
  typing the numbers, several for a multi-choice ("1 3 4").
- `render`: the whole path for one delivery: a redraw or a settled answer become new messages where the channel
  cannot edit, replies combined, choices numbered where they must be, text split at `max_text` (paragraph, line,
  then word boundaries). It also says which numbered menu the user now sees (`Rendered.menu`): the core stores it,
  so that "2" means the second option shown, across restarts and workers.

Outbound, Choice and the actions stay as they are: a numbered message is an Outbound whose text carries the numbered
lines and whose choices are gone (the stored menu holds them).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.actions import Action, action
from bot.capabilities import Capabilities
from bot.types import Choice, Outbound

Presentation = Literal["none", "buttons", "list", "numbered"]
Translate = Callable[[str, str], str]  # (catalog tag, key) -> text

# Kinds that read as part of a conversation's flow and may share a message with their neighbours.
_FLOWING = frozenset({"message", "question", "nudge"})  # a redraw or settled answer edits the tapped message
_NUMBERS = re.compile(r"^\s*\d+(?:\s*[, ]\s*\d+)*\s*$")
_SEP = "\n\n"


@action("g:more:{page}", role="navigation")
class MoreChoices(Action):
    """The last row of a paged list: show page `page` of the menu the user last saw (its choices are stored)."""

    page: int


@dataclass(frozen=True)
class Menu:
    """The choices a user last saw as numbered lines or a paged list, in the order shown.

    `numbered`: typed numbers answer it ("2" is the second choice); `step`: the question it belongs to (typed numbers
    of a question's options are left to the question's reader, which reads them as positions itself); `multi`:
    several may be picked at once; `page`: a paged list's current page."""

    choices: tuple[Choice, ...]
    multi: bool = False
    step: str = ""
    numbered: bool = True
    page: int = 0
    lang: str = "id"

    def to_json(self) -> str:
        """The one codec of a menu for storage: each choice as its action's payload, label and tick."""
        return json.dumps({"c": [[c.value, c.label, int(c.selected)] for c in self.choices], "m": int(self.multi),
                           "s": self.step, "n": int(self.numbered), "p": self.page, "l": self.lang},
                          ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> Menu | None:
        """A stored menu; None when unreadable or when one of its payloads no longer decodes (a removed action)."""
        from bot.actions import decode
        try:
            data = json.loads(text)
            choices = []
            for value, label, selected in data["c"]:
                act = decode(value)
                if act is None:
                    return None
                choices.append(Choice(act, str(label), bool(selected)))
            return Menu(tuple(choices), bool(data.get("m")), str(data.get("s", "")), bool(data.get("n", 1)),
                        int(data.get("p", 0)), str(data.get("l", "id")))
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Rendered:
    """What to send (in order), and the menu the user sees afterwards: `menu` to store, or `clear` the stored one
    (a new prompt that numbers nothing), or neither (nothing new was asked: the stored menu still answers)."""

    messages: list[Outbound]
    menu: Menu | None = None
    clear: bool = False


# -- choices -------------------------------------------------------------------------------------------------------

def fits_buttons(choices: Sequence[Choice], caps: Capabilities) -> bool:
    return 0 < len(choices) <= caps.buttons and all(caps.label_fits(c.label) for c in choices)


def fits_list(choices: Sequence[Choice], caps: Capabilities) -> bool:
    """Whether each label fits a list row (a label longer than a title continues in the row's description)."""
    if not caps.lists or not choices:
        return False
    room = max(caps.list_title_max, caps.list_desc_max) if caps.list_title_max else 0
    return not room or all(len(c.label) <= room for c in choices)


def present(msg: Outbound, caps: Capabilities) -> Presentation:
    """How `msg`'s choices are shown on a channel: buttons if they all fit, else a list, else numbered lines.

    A multi-choice on a channel without multi-select keeps its toggle buttons (or list) when they fit: each tap ticks
    one and the question comes again with its ticks; otherwise the user types several numbers."""
    choices = msg.choices
    if not choices:
        return "none"
    if fits_buttons(choices, caps):
        return "buttons"
    if fits_list(choices, caps):
        return "list"
    return "numbered"


def list_row(label: str, caps: Capabilities) -> tuple[str, str]:
    """A list row's (title, description) for a label: the label as title when it fits, else cut at a word with the
    whole label in the description."""
    if not caps.list_title_max or len(label) <= caps.list_title_max:
        return label, ""
    cut = label.rfind(" ", 0, caps.list_title_max)
    cut = cut if cut > caps.list_title_max // 2 else caps.list_title_max - 1
    title = label[:cut].rstrip() + "…" if cut < len(label) else label
    return title[: caps.list_title_max], label[: caps.list_desc_max] if caps.list_desc_max else label


def pages(n: int, caps: Capabilities) -> int:
    """How many pages a list of `n` rows takes (every page but the last gives one row to "more")."""
    rows = max(2, caps.list_rows_max)
    if n <= rows:
        return 1
    per = rows - 1
    return -(-n // per)


def page_of(choices: Sequence[Choice], caps: Capabilities, page: int, more_label: str) -> tuple[Choice, ...]:
    """Page `page` (0-based) of a long list: its rows, then "more" (to the next page; from the last, the first)."""
    total = pages(len(choices), caps)
    if total == 1:
        return tuple(choices)
    per = max(2, caps.list_rows_max) - 1
    page %= total
    rows = tuple(choices[page * per:(page + 1) * per])
    return (*rows, Choice(MoreChoices((page + 1) % total), more_label))


def numbered_lines(msg: Outbound) -> list[str]:
    """The choices as lines "  1. label" (toggles with their ticks)."""
    out = []
    for i, ch in enumerate(msg.choices, 1):
        tick = "[x] " if ch.selected else ("[ ] " if msg.multi and ch.role == "toggle" else "")
        out.append(f"  {i}. {tick}{ch.label}")
    return out


def numbered(msg: Outbound, t: Translate, start: int = 1) -> tuple[Outbound, Menu]:
    """The message with its choices as numbered lines in its text (from `start`: a turn numbers its menus on), with
    how to answer them, and the menu to store."""
    lines = [re.sub(r"^  \d+\.", f"  {i}.", line, count=1) for i, line in enumerate(numbered_lines(msg), start)]
    if msg.multi:
        lines.append(t(msg.lang, "choices.multi_hint"))
    elif msg.step:
        lines.append(t(msg.lang, "choices.pick_hint"))
    text = _SEP.join(p for p in (msg.text, "\n".join(lines)) if p)
    menu = Menu(msg.choices, msg.multi, msg.step, True, 0, msg.lang)
    return replace(msg, text=text, choices=()), menu


def looks_numbered(text: str) -> bool:
    """Whether a typed text is only numbers ("2", "1 3 4", "1,3"): it may answer a numbered menu."""
    return bool(_NUMBERS.match(text))


def keeps_menus(caps: Capabilities) -> bool:
    """Whether a channel's menus often outgrow its buttons (a terminal, three buttons, a short list): the core then
    forgets a stored menu whenever a new prompt numbers nothing. A channel with room for a long question's options
    (25 buttons or list rows) is not written to on every prompt; the rare menu it numbers is stored all the same."""
    return caps.buttons < 25 and not (caps.lists and caps.list_rows_max >= 25)


def pick(text: str, menu: Menu) -> tuple[tuple[str, ...], bool] | None:
    """The payloads typed numbers stand for on a stored numbered menu, and whether they are a whole selection (a
    multi-choice's toggles) rather than one tap; None when the text is not (only) numbers of it. A question's own
    options are read by the question (it reads numbers as positions and says what it took, as "3" may also be a
    value in a label); several numbers only for a multi-choice's toggles."""
    if not menu.numbered or not _NUMBERS.match(text):
        return None
    nums = [int(n) for n in re.split(r"[,\s]+", text.strip()) if n]
    if not nums or not all(1 <= n <= len(menu.choices) for n in nums):
        return None
    picked = [menu.choices[n - 1] for n in nums]
    roles = {c.role for c in picked}
    if menu.step and roles <= {"option", "toggle"}:
        return None
    if menu.multi and roles == {"toggle"}:
        return tuple(dict.fromkeys(c.value for c in picked)), True
    if len(picked) == 1:
        return (picked[0].value,), False
    return None


# -- text ----------------------------------------------------------------------------------------------------------

def split_text(text: str, limit: int) -> list[str]:
    """Text in pieces of at most `limit` characters, cut at paragraph breaks, else line breaks, else spaces, else
    anywhere; the pieces joined back (with the separator they were cut at) give the text."""
    if len(text) <= limit:
        return [text]
    for sep in (_SEP, "\n", " "):
        cut = text.rfind(sep, 0, limit + 1)
        if cut > 0:
            head, rest = text[:cut], text[cut + len(sep):]
            if head.strip():
                return [head, *split_text(rest, limit)] if rest else [head]
    return [text[:limit], *split_text(text[limit:], limit)]


def split(msg: Outbound, caps: Capabilities) -> list[Outbound]:
    """A message over `max_text` (or, carrying choices, over `choices_text_max`) as several: plain text parts, the
    last keeping the choices, file and kind."""
    limit = caps.max_text
    last_limit = min(limit, caps.choices_text_max) if msg.choices and caps.choices_text_max else limit
    if len(msg.text) <= last_limit:
        return [msg]
    text = msg.text
    tail = ""
    if last_limit < limit:  # the choices go with the longest ending that fits their message; the rest before it
        for sep in (_SEP, "\n", " "):
            cut = text.find(sep, len(text) - last_limit - len(sep))
            if 0 < cut and text[:cut].strip():
                text, tail = text[:cut], text[cut + len(sep):]
                break
        else:
            text, tail = text[:-last_limit], text[-last_limit:]
    pieces = split_text(text, limit) + ([tail] if tail else [])
    head = [Outbound(text=p, key=msg.key, private=msg.private, kind="nudge" if msg.kind == "nudge" else "message",
                     lang=msg.lang, source=msg.source) for p in pieces[:-1]]
    return [*head, replace(msg, text=pieces[-1])]


# -- combining -----------------------------------------------------------------------------------------------------

def _joinable(msg: Outbound, caps: Capabilities, tapped: bool) -> bool:
    if msg.file is not None or msg.kind in ("document", "private_only"):
        return False
    if msg.kind == "refusal":
        return not (caps.notices and tapped)  # else a notice on the tap, not a message
    return msg.kind in _FLOWING


def _ends(msg: Outbound) -> bool:
    """A question (choices, or input it waits for) ends its message: its buttons and expects stay on the last part."""
    return bool(msg.choices or msg.expects or msg.fields)


def _offers(msg: Outbound) -> bool:
    """Buttons offered alongside a message (a nudge's "done"/"later"), not an answer awaited."""
    return bool(msg.choices) and not (msg.expects or msg.step or msg.multi or msg.fields)


def _can_join(group: list[Outbound], msg: Outbound, caps: Capabilities) -> bool:
    last = group[-1]
    if last.private != msg.private or last.lang != msg.lang:
        return False
    if not _ends(last):
        return True
    # nudges due together: one message with each one's buttons, when the channel shows them all
    if _offers(last) and _offers(msg) and all(_offers(m) or not _ends(m) for m in group):
        offered = tuple(c for m in (*group, msg) for c in m.choices)
        probe = replace(msg, choices=offered)
        return present(probe, caps) == "buttons" or (present(probe, caps) == "list"
                                                     and pages(len(offered), caps) == 1)
    return False


def _merge(group: list[Outbound]) -> Outbound:
    if len(group) == 1:
        return group[0]
    last = group[-1]
    kinds = {m.kind for m in group}
    kind = last.kind if last.kind in ("question", "redraw") else "nudge" if "nudge" in kinds else \
        "message" if kinds - {"refusal"} else "refusal"
    if kind == "redraw":
        kind = "question"
    choices = tuple(c for m in group for c in m.choices) if all(_offers(m) or not m.choices for m in group) \
        else last.choices
    return replace(last, text=_SEP.join(m.text for m in group if m.text), kind=kind, choices=choices,
                   key="+".join(m.key for m in group if m.key), source=last.source or next(
                       (m.source for m in group if m.source), ""))


def _one_message(msg: Outbound, how: Presentation, caps: Capabilities, t: Translate) -> Presentation:
    """Numbered lines instead of buttons or a list for a message whose text is over what a message with buttons holds
    (`choices_text_max`: the summary before the plan), when text and lines fit one message: one message per turn
    (a channel paced at one message per few seconds to a user, issue 24), answered by typing a number, which the
    stored menu reads on any worker and after a restart."""
    if how not in ("buttons", "list") or not caps.choices_text_max or len(msg.text) <= caps.choices_text_max:
        return how
    lines, _ = numbered(msg, t)
    return "numbered" if len(lines.text) <= caps.max_text else how


def combine(replies: Sequence[Outbound], caps: Capabilities, tapped: bool = False) -> list[Outbound]:
    """The replies as few messages as the channel allows, in order (see the module's docstring). `tapped`: the turn
    answers a tap (a refusal then shows as the tap's notice where the channel has notices)."""
    out: list[Outbound] = []
    group: list[Outbound] = []
    for msg in replies:
        if not _joinable(msg, caps, tapped):
            if group:
                out.append(_merge(group))
                group = []
            out.append(msg)
        elif group and _can_join(group, msg, caps):
            group.append(msg)
        else:
            if group:
                out.append(_merge(group))
            group = [msg]
    if group:
        out.append(_merge(group))
    return out


def unedited(replies: Sequence[Outbound], caps: Capabilities) -> list[Outbound]:
    """Where the channel cannot edit a sent message: the settled answer goes first, as a note ("✅ ..."), and a
    redraw (the question with new ticks) is the question again, as a new message."""
    if caps.edits:
        return list(replies)
    settled = [replace(m, kind="message") for m in replies if m.kind == "settled" and m.text]
    rest = [replace(m, kind="question") if m.kind == "redraw" else m for m in replies if m.kind != "settled"]
    return [*settled, *rest]


def render(replies: Sequence[Outbound], caps: Capabilities, t: Translate, *, tapped: bool = False,
           pages_at: Mapping[str, int] | None = None) -> Rendered:
    """One delivery's replies for a channel: edits, combining, choices, splitting (see the module's docstring).

    One menu a user: the turn's numbered choices are numbered on from one message to the next, so every number
    shown answers; a long list is paged only when it is the turn's last menu and nothing is numbered (its "more"
    reads the stored menu), else its choices are numbered too. `pages_at`: the page a question's list was on (by
    its step), to show it again there (a tick on page 2 is seen on page 2)."""
    messages = combine(unedited(replies, caps), caps, tapped)
    hows = [_one_message(m, present(m, caps), caps, t) for m in messages]
    paged = [i for i, (m, how) in enumerate(zip(messages, hows)) if how == "list" and pages(len(m.choices), caps) > 1]
    last_menu = max((i for i, m in enumerate(messages) if m.choices), default=-1)
    if paged and (paged[-1] != last_menu or "numbered" in hows or len(paged) > 1):
        keep = paged[-1] if paged[-1] == last_menu and "numbered" not in hows else -1
        hows = ["numbered" if i in paged and i != keep else how for i, how in enumerate(hows)]
    menu: Menu | None = None
    shown: list[Choice] = []
    prompt = False
    out: list[Outbound] = []
    for msg, how in zip(messages, hows):
        if msg.choices or msg.expects:
            prompt = True
        if how == "numbered":
            msg, one = numbered(msg, t, len(shown) + 1)
            shown += one.choices
            menu = replace(one, choices=tuple(shown))
        elif how == "list" and pages(len(msg.choices), caps) > 1:
            at = (pages_at or {}).get(msg.step, 0) % pages(len(msg.choices), caps) if msg.step else 0
            menu = Menu(msg.choices, msg.multi, msg.step, False, at, msg.lang)
            msg = replace(msg, choices=page_of(msg.choices, caps, at, t(msg.lang, "choices.more")))
        out.extend(split(msg, caps))
    return Rendered(out, menu, clear=prompt and menu is None)
