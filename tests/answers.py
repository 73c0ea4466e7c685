"""Valid answers generated from the questionnaire content, so the tests follow content/questionnaire.toml.

A *persona* is a dict {step id: stored value} for the answers a test cares about (SKIP skips an optional step);
every other applicable step gets a generated valid answer from its kind and bounds. From that:

- `plan_answers(persona)`: the stored answers of a finished questionnaire (skipped steps are None);
- `lines(persona)`: what a user types in a chat (console, DMs), in content order, choices as option numbers
  (or labels), ending with the summary's confirmation;
- `typed(step, answers, value)` / `taps(step, answers, value)`: one answer as a typed line or as button values;
- `walk(core, user, persona)`: drives a core through the whole questionnaire by reading each reply's `step`
  and choices (not assuming an order), typed or tapped;
- `total(answers)` / `position(answers, step_id)`: the "Step n/total" figures, from the content.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core import Core
from bot.types import Inbound, Outbound, UserRef
from handlers import feedback as F
from handlers import steps as S
from handlers.steps import Step


class _Skip:
    def __repr__(self) -> str:
        return "SKIP"


SKIP: Any = _Skip()
"""Persona value: skip this (optional) step."""

# Answers that draw no suggestion (content/feedback.toml): a measure (a number), needs that name the first
# generated list items (so the pillars serve them), list items that share no word.
FILLER = {
    "id": "Saya ingin berbagi 2 cerita jujur untuk mahasiswa, pekerja muda dan ibu rumah tangga setiap minggu",
    "en": "I want to share 2 honest stories with students, young workers and market traders every week",
}
ITEMS = {
    "id": ["mahasiswa", "pekerja muda", "ibu rumah tangga", "pedagang pasar", "guru sekolah", "komunitas musik",
           "pegawai kantor", "petani muda"],
    "en": ["students", "young workers", "market traders", "young parents", "school teachers", "music fans",
           "office workers", "young farmers"],
}
NAME = "Rina Batik Nusantara"  # a step that asks the user's name gets a name, never a sentence (or a greeting)
CONFIRM_TYPED = "1"      # the summary's first choice confirms it
CONFIRM_TAP = "c:yes"


def steps_where(pred: Callable[[Step], bool]) -> list[Step]:
    """Steps of the content with a property (e.g. `lambda s: bool(s.warn)`), in content order."""
    return [s for s in S.all_steps() if pred(s)]


def first_step(pred: Callable[[Step], bool]) -> Step:
    found = steps_where(pred)
    assert found, "the content has no step with this property"
    return found[0]


def fit(text: str, min_len: int, max_len: int) -> str:
    """`text` repeated or cut to lie within [min_len, max_len] characters, never ending in a space."""
    out = text
    while len(out) < min_len:
        out = f"{out} {text}"
    return out[:max_len].rstrip()


def _safe_values(step: Step, answers: dict[str, Any]) -> list[str]:
    values = [v for v, _ in S.options_for(step, answers)]
    return [v for v in values if v not in step.warn_options] or values


def generated(step: Step, answers: dict[str, Any], lang: str = "id") -> Any:
    """A valid stored value for `step` (no reputation warning, no suggestion), given the earlier answers."""
    if step.kind == "text":
        return fit(NAME if step.asks_name else FILLER[lang], step.min_len, step.max_len)
    if step.kind == "list":
        want = max(step.min_items, 2)
        if step.max_items:
            want = min(want, step.max_items)
        pool = ITEMS[lang]
        return [fit(pool[i % len(pool)] + ("" if i < len(pool) else f" {i}"), step.min_len, step.max_len)
                for i in range(want)]
    values = _safe_values(step, answers)
    if step.kind == "choice":
        calm = [v for v in values if F.review(step.id, S.stored_value(step, answers, [v]), answers) is None]
        values = calm or values
        return S.stored_value(step, answers, [values[0]])
    want = max(step.min_items, 1)
    return values[:want]


def value_for(step: Step, answers: dict[str, Any], persona: dict[str, Any] | None, lang: str = "id") -> Any:
    """The persona's value for the step, else a generated one."""
    if persona and step.id in persona:
        return persona[step.id]
    return generated(step, answers, lang)


def _option_values(step: Step, answers: dict[str, Any], value: Any) -> list[str]:
    """The option values (as offered) that select `value`."""
    if step.options_from:
        items = [str(i) for i in answers.get(step.options_from) or []]
        return [str(items.index(str(value)))]
    return list(value) if isinstance(value, list) else [str(value)]


def typed(step: Step, answers: dict[str, Any], value: Any, labels: dict[str, str] | None = None) -> str:
    """The line a user types for this answer: text as is, list items comma-separated, choices as their numbers in
    the list shown ('2', '1,3'; on amounts too: '1' on the cadence is its first option), or as labels when `labels`
    ({option value: label}) is given."""
    if value is SKIP:
        return "/skip"
    if step.kind == "text":
        return str(value)
    if step.kind == "list":
        return ", ".join(value)
    picked = _option_values(step, answers, value)
    if labels is not None:
        return ", ".join(labels[v] for v in picked)
    offered = [v for v, _ in S.options_for(step, answers)]
    return ",".join(str(offered.index(v) + 1) for v in picked)


def taps(step: Step, value: Any, answers: dict[str, Any]) -> list[str]:
    """The button values a user taps for this answer (choice, multi + Done, or Skip)."""
    if value is SKIP:
        return [f"s:{step.id}"]
    if step.kind == "choice":
        return [f"a:{step.id}:{_option_values(step, answers, value)[0]}"]
    if step.kind == "multi":
        return [f"t:{step.id}:{v}" for v in _option_values(step, answers, value)] + [f"d:{step.id}"]
    raise ValueError(f"step {step.id} ({step.kind}) is answered by typing, not by tapping")


