"""Discord forms (modals) for the core's free-text questions: every question shown in full, values kept, errors."""
from __future__ import annotations

from typing import Any

import discord

from bot.adapters.discord_ui import NO_STEP, make_id
from bot.i18n import Catalog
from bot.types import Outbound, TextField

TEXT_INPUT_LIMIT = 4000
MODAL_COMPONENTS = 5     # top-level components of one modal (labels and text displays)
LABEL_LIMIT = 45
DESCRIPTION_LIMIT = 100
PLACEHOLDER_LIMIT = 100
TEXT_DISPLAY_LIMIT = 4000
GENERIC_INPUT = "answer"  # the input of a form outside the questionnaire (the core knows what it awaits)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def generic_field(msg: Outbound | None, lang: str, max_len: int, catalog: Catalog) -> TextField:
    """The one field of a prompt that names no question (e.g. a reminder time): the prompt's text, if known."""
    limit = max(1, min(max_len or TEXT_INPUT_LIMIT, TEXT_INPUT_LIMIT))
    return TextField(GENERIC_INPUT, catalog.t(lang, "discord.modal.label"), msg.text if msg is not None else "",
                     catalog.t(lang, "discord.modal.placeholder", max=limit), max_len=limit, multiline=limit > 100)


def _input(field: TextField) -> discord.ui.TextInput[Any]:
    limit = max(1, min(field.max_len or TEXT_INPUT_LIMIT, TEXT_INPUT_LIMIT))
    return discord.ui.TextInput(
        custom_id=field.step, style=discord.TextStyle.paragraph if field.multiline else discord.TextStyle.short,
        required=field.required, max_length=limit, min_length=min(field.min_len, limit) or None,
        placeholder=_cut(field.hint, PLACEHOLDER_LIMIT) or None, default=field.value[:limit] or None)


def _items(field: TextField) -> list[discord.ui.Item[Any]]:
    """A field's components: the question in full as the label's description, or as text above it if longer."""
    description = f"⚠️ {field.error}" if field.error else field.prompt
    above: list[discord.ui.Item[Any]] = []
    if len(description) > DESCRIPTION_LIMIT or (field.error and field.prompt):
        above.append(discord.ui.TextDisplay(_cut(field.prompt, TEXT_DISPLAY_LIMIT)))
        description = f"⚠️ {field.error}" if field.error else ""
    label = discord.ui.Label(text=_cut(field.label, LABEL_LIMIT), component=_input(field),
                             description=_cut(description, DESCRIPTION_LIMIT) or None)
    return above + [label]


def build_form(custom_id: str, title: str, fields: tuple[TextField, ...], preface: str = "") -> discord.ui.Modal:
    """A modal asking `fields` in order (as many as fit in Discord's 5 components; the rest come next time)."""
    modal = discord.ui.Modal(title=_cut(title, LABEL_LIMIT), custom_id=custom_id, timeout=None)
    budget = MODAL_COMPONENTS
    if preface.strip():
        modal.add_item(discord.ui.TextDisplay(_cut(preface.strip(), TEXT_DISPLAY_LIMIT)))
        budget -= 1
    for n, field in enumerate(fields):
        items = _items(field)
        if len(items) > budget and n > 0:
            break
        if len(items) > budget:  # the first question always fits: without its full text above if need be
            items = items[-1:]
        for item in items:
            modal.add_item(item)
        budget -= len(items)
    modal.stop()
    return modal


def form_for(owner: str, question: Outbound | None, lang: str, max_len: int, catalog: Catalog,
             preface: str = "") -> discord.ui.Modal:
    """The form for a question's fields (named by its first step), or one field for a prompt without them."""
    fields = question.fields if question is not None and question.fields else \
        (generic_field(question, lang, max_len, catalog),)
    rest = question.step if question is not None and question.fields and question.step else NO_STEP
    return build_form(make_id(owner, "modal", rest), catalog.t(lang, "discord.modal.title"), fields, preface)


def form_values(data: Any) -> list[tuple[str, str]]:
    """(custom id, value) of the text inputs of a modal submit payload (the interaction's data), in the form's order.

    A value longer than any Discord text input holds was not typed in one (a forged payload): only what an input
    holds goes on (each question's own field may hold less; its handler keeps no more than that)."""
    out: list[tuple[str, str]] = []
    stack = list((data or {}).get("components") or [])
    while stack:
        comp = stack.pop(0)
        if not isinstance(comp, dict):
            continue
        nested = ([comp["component"]] if isinstance(comp.get("component"), dict) else []) + \
            [c for c in comp.get("components") or [] if isinstance(c, dict)]
        stack[:0] = nested
        if comp.get("type") == 4 and isinstance(comp.get("custom_id"), str):
            out.append((comp["custom_id"], str(comp.get("value") or "")[:TEXT_INPUT_LIMIT]))
    return out


def submitted(step: str, answers: list[tuple[str, str]]) -> dict[str, Any]:
    """The Inbound fields of a submitted form: its first text and the questions it names (the core refuses a form
    whose questions have passed); a form outside the questionnaire names none."""
    if step == NO_STEP or answers[0][0] == GENERIC_INPUT:
        return {"text": answers[0][1], "step": "" if step == NO_STEP else step}
    return {"text": answers[0][1], "step": answers[0][0], "answers": tuple(answers)}


def form_to_open(replies: list[Outbound]) -> Outbound | None:
    """The free-text question a press leads to, when the press may answer with its form right away.

    Only when nothing else needs the message: no file, no refusal, no redraw, and the question comes last.
    """
    if not replies or any(m.kind in ("refusal", "document", "redraw") or m.file is not None for m in replies):
        return None
    asked = [m for m in replies if m.kind != "settled"]
    last = asked[-1] if asked else None
    if last is None or last.kind != "question" or last.expects != "text":
        return None
    return last


def preface_of(replies: list[Outbound], question: Outbound) -> str:
    """What comes before the question (the answer just given, a warning) for the top of its form."""
    said = [m.text for m in replies if m.kind == "settled"] + [m.text for m in replies
                                                               if m is not question and m.kind != "settled"]
    return "\n\n".join(t for t in said if t)