def stored(value: Any) -> Any:
    return None if value is SKIP else value


def script(persona: dict[str, Any] | None = None, lang: str = "id") -> list[tuple[Step, Any]]:
    """(step, value) for every step asked, in the order the content asks them for these answers."""
    answers: dict[str, Any] = {}
    out: list[tuple[Step, Any]] = []
    step = S.next_step(answers, None)
    while step is not None:
        value = value_for(step, answers, persona, lang)
        out.append((step, value))
        answers[step.id] = stored(value)
        step = S.next_step(answers, step.id)
    return out


def plan_answers(persona: dict[str, Any] | None = None, lang: str = "id") -> dict[str, Any]:
    """The stored answers of a finished questionnaire (skipped steps None)."""
    return {step.id: stored(value) for step, value in script(persona, lang)}


def lines(persona: dict[str, Any] | None = None, lang: str = "id", confirm: bool = True) -> list[str]:
    """Typed lines answering every step, in order, then confirming the summary."""
    answers: dict[str, Any] = {}
    out = []
    for step, value in script(persona, lang):
        out.append(typed(step, answers, value))
        answers[step.id] = stored(value)
    return out + ([CONFIRM_TYPED] if confirm else [])


def total(answers: dict[str, Any]) -> int:
    """How many steps these answers are asked (the 'total' of 'Step n/total')."""
    return len(S.applicable(answers))


def position(answers: dict[str, Any], step_id: str) -> int:
    """1-based number of the step among those asked."""
    return [s.id for s in S.applicable(answers)].index(step_id) + 1


def question_of(out: list[Outbound]) -> Outbound | None:
    """The question in a reply (the last message carrying a step), if any."""
    return next((m for m in reversed(out) if m.step), None)


@dataclass
class Walk:
    answers: dict[str, Any] = field(default_factory=dict)   # what was stored, by step id
    asked: list[str] = field(default_factory=list)          # step ids in the order the bot asked them
    replies: list[list[Outbound]] = field(default_factory=list)
    last: list[Outbound] = field(default_factory=list)      # the last reply (the summary, or the stop question)


async def walk(core: Core, user: UserRef, persona: dict[str, Any] | None = None, *, lang: str = "id",
               mode: str = "tap", stop_at: str | None = None, locale: str | None = None, limit: int = 200) -> Walk:
    """Answer whatever step the bot asks until the summary (or until it asks `stop_at`).

    mode "tap": choices tapped (multi: ticks then Done), text typed; mode "typed": everything typed, choices as
    numbers. Each tap is checked against the buttons the question offered.
    """
    w = Walk()
    w.last = await core.handle(Inbound(user, "command", command="start", locale=locale))  # begins or resumes
    for _ in range(limit):
        q = question_of(w.last)
        if q is None:
            assert any(m.key == "summary.title" for m in w.last), [m.key for m in w.last]
            return w
        step = S.step_by_id(q.step)
        assert step is not None, q.step
        if step.id == stop_at:
            return w
        w.asked.append(step.id)
        known = await _stored_answers(core, user)
        value = value_for(step, known, persona, lang)
        if mode == "tap" and (step.kind in ("choice", "multi") or value is SKIP):
            offered = {c.value for c in q.choices}
            for v in taps(step, value, known):
                assert v in offered, (v, offered)
                w.last = await core.handle(Inbound(user, "choice", choice=v))
        elif value is SKIP:
            w.last = await core.handle(Inbound(user, "command", command="skip"))
        else:
            w.last = await core.handle(Inbound(user, "text", text=typed(step, known, value)))
        w.replies.append(w.last)
        w.answers[step.id] = stored(value)
    raise AssertionError(f"questionnaire did not finish; asked: {w.asked}")


async def _stored_answers(core: Core, user: UserRef) -> dict[str, Any]:
    u = await core.storage.find_user(user.platform, user.user_id)
    return await core.storage.answers(u.id) if u else {}


def persona_from_actions(actions: list[tuple[str, Any]]) -> dict[str, Any]:
    """Stored values from a chat script of (step id, action): typed text, ("tap", button value) or ("multi",
    [option values]). Steps the content no longer has are left out."""
    out: dict[str, Any] = {}
    for step_id, action in actions:
        step = S.step_by_id(step_id)
        if step is None:
            continue
        if isinstance(action, str):
            out[step_id] = S.validate_text(step, action)[0]  # what the bot stores: the value without fillers
        elif action[0] == "multi":
            out[step_id] = list(action[1])
        elif action[1].startswith("s:"):
            out[step_id] = SKIP
        else:
            out[step_id] = S.stored_value(step, out, [action[1].split(":", 2)[2]])
    return out


def chat_actions(persona: dict[str, Any] | None = None, lang: str = "id") -> list[tuple[str, Any]]:
    """(step id, action) for every step asked, in content order: typed text, ("tap", value) for a choice or a
    Skip button, ("multi", [option values]) for ticks then Done."""
    answers: dict[str, Any] = {}
    out: list[tuple[str, Any]] = []
    for step, value in script(persona, lang):
        if value is SKIP or step.kind == "choice":
            action: Any = ("tap", taps(step, value, answers)[0])
        elif step.kind == "multi":
            action = ("multi", _option_values(step, answers, value))
        else:
            action = typed(step, answers, value)
        out.append((step.id, action))
        answers[step.id] = stored(value)
    return out
