"""The brand-planning questionnaire: ask, validate, store, move on; /skip, /back, /edit, summary."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.actions import Action, action
from bot.context import Context
from bot.features import Command, Feature
from bot.i18n import LANGUAGES
from bot.router import Router
from bot.state import Confirmation, Draft, Legacy, as_draft, decode_awaits, draft
from bot.storage import Flow
from bot.types import Choice, TextField
from handlers import feedback as F
from handlers import lexicon as L
from handlers import playbook, reputation
from handlers import steps as S
from handlers import values as V
from handlers.events import PlanConfirmed
from handlers.steps import Step

PREVIEW = 60
FORM_FIELDS = 5  # at most this many free-text questions offered together (Discord's form limit)
TEXT_KINDS = ("text", "list")


@action("a:{step}:{option}")
class Answer(Action):
    step: str
    option: str


@action("t:{step}:{option}", role="toggle")
class Toggle(Action):
    step: str
    option: str


@action("d:{step}", role="submit")
class Submit(Action):
    """Done: submit the ticked options of a multi-choice step."""

    step: str


@action("k:{step}", role="navigation")
class Keep(Action):
    """Keep the answer already given and move on."""

    step: str


@action("s:{step}", role="navigation")
class Skip(Action):
    step: str


@action("e:{step}")
class EditPick(Action):
    step: str


@action("c:yes", role="submit")
class ConfirmPlan(Action):
    pass


@action("c:edit", role="navigation")
class EditAnswers(Action):
    pass


@action("n:yes", role="submit")
class NameYes(Action):
    """Keep the name answer that read like a sentence."""


@action("n:no", role="navigation")
class NameNo(Action):
    """Type the name again."""


# -- the questionnaire's drafts (flows.draft, bot/state.py) ------------------------------------------------------

@draft("ticks")
class Ticks(Draft):
    """The options ticked so far at a multi-choice step."""

    options: tuple[str, ...]


@draft("suggested")
class Suggested(Draft):
    """The option a "Did you mean ...?" offered at a choice step (a typed yes accepts it)."""

    option: str


@draft("name")
class NameOffer(Draft):
    """A name read from an answer that read like a sentence, offered back for a yes or no."""

    name: str


@draft("form")
class FormValues(Draft):
    """A form's values not stored yet (a field was refused), (step id, text) in the form's order."""

    fields: tuple[tuple[str, str], ...]


LEGACY_SUGGESTED = "?"  # before typed drafts: an entry "?<option>" was a suggestion, "step=text" a form value


def _from_legacy(flow: Flow, items: tuple[str, ...]) -> Draft | None:
    """A draft stored as a bare list by versions before typed drafts, read by the question it was stored at."""
    step = S.step_by_id(flow.step) if flow.step else None
    if step is None or not items:
        return None
    if step.kind == "choice":
        offered = [i[len(LEGACY_SUGGESTED):] for i in items if i.startswith(LEGACY_SUGGESTED)]
        return Suggested(offered[0]) if offered else None
    if step.kind == "multi":
        return Ticks(tuple(i for i in items if not i.startswith(LEGACY_SUGGESTED)))
    pairs = [i.partition("=") for i in items]
    if all(sep and S.step_by_id(sid) is not None for sid, sep, _ in pairs):
        return FormValues(tuple((sid, text) for sid, _, text in pairs))
    return NameOffer(items[0]) if step.asks_name and len(items) == 1 else None


def draft_of(flow: Flow) -> Draft | None:
    """The flow's draft, typed (a row from before typed drafts read once by its question)."""
    found = as_draft(flow.draft)
    return _from_legacy(flow, found.items) if isinstance(found, Legacy) else found


def ticks(flow: Flow) -> list[str]:
    """The ticked options of a multi step."""
    found = draft_of(flow)
    return list(found.options) if isinstance(found, Ticks) else []


def _suggested(flow: Flow) -> str | None:
    found = draft_of(flow)
    return found.option if isinstance(found, Suggested) else None


def _name_offer(flow: Flow) -> str | None:
    found = draft_of(flow)
    return found.name if isinstance(found, NameOffer) else None


def confirming(flow: Flow | None) -> bool:
    """A yes/no confirmation (privacy's reset or delete) is open: questions wait for it."""
    return flow is not None and isinstance(decode_awaits(flow.awaits), Confirmation)


def option_label(ctx: Context, step: Step, value: str, answers: dict[str, Any]) -> str:
    if step.options_from:
        items = answers.get(step.options_from) or []
        return str(items[int(value)]) if value.isdigit() and int(value) < len(items) else value
    return ctx.t(f"opt.{step.id}.{value}")


def format_answer(ctx: Context, step: Step, value: Any) -> str:
    """A stored answer as the user reads it."""
    if value is None:
        return ctx.t("common.skipped")
    if step.kind == "choice" and not step.options_from:
        return ctx.t(f"opt.{step.id}.{value}")
    if step.kind == "multi":
        return ", ".join(ctx.t(f"opt.{step.id}.{v}") for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def labels(ctx: Context, step: Step, answers: dict[str, Any]) -> dict[str, str]:
    return {v: lit or ctx.t(f"opt.{step.id}.{v}") for v, lit in S.options_for(step, answers)}


def all_labels(ctx: Context, step: Step, answers: dict[str, Any]) -> dict[str, list[str]]:
    """Option labels in every language (the user's first, as shown to them: e.g. formally): people type either."""
    langs = list(dict.fromkeys([ctx.tag, ctx.lang, *LANGUAGES]))
    return {v: [lit] if lit else list(dict.fromkeys(ctx.core.catalog.t(lang, f"opt.{step.id}.{v}") for lang in langs))
            for v, lit in S.options_for(step, answers)}


async def load(ctx: Context) -> tuple[Flow | None, dict[str, Any]]:
    """The conversation state (as loaded for this message) and the answers."""
    return ctx.flow, await ctx.storage.answers(ctx.user.id)


def ask(ctx: Context, flow: Flow, answers: dict[str, Any], *, replace: bool = False) -> None:
    """Show the current step: progress, section, question, hint, current answer, options."""
    step = S.step_by_id(flow.step)
    if step is None:
        return
    n, total = S.progress(answers, step.id)
    parts = [ctx.t("q.progress", n=n, total=total, section=ctx.t(f"sec.{step.section}")),
             ctx.t(f"q.{step.id}.prompt")]
    if ctx.core.catalog.has(f"q.{step.id}.hint", ctx.lang):
        parts.append(ctx.t(f"q.{step.id}.hint"))
    if step.id in answers:
        parts.append(ctx.t("q.current", answer=_short(format_answer(ctx, step, answers[step.id]))))
    choices: list[Choice] = []
    hint = ""
    if step.kind == "choice":
        choices = [Choice(Answer(step.id, v), lbl) for v, lbl in labels(ctx, step, answers).items()]
        expects = "choice"
    elif step.kind == "multi":
        chosen = set(ticks(flow))
        choices = [Choice(Toggle(step.id, v), lbl, v in chosen) for v, lbl in labels(ctx, step, answers).items()]
        choices.append(Choice(Submit(step.id), ctx.t("btn.done")))
        hint = ctx.t("q.multi_hint")
        parts.append(hint)
        expects = "multi"
    else:
        hint = _text_hint(ctx, step)
        parts.append(hint)
        expects = "text"
    if step.id in answers:
        choices.append(Choice(Keep(step.id), ctx.t("btn.keep")))
    if not step.required:
        choices.append(Choice(Skip(step.id), ctx.t("btn.skip")))
        parts.append(ctx.t("q.optional_hint"))
    ctx.say(f"q.{step.id}.prompt", text="\n\n".join(parts), choices=choices, multi=step.kind == "multi",
            expects=expects, max_len=step.max_len if expects == "text" else 0, step=step.id,
            kind="redraw" if replace else "question", hint=hint,
            fields=form_fields(ctx, flow, answers, step) if expects == "text" else ())


def _short(text: str) -> str:
    return text if len(text) <= PREVIEW * 3 else text[: PREVIEW * 3] + "…"


async def begin(ctx: Context) -> None:
    """Start the questionnaire from the first step (keeps nothing of an earlier run's state)."""
    answers = await ctx.storage.answers(ctx.user.id)
    first = S.next_step(answers, None)
    flow = Flow(ctx.user.id, "active", first.id if first else None, None, None, None)
    await ctx.save_flow(flow)
    name = ctx.inbound.user.display_name.strip()[:40]
    ctx.say("intro.welcome", name=f" {name}" if name else "")
    ask(ctx, flow, answers)


async def resume(ctx: Context, flow: Flow, answers: dict[str, Any]) -> None:
    """Show where the user is: the current question, the summary, or the finished plan's menu."""
    if flow.status == "confirm":
        show_summary(ctx, answers)
    elif flow.status == "done":
        ctx.say("plan.ready_menu")
    elif flow.step is None or S.step_by_id(flow.step) is None:
        await advance(ctx, flow, answers, None)
    else:
        await ctx.expect(None)  # the question shown is what the next message answers (not /check's draft)
        ask(ctx, flow, answers)


async def reprompt(ctx: Context) -> None:
    """After a side remark (unknown command, sticker...), repeat the current question if one is open."""
    flow, answers = await load(ctx)
    if flow is not None and flow.status == "active" and not confirming(flow):
        await ctx.expect(None)  # the question shown is what the next message answers (not /check's draft)
        ask(ctx, flow, answers)


def _target(flow: Flow, answers: dict[str, Any], after: str | None) -> tuple[Step | None, str | None]:
    """The step to ask next (None: the summary) and the /edit return point to keep.

    After an /edit, a required answer that is missing (a priority segment dropped because the segments changed,
    the team-replier question that now applies) is asked before going back; otherwise the user returns straight
    to where /edit came from: the summary, or the step they had reached.
    """
    if flow.return_to:
        missing = next((s for s in S.applicable(answers) if s.id not in answers), None)
        if missing is not None:
            return missing, (None if missing.id == flow.return_to else flow.return_to)
        if flow.return_to == "confirm":
            return None, None
        back = S.step_by_id(flow.return_to)
        if back is not None and not S.applies(back, answers):
            back = S.next_step(answers, back.id)
        return back, None
    return S.next_step(answers, after), None


def _moved(flow: Flow, target: Step | None, keep: str | None) -> Flow:
    """The flow positioned at `target` (or at the summary)."""
    return Flow(flow.user_id, "active" if target else "confirm", target.id if target else None, keep, None,
                flow.awaits, flow.planned_at, flow.awaits_at)


def _show(ctx: Context, flow: Flow, answers: dict[str, Any]) -> None:
    if flow.step is None:
        show_summary(ctx, answers)
    else:
        ask(ctx, flow, answers)


async def advance(ctx: Context, flow: Flow, answers: dict[str, Any], after: str | None) -> None:
    """Move to the next step (or back to where /edit came from, or to the summary) and ask it."""
    moved = _moved(flow, *_target(flow, answers, after))
    await ctx.save_flow(moved)
    _show(ctx, moved, answers)


async def store(ctx: Context, flow: Flow, answers: dict[str, Any], step: Step, value: Any, *,
                show: bool = True, typed: str | None = None, hold_with: str | None = None) -> bool:
    """Commit one answer with the next state (and drop answers that depended on it), then ask what is next
    (unless `show` is False: a form stores several answers, then shows what follows once).

    When the answer is weak (content/feedback.toml), the flow stays on this question and one suggestion is shown
    with Improve / Keep buttons; typing a new answer also works. Returns False then, True when the flow moved on.
    `typed` is what the user typed when the value differs (kept for /export). `hold_with`, a list read from prose:
    the flow stays too, that text (the list as understood) is shown with a button to go on, and a fix in one
    message or a new list replaces it.
    """
    previous = answers.get(step.id)
    answers[step.id] = value
    # Dependent answers (e.g. the priority segment picked from the segments) are dropped when their source changes.
    drop = tuple(o.id for o in S.all_steps() if o.options_from == step.id and o.id in answers)
    for other in drop:
        answers.pop(other)
    new_tactics = _new_tactics(step, value, previous, answers)
    tip = None if new_tactics else F.review(step.id, value, answers, previous)
    held = tip is not None or hold_with is not None
    moved = _held(flow, step) if held else _moved(flow, *_target(flow, answers, step.id))
    await ctx.storage.save_answer(ctx.user.id, step.id, value, moved, drop=drop, typed=typed)
    ctx.flow = moved
    if ctx.inbound.kind == "choice":
        ctx.settle(format_answer(ctx, step, value))
    _warn(ctx, new_tactics, answers, step)
    if hold_with is not None:
        ctx.say("list.understood", text=hold_with, step=step.id, expects="text",
                choices=() if tip else (Choice(Keep(step.id), ctx.t("list.btn_ok")),))
    if tip:
        _suggest(ctx, step, tip)
        return False
    if hold_with is not None:
        return False
    if show:
        _show(ctx, moved, answers)
    return True


def _held(flow: Flow, step: Step) -> Flow:
    """The flow kept on `step` (after a suggestion): Keep moves on, a new answer replaces this one."""
    return Flow(flow.user_id, "active", step.id, flow.return_to, None, flow.awaits, flow.planned_at, flow.awaits_at)


def _suggest(ctx: Context, step: Step, tip: F.Tip) -> None:
    ctx.say(tip.key, text=F.render(tip, ctx.t), step=step.id,
            expects="text" if step.kind in ("text", "list") else "choice",
            choices=(Choice(F.Improve(step.id), ctx.t("fb.btn_improve")), Choice(Keep(step.id), ctx.t("fb.btn_keep"))))


def _new_tactics(step: Step, value: Any, previous: Any, answers: dict[str, Any]) -> list[str]:
    """Risky tactics this answer plans that no other answer (nor its previous version) was warned about."""
    planned = S.tactics_in(step, value)
    if not planned:  # most answers plan none: the other answers need not be read
        return []
    seen = set(S.tactics_in(step, previous))
    for other in S.all_steps():
        if other.id != step.id:
            seen.update(S.tactics_in(other, answers.get(other.id)))
    return [t for t in planned if t not in seen]


def _warn(ctx: Context, tactics: list[str], answers: dict[str, Any], step: Step) -> None:
    """The reputation warning, once: the article's reasoning the first time, then each new tactic's alternative."""
    if not tactics:
        return
    first = not any(S.tactics_in(s, answers.get(s.id)) for s in S.all_steps() if s.id != step.id)
    # the article's point 9 in the role's words: a candidate loses support and votes, a seller buyers
    warning = ctx.t("warn.controversy", stake=playbook.stake(ctx.t, answers.get("role")))
    parts = ([warning] if first else []) + [ctx.t(reputation.role_key(f"rep.{t}.alt", answers.get("role")))
                                            for t in tactics]
    ctx.say("warn.controversy" if first else f"rep.{tactics[0]}.alt", text="\n\n".join(parts))


def show_summary(ctx: Context, answers: dict[str, Any]) -> None:
    """All answers by section, with buttons to confirm or change one."""
    lines = [ctx.t("summary.title")]
    section = None
    for step in S.applicable(answers):
        if step.section != section:
            section = step.section
            lines.append("\n" + ctx.t(f"sec.{section}"))
        lines.append(ctx.t("summary.line", question=ctx.t(f"q.{step.id}.short"),
                           answer=_short(format_answer(ctx, step, answers.get(step.id)))))
    lines.append("\n" + ctx.t("summary.confirm"))
    ctx.say("summary.title", text="\n".join(lines), expects="choice", choices=(
        Choice(ConfirmPlan(), ctx.t("btn.confirm")), Choice(EditAnswers(), ctx.t("btn.edit"))))


# -- handlers ------------------------------------------------------------------

async def on_text(ctx: Context) -> None:
    flow, answers = await load(ctx)
    if flow is None:
        await begin(ctx)
        return
    if ctx.inbound.step and (flow.status != "active" or flow.step != ctx.inbound.step):
        ctx.refuse("err.stale_form")  # a form for a question already passed: not taken as this one's answer
        return
    if flow.status == "paused":
        ctx.say("flow.paused_hint")
        return
    if flow.status in ("done", "confirm") and (named := _named_answer(ctx, answers, ctx.inbound.text)):
        await _edit(ctx, named)  # 'visi', 'ubah visi', 'vision' after /edit: that answer, as a tap would
        return
    if flow.status == "done":
        ctx.say("plan.ready_menu")
        return
    if flow.status == "confirm":
        await _typed_confirm(ctx, flow, answers)
        return
    step = S.step_by_id(flow.step)
    if step is None:
        await advance(ctx, flow, answers, None)
        return
    text = ctx.inbound.text
    offered = step.asks_name and _name_offer(flow) is not None
    if step.kind in ("text", "list") and not step.asks_name:
        if await _dismissal_turn(ctx, flow, answers, step, text):
            return
        text = _past_hedge(text)
    if not offered and await _meta_turn(ctx, flow, answers, step, text):
        return
    if not offered and await _typed_button(ctx, flow, answers, step, text):
        return
    if step.kind in ("choice", "multi"):
        await _typed_choice(ctx, flow, answers, step, text)
        return
    if step.asks_name and await _name_turn(ctx, flow, answers, step, text):
        return
    if step.kind == "list" and await _list_turn(ctx, flow, answers, step, text):
        return
    value, problem = S.validate_text(step, text)
    if problem is None and step.asks_name and not any(c.isalpha() for c in value):
        problem = S.Problem("err.name_letters")  # '😀🔥💯' is no name
    if problem is not None:
        ctx.refuse(problem.key, **dict(problem.params))
        ask(ctx, flow, answers)
        return
    introduced = L.name_in(value) if step.asks_name else None  # 'Selamat siang. Drs. H. Bambang, M.Si.'
    if step.asks_name and (L.reads_like_sentence(value) or introduced not in (None, value)):
        name = introduced or value  # 'I'm Alex, a travel vlogger': offer 'Alex'
        flow.draft = NameOffer(name)
        await ctx.save_flow(flow)
        ctx.say("name.confirm", name=name, expects="choice",
                choices=(Choice(NameYes(), ctx.t("btn.name_yes")), Choice(NameNo(), ctx.t("btn.name_no"))))
        return
    understood = None
    if step.kind == "list" and V.read_list(S.clean_text(text)).prose:  # read from prose: show what was understood
        understood = ctx.t("list.understood", count=len(value), items=_numbered(value))
    await store(ctx, flow, answers, step, value, typed=as_typed(ctx.inbound.text, value), hold_with=understood)


_HEDGE_BREAK = re.compile(r"[,;:.!?…]+\s*|\s+[-–—]+\s+")


def dismisses(text: str) -> bool:
    """A message that is only 'never mind', 'no', 'sure', 'whatever' ('gpp kak', 'boleh kak', 'ga usah deh',
    'terserah', 'nope'): yes, no, keep and skip words with politeness and fillers around them ([words] and
    [reading].polite in content/lexicon.toml). To a question that asks for text it answers nothing, so it is never
    stored as the answer ('Pesaing: gpp')."""
    tokens = [t for clause in L.clauses(text) for t in clause]
    if not tokens:
        return False
    known = _dismissal_words()
    at = 0
    while at < len(tokens):
        size = next((k for k in range(min(4, len(tokens) - at), 0, -1) if " ".join(tokens[at:at + k]) in known), 0)
        if not size:
            return False
        at += size
    return True


@lru_cache(maxsize=1)
def _dismissal_words() -> frozenset[str]:
    """The words of dismisses, read as a message is read ('nggak papa' as 'tidak papa')."""
    lists = L.words("yes") | L.words("no") | L.words("keep") | L.words("skip") | L.reading("polite") \
        | L.words("fillers")
    return frozenset(" ".join(t for clause in L.clauses(w) for t in clause) for w in lists) - {""}


def _past_hedge(text: str) -> str:
    """'tra tau, mungkin kades lama' -> 'mungkin kades lama': a 'don't know' or 'never mind' before the real answer
    is no skip; the answer after it is kept. The text unchanged when nothing but the hedge was said."""
    rest = text
    while (m := _HEDGE_BREAK.search(rest)) is not None:
        head = rest[:m.start()]
        plain = " ".join(w for w in head.split() if L.fold(w) not in L.reading("also"))  # 'nggak tau juga'
        if not plain.strip() or not (dismisses(plain) or L.meta_reply(plain) == "skip"):
            break
        rest = rest[m.end():]
    return rest if rest != text and V.clean_value(rest) and not dismisses(rest) else text


async def _dismissal_turn(ctx: Context, flow: Flow, answers: dict[str, Any], step: Step, text: str) -> bool:
    """'gpp kak', 'boleh kak', 'terserah' to a question that asks for text: an optional question is skipped (and
    that is said back), an answered one keeps its answer, a required one is said to be needed; True when handled."""
    if not dismisses(text):
        return False
    if step.id in answers:
        if L.yes_no(text) is False:
            return False  # 'ubah', 'ganti' to an answered question: not a keep
        ctx.say("q.understood", answer=_short(format_answer(ctx, step, answers[step.id])))
        await advance(ctx, flow, answers, step.id)
        return True
    if not step.required:
        ctx.say("q.understood", answer=ctx.t("common.skipped"))
    await skip_current(ctx, flow, answers, step)
    return True


def _numbered(items: list[str]) -> str:
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))


def as_typed(raw: str, value: Any) -> str | None:
    """What was typed, kept beside the value when they differ (the value is what the plan shows); else None."""
    typed = raw.strip()
    if value is None or not typed:
        return None
    shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return None if S.clean_text(typed) == shown else typed


def _only_yes(text: str) -> bool:
    """A message that is only a yes ('iya kak', 'betul', 'ok sip'), not a list that starts with one."""
    tokens = L.fold(text).split()
    known = L.words("yes") | L.reading("polite") | L.words("fillers")
    return bool(tokens) and L.yes_no(text) is True and all(t in known for t in tokens)


async def _list_turn(ctx: Context, flow: Flow, answers: dict[str, Any], step: Step, text: str) -> bool:
    """On a list question that has an answer (just read from prose, or after /edit): a yes keeps it, and a fix in
    one message changes it ('hapus 2', 'gabung 2 3', '2 = guru les privat', 'tambah dosen'; English too), so a
    person on a phone never retypes the whole list for one wrong item. True when handled."""
    current = answers.get(step.id)
    if not isinstance(current, list) or not current:
        return False
    if _only_yes(text):
        ctx.say("q.understood", answer=_short(format_answer(ctx, step, current)))
        await advance(ctx, flow, answers, step.id)
        return True
    fix = V.list_fix(text, [str(i) for i in current], ctx.t("list.and"))
    if fix is None:
        return False
    if fix.bad:
        ctx.refuse("list.fix_bad", items=_numbered([str(i) for i in current]))
        return True
    items = list(fix.items)
    problem = S.check_items(step, items)
    if problem is not None:
        ctx.refuse(problem.key, **dict(problem.params))
        return True
    ctx.say("list.fixed", items=_numbered(items))
    before = await ctx.storage.typed_answer(ctx.user.id, step.id) or "\n".join(str(i) for i in current)
    await store(ctx, flow, answers, step, items, typed=f"{before}\n{text.strip()}")
    return True


def _button_labels(ctx: Context, *keys: str) -> list[str]:
    tags = (*LANGUAGES, *ctx.core.catalog.variants)  # a button's label as any user may have seen it
    return list(dict.fromkeys(ctx.core.catalog.t(lang, key) for key in keys for lang in tags))


async def _typed_button(ctx: Context, flow: Flow, answers: dict[str, Any], step: Step, text: str) -> bool:
    """A typed word that names a navigation button offered here (Keep, Improve, Skip) presses it; True if so.

    On a choice step an option's own name wins ('tidak ada' can be an option)."""
    if step.kind in ("choice", "multi"):
        reading = S.read_options(step, answers, text, all_labels(ctx, step, answers))
        if reading is not None and reading.picked:
            return False
    if step.id in answers and L.names_button(text, "keep", _button_labels(ctx, "btn.keep", "fb.btn_keep")):
        ctx.say("q.understood", answer=_short(format_answer(ctx, step, answers[step.id])))
        await advance(ctx, flow, answers, step.id)
        return True
    if step.id in answers and L.names_button(text, "improve", _button_labels(ctx, "fb.btn_improve")):
        ask(ctx, flow, answers)
        return True
    if not step.required and L.names_button(text, "skip", _button_labels(ctx, "btn.skip")):
        ctx.say("q.understood", answer=ctx.t("common.skipped"))
        await skip_current(ctx, flow, answers, step)
        return True
    return False


async def _meta_turn(ctx: Context, flow: Flow, answers: dict[str, Any], step: Step, text: str) -> bool:
    """A reply about the question rather than an answer, said politely or casually ('saya tetap memakai jawaban
    saya', 'skip dulu deh, belum kepikiran', 'balik ke pertanyaan sebelumnya'): never stored; True when handled.

    Keep (or a confirm, or a skip, where an answer is already given) keeps it and moves on; a skip of an optional
    question skips it, of a required one says it is needed with an example; back goes to the previous question.
    On a choice step an option named outright wins."""
    intent = L.meta_reply(text)
    if intent is None:
        return False
    if step.kind in ("choice", "multi"):
        reading = S.read_options(step, answers, text, all_labels(ctx, step, answers))
        if reading is not None and reading.picked and reading.sure:
            return False
    if intent == "back":
        await _go_back(ctx, flow, answers)
        return True
    if step.id in answers and intent in ("keep", "confirm", "skip"):
        ctx.say("q.understood", answer=_short(format_answer(ctx, step, answers[step.id])))
        await advance(ctx, flow, answers, step.id)
        return True
    if intent == "keep":
        ctx.refuse("q.nothing_to_keep")
        ask(ctx, flow, answers)
        return True
    if intent == "skip":
        if not step.required:
            ctx.say("q.understood", answer=ctx.t("common.skipped"))
        await skip_current(ctx, flow, answers, step)
        return True
    return False  # a confirm word with nothing to confirm here: read it as an answer


def _named_answer(ctx: Context, answers: dict[str, Any], text: str) -> str | None:
    """The answered step a typed text names by its short label in either language ('visi', 'ubah target 5 tahun'),
    change words ('ubah', 'edit') aside; None for a number, a yes/no or anything unclear."""
    rest = " ".join(t for t in L.fold(text).split() if t not in L.words("no"))
    if not rest or rest.isdigit() or L.yes_no(rest) is not None:
        return None
    ids = [s.id for s in S.applicable(answers) if s.id in answers]
    words = set(rest.split())
    for lang in [ctx.lang, *(x for x in LANGUAGES if x != ctx.lang)]:
        shorts = [ctx.core.catalog.t(lang, f"q.{sid}.short") for sid in ids]
        at = L.pick_label(rest, shorts)
        if at is not None:
            return ids[at]
        if any(words & set(L.fold(short).split()) for short in shorts):
            return None  # unclear in this language ('target': three answers): not guessed from another one
    return None


async def _typed_confirm(ctx: Context, flow: Flow, answers: dict[str, Any]) -> None:
    """Text at the summary: a yes or a polite confirmation ('Terima kasih, sudah benar. Silakan dibuatkan
    rencananya.') confirms once, a no (or 'ubah') lists the answers to change, 'go back' opens the last question;
    anything else asks for a yes or a change, with the buttons (the summary is already on screen)."""
    text = ctx.inbound.text
    said = L.yes_no(text)
    intent = L.meta_reply(text)
    if said is True or (said is None and intent in ("confirm", "keep")):
        await _make_plan(ctx, flow)
    elif said is False:
        await cmd_edit(ctx)
    elif intent == "back":
        await _go_back(ctx, flow, answers)
    else:
        ctx.refuse("summary.yes_no")
        ctx.say("summary.confirm", expects="choice", choices=(
            Choice(ConfirmPlan(), ctx.t("btn.confirm")), Choice(EditAnswers(), ctx.t("btn.edit"))))


async def _typed_choice(ctx: Context, flow: Flow, answers: dict[str, Any], step: Step, text: str) -> None:
    """A typed answer to a choice step: read as people type; unclear answers get the closest options named."""
    names = all_labels(ctx, step, answers)
    suggested = _suggested(flow)
    if suggested is not None:
        said = _accepts(step, answers, text, names, suggested)
        flow.draft = None
        if said is True:
            await _answer_choice(ctx, flow, answers, step, [suggested])
            return
        await ctx.save_flow(flow)
        if said is False:
            ask(ctx, flow, answers)
            return
    reading = S.read_options(step, answers, text, names)
    if reading is not None and not reading.picked:
        _only_left_out(ctx, step, answers, reading)
        ask(ctx, flow, answers)
        return
    if reading is None:
        near = S.closest_options(step, answers, text, names)
        if not near:
            ctx.refuse("err.pick_option")
            ask(ctx, flow, answers)
            return
        shown = labels(ctx, step, answers)
        offered = list(shown)
        ctx.refuse("err.pick_closest", options=ctx.t("common.or").join(
            f"{offered.index(v) + 1}. {shown[v]}" for v in near))
        if len(near) == 1 and step.kind == "choice":  # 'Did you mean 2. X?': a typed yes takes it
            flow.draft = Suggested(near[0])
            await ctx.save_flow(flow)
        return
    if (not reading.sure or step.kind == "multi") and S.check_choice(step, answers, reading.picked) is None:
        ctx.say("q.understood", text=_understood(ctx, step, answers, reading))
    await _answer_choice(ctx, flow, answers, step, reading.picked)


def _understood(ctx: Context, step: Step, answers: dict[str, Any], reading: S.Reading) -> str:
    """'Oke, aku catat: Instagram, Facebook (bukan TikTok).', with what was named but not taken: more than a
    single choice takes, and things that are not options here ('WhatsApp belum ada di pilihan')."""
    shown = labels(ctx, step, answers)
    answer = ", ".join(shown[v] for v in reading.picked)
    parts = [ctx.t("q.understood_without", answer=answer, left=", ".join(shown[v] for v in reading.left))
             if reading.left else ctx.t("q.understood", answer=answer)]
    if reading.extra:
        parts.append(ctx.t("q.only_one", extra=ctx.t("common.or").join(shown[v] for v in reading.extra)))
    if reading.others:
        parts.append(ctx.t("q.not_an_option", names=", ".join(ctx.t(f"other.{o}") for o in reading.others)))
    if reading.rounded:
        parts.append(ctx.t("q.rounded"))
    return " ".join(parts)


def _only_left_out(ctx: Context, step: Step, answers: dict[str, Any], reading: S.Reading) -> None:
    """A sentence that named options only to leave them out ('Saya belum berani mencoba TikTok'), or only things
    that are not options here: say so and ask which one, nothing stored."""
    shown = labels(ctx, step, answers)
    parts = []
    if reading.left:
        parts.append(ctx.t("q.only_left", left=ctx.t("common.or").join(shown[v] for v in reading.left)))
    if reading.others:
        parts.append(ctx.t("q.not_an_option", names=", ".join(ctx.t(f"other.{o}") for o in reading.others)))
        if not reading.left:
            parts.append(ctx.t("err.pick_option"))
    ctx.refuse("q.only_left" if reading.left else "q.not_an_option", text=" ".join(parts))


def _accepts(step: Step, answers: dict[str, Any], text: str, names: dict[str, list[str]],
             suggested: str) -> bool | None:
    """A reply to 'Did you mean X?': True for a yes ('iya', 'iya 2', 'yes that one'), False for a no, else None."""
    said = L.yes_no(text)
    if said is not None:
        return said
    tokens = L.fold(text).split()
    rest = " ".join(t for t in tokens if t not in L.words("yes"))
    if rest and len(rest.split()) < len(tokens):
        return True if S.match_options(step, answers, rest, names) == [suggested] else None
    return None


async def _name_turn(ctx: Context, flow: Flow, answers: dict[str, Any], step: Step, text: str) -> bool:
    """Greetings and yes/no at the name question; True when the text was handled (not an answer). A no with a name
    after it ('Bukan. Nama saya Bambang Suryono', 'No, Maya Lindqvist') takes that name: it answers the offer."""
    if _name_offer(flow) is not None:
        name = _name_after_no(text)
        if name is not None:
            flow.draft = None
            await store(ctx, flow, answers, step, name, typed=as_typed(text, name))
            return True
        said = L.yes_no(text)
        if said is not None:
            await _decide_name(ctx, flow, answers, step, said)
            return True
        flow.draft = None  # a new answer instead of yes/no: read it afresh
    if not answers and text.strip().endswith("?") and draft_of(flow) is None:
        ctx.say("intro.welcome", name="")  # 'what is this for?' is a question, not a name: say what this is
        ask(ctx, flow, answers)
        return True
    if not answers and (L.is_greeting(text) or L.asks_for_help(text)):
        ctx.say("intro.greeting")
        ask(ctx, flow, answers)
        return True
    return False


def _name_after_no(text: str) -> str | None:
    """The name typed after a no to the offered name, or None. A capitalised name (or a handle) counts, or any name
    after 'nama saya' / 'my name is': 'Bukan, saya ketik ulang' (the button's words) or 'Tidak, salah' is a no."""
    rest = L.no_then(text)
    if rest is None or L.yes_no(rest) is not None:
        return None
    name = L.name_in(rest) or (None if L.reads_like_sentence(rest) else V.clean_value(rest, name=True))
    own = [w for w in (name or "").split() if not L.is_title(w)]
    if not own or not (L.names_itself(rest) or all(w[0].isupper() or w[0] == "@" for w in own)):
        return None
    return name


async def _decide_name(ctx: Context, flow: Flow, answers: dict[str, Any], step: Step, keep: bool) -> None:
    name = _name_offer(flow)
    if keep and name is not None:
        await store(ctx, flow, answers, step, name)
        return
    flow.draft = None
    await ctx.save_flow(flow)
    ctx.say("name.retype")
    ask(ctx, flow, answers)


async def on_name(ctx: Context) -> None:
    """The yes/no buttons under a name that read like a sentence."""
    flow, answers = await load(ctx)
    step = S.step_by_id(flow.step) if flow is not None and flow.status == "active" else None
    if flow is None or step is None or not step.asks_name or _name_offer(flow) is None or confirming(flow):
        ctx.refuse("err.stale_button")
        return
    await _decide_name(ctx, flow, answers, step, isinstance(ctx.action, NameYes))


async def _answer_choice(ctx: Context, flow: Flow, answers: dict[str, Any], step: Step, picked: list[str]) -> None:
    problem = S.check_choice(step, answers, picked)
    if problem is not None:
        params = dict(problem.params)
        if problem.key == "err.pick_alone":
            params["option"] = option_label(ctx, step, str(params["option"]), answers)
        ctx.refuse(problem.key, **params)
        ask(ctx, flow, answers)
        return
    await store(ctx, flow, answers, step, S.stored_value(step, answers, picked))


async def _current(ctx: Context, step_id: str) -> tuple[Flow, dict[str, Any], Step] | None:
    """The open flow and step if a button belongs to it; otherwise say it is stale and return None."""
    flow, answers = await load(ctx)
    step = S.step_by_id(step_id)
    if flow is None or flow.status != "active" or confirming(flow) or step is None or flow.step != step_id:
        # Only the notice: the current question is already on screen (a double tap must not send it twice).
        ctx.refuse("err.stale_button")
        return None
    return flow, answers, step


async def _option_taps(ctx: Context, kind: str) -> tuple[Flow, dict[str, Any], Step, list[str]] | None:
    """The open step of `kind` and the options tapped (one, or a whole selection); None (refused) otherwise."""
    taps = [a for a in (ctx.actions or (ctx.action,)) if isinstance(a, (Answer, Toggle))]
    if not taps or len(taps) != len(ctx.actions or (ctx.action,)) or len({a.step for a in taps}) != 1:
        await on_stale(ctx)
        return None
    found = await _current(ctx, taps[0].step)
    if not found:
        return None
    flow, answers, step = found
    picked = list(dict.fromkeys(a.option for a in taps))
    valid = {v for v, _ in S.options_for(step, answers)}
    if step.kind != kind or any(p not in valid for p in picked):
        await on_stale(ctx)
        return None
    return flow, answers, step, picked


async def on_answer(ctx: Context) -> None:
    """One option of a choice step tapped."""
    found = await _option_taps(ctx, "choice")
    if found:
        await _answer_choice(ctx, *found)


async def on_toggle(ctx: Context) -> None:
    """A toggle ticks or unticks one option of a multi step; a whole selection (several at once) answers it."""
    found = await _option_taps(ctx, "multi")
    if not found:
        return
    flow, answers, step, picked = found
    if ctx.inbound.values:
        await _answer_choice(ctx, flow, answers, step, picked)
        return
    ticked = ticks(flow)
    ticked = [d for d in ticked if d != picked[0]] if picked[0] in ticked else ticked + picked
    flow.draft = Ticks(tuple(v for v, _ in S.options_for(step, answers) if v in ticked))
    await ctx.save_flow(flow)
    ask(ctx, flow, answers, replace=True)


async def _step_button(ctx: Context) -> tuple[Flow, dict[str, Any], Step] | None:
    """For a step's Done/Keep/Skip button: the open flow and its step, or None (already answered as stale)."""
    act = ctx.action
    if not isinstance(act, (Submit, Keep, Skip)):
        await on_stale(ctx)
        return None
    return await _current(ctx, act.step)


async def on_done(ctx: Context) -> None:
    """Submit the ticked options of a multi step."""
    found = await _step_button(ctx)
    if found:
        flow, answers, step = found
        await _answer_choice(ctx, flow, answers, step, ticks(flow))


async def on_keep(ctx: Context) -> None:
    """Keep the answer already given and move on."""
    found = await _step_button(ctx)
    if not found:
        return
    flow, answers, step = found
    if step.id not in answers:
        ask(ctx, flow, answers)
        return
    ctx.settle(format_answer(ctx, step, answers[step.id]))
    await advance(ctx, flow, answers, step.id)


async def skip_current(ctx: Context, flow: Flow, answers: dict[str, Any], step: Step) -> None:
    """Skip an optional question; a required one is said to be needed (with an example when it has one)."""
    if step.required:
        example = f"q.{step.id}.example"
        if ctx.core.catalog.has(example, ctx.lang):
            ctx.refuse("err.not_optional", text=ctx.t("err.needed_example", example=ctx.t(example)))
        else:
            ctx.refuse("err.not_optional")
        await ctx.expect(None)  # the question shown is what the next message answers (not /check's draft)
        ask(ctx, flow, answers)
        return
    await store(ctx, flow, answers, step, None)


async def on_improve(ctx: Context) -> None:
    """After a suggestion: the same question again (its current answer shown, Keep still offered)."""
    found = await _current(ctx, ctx.action.step) if isinstance(ctx.action, F.Improve) else None
    if found:
        ask(ctx, *found[:2])


async def on_skip_button(ctx: Context) -> None:
    found = await _step_button(ctx)
    if found:
        await skip_current(ctx, *found)


async def cmd_skip(ctx: Context) -> None:
    flow, answers = await load(ctx)
    step = S.step_by_id(flow.step) if flow and flow.status == "active" and not confirming(flow) else None
    if flow is None or step is None:
        ctx.refuse("err.nothing_to_skip")
        return
    await skip_current(ctx, flow, answers, step)


async def cmd_back(ctx: Context) -> None:
    flow, answers = await load(ctx)
    if flow is None or confirming(flow) or flow.status not in ("active", "confirm"):
        ctx.refuse("err.nothing_to_go_back")
        if flow is not None and flow.status == "done":
            ctx.say("plan.ready_menu")
        return
    await _go_back(ctx, flow, answers)


async def _go_back(ctx: Context, flow: Flow, answers: dict[str, Any]) -> None:
    """The question before the open one (the last one from the summary), its answer shown and kept by default."""
    prev = S.prev_step(answers, flow.step if flow.status == "active" else None)
    if prev is None:
        ctx.refuse("err.first_step")
        await ctx.expect(None)  # the question shown is what the next message answers (not /check's draft)
        ask(ctx, flow, answers)
        return
    flow.status, flow.step, flow.draft, flow.return_to = "active", prev.id, _preticked(prev, answers), None
    flow.awaits = flow.awaits_at = None
    await ctx.save_flow(flow)
    ask(ctx, flow, answers)


def _preticked(step: Step, answers: dict[str, Any]) -> Ticks | None:
    """Pre-tick a multi step with its current answer."""
    value = answers.get(step.id)
    return Ticks(tuple(str(v) for v in value)) if step.kind == "multi" and isinstance(value, list) else None


async def cmd_edit(ctx: Context) -> None:
    """List the answered steps to pick one to change (or jump directly: /edit <step>)."""
    flow, answers = await load(ctx)
    if flow is None or not answers:
        ctx.refuse("err.nothing_to_edit")
        if flow is None:
            ctx.say("hint.start")
        return
    if ctx.inbound.kind == "command" and ctx.inbound.args and ctx.inbound.args[0] in answers:
        await _edit(ctx, ctx.inbound.args[0])
        return
    choices = [Choice(EditPick(s.id),
                      f"{ctx.t(f'q.{s.id}.short')}: {_short(format_answer(ctx, s, answers[s.id]))[:PREVIEW]}")
               for s in S.applicable(answers) if s.id in answers]
    ctx.say("edit.pick", choices=choices, expects="choice")


async def on_edit_pick(ctx: Context) -> None:
    if isinstance(ctx.action, EditPick):
        await _edit(ctx, ctx.action.step)
    else:
        await on_stale(ctx)


async def _edit(ctx: Context, step_id: str) -> None:
    """Go to one answered step to change it, remembering where to come back to."""
    flow, answers = await load(ctx)
    step = S.step_by_id(step_id)
    if flow is None or step is None or step.id not in answers or confirming(flow):
        ctx.refuse("err.stale_button")
        return
    at_summary = flow.status in ("confirm", "done") or (flow.status == "paused" and flow.step is None)
    back_to = "confirm" if at_summary else flow.step
    if back_to == step.id:
        back_to = None
    flow.status, flow.step, flow.return_to, flow.draft = "active", step.id, back_to, _preticked(step, answers)
    flow.awaits = flow.awaits_at = None  # back in the questionnaire: a typed setting awaited before is dropped
    await ctx.save_flow(flow)
    ask(ctx, flow, answers)


async def on_confirm(ctx: Context) -> None:
    """Confirm makes the plan (and tells the other features); Edit lists answers to change."""
    flow, answers = await load(ctx)
    if flow is None or flow.status != "confirm" or confirming(flow):
        ctx.refuse("err.stale_button")
        return
    if isinstance(ctx.action, EditAnswers):
        await cmd_edit(ctx)
        return
    await _make_plan(ctx, flow)


async def _make_plan(ctx: Context, flow: Flow) -> None:
    """The answers are confirmed: the plan is made and the other features are told."""
    flow.status, flow.planned_at = "done", ctx.storage.now()
    await ctx.save_flow(flow)
    ctx.say("plan.done")
    await ctx.emit(PlanConfirmed())


async def on_stale(ctx: Context) -> None:
    """Unknown, forged or outdated button data: say so, change nothing (the open question is already shown)."""
    ctx.refuse("err.stale_button")


def language_evidence(ctx: Context) -> bool:
    """Names, typed option labels, a yes at the summary and typed button words ('skip', 'keep') say nothing about
    the user's language: skip detection there."""
    flow = ctx.flow
    text = ctx.inbound.text
    if flow is not None and flow.status == "confirm":
        return L.yes_no(text) is None
    step = S.step_by_id(flow.step) if flow is not None and flow.status == "active" else None
    if flow is None or step is None:
        return True
    if step.asks_name and ctx.inbound.kind == "text" and _name_offer(flow) is None:
        return L.is_greeting(text) or L.asks_for_help(text) or L.reads_like_sentence(text)
    if not step.detect or step.kind not in ("text", "list"):
        return False
    buttons = (("keep", ("btn.keep", "fb.btn_keep")), ("improve", ("fb.btn_improve",)), ("skip", ("btn.skip",)))
    return not any(L.names_button(text, name, _button_labels(ctx, *keys)) for name, keys in buttons)


async def cmd_answer(ctx: Context) -> None:
    """/answer without text: show the open question again (Discord opens its form from it)."""
    flow, answers = await load(ctx)
    if flow is None or flow.status != "active" or confirming(flow) or S.step_by_id(flow.step) is None:
        ctx.say("answer.nothing_open")
        return
    ask(ctx, flow, answers)


# -- forms: several free-text questions answered at once ---------------------------

def _text_hint(ctx: Context, step: Step) -> str:
    """The shared how-to-answer line of a text or list step."""
    key = "q.list_hint" if step.kind == "list" else "q.text_hint"
    return ctx.t(key, max=step.max_len, min_items=step.min_items, max_items=step.max_items or "-")


def form_steps(flow: Flow, answers: dict[str, Any], step: Step) -> list[Step]:
    """The free-text step asked now and those right after it in its section (only it after an /edit)."""
    out = [step]
    while not flow.return_to and len(out) < FORM_FIELDS:
        nxt = S.next_step(answers, out[-1].id)
        if nxt is None or nxt.section != step.section or nxt.kind not in TEXT_KINDS:
            break
        out.append(nxt)
    return out


def _pending(flow: Flow) -> dict[str, str]:
    """Form values not stored yet (a field was refused), kept in the flow's draft."""
    found = draft_of(flow)
    return dict(found.fields) if isinstance(found, FormValues) else {}


def _as_typed(step: Step, value: Any) -> str:
    if value is None:
        return ""
    return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)


def field_limit(step: Step) -> int:
    """The most a form's field for the step holds (a list: its items, each with a separator)."""
    return step.max_len if step.kind == "text" else (step.max_items or 20) * (step.max_len + 2)


def _as_held(answers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A form's values as its fields hold them: a forged value longer than its field (refused either way) is kept
    for the form to show again only as far as the field goes, never whole in the flow."""
    out = []
    for sid, text in answers:
        step = S.step_by_id(sid)
        out.append((sid, text[:field_limit(step)] if step is not None and step.kind in TEXT_KINDS else text))
    return out


def form_fields(ctx: Context, flow: Flow, answers: dict[str, Any], step: Step) -> tuple[TextField, ...]:
    """The form for a free-text step: it and the next ones of its section, pre-filled, a kept value's error shown."""
    pending = _pending(flow)
    out = []
    for s in form_steps(flow, answers, step):
        typed = pending.get(s.id)
        error = ""
        if typed is not None and (typed.strip() or s.required):
            problem = S.validate_text(s, typed)[1]
            error = ctx.t(problem.key, **dict(problem.params)) if problem else ""
        own_hint = f"q.{s.id}.hint"
        longest = field_limit(s)
        out.append(TextField(
            s.id, ctx.t(f"q.{s.id}.short"), ctx.t(f"q.{s.id}.prompt"),
            ctx.t(own_hint) if ctx.core.catalog.has(own_hint, ctx.lang) else _text_hint(ctx, s),
            min_len=s.min_len if s.kind == "text" and s.required else 0, max_len=longest, required=s.required,
            multiline=s.kind == "list" or s.max_len > 100,
            value=typed if typed is not None else _as_typed(s, answers.get(s.id)), error=error))
    return tuple(out)


async def on_form(ctx: Context) -> None:
    """A form's answers, stored in order like typed ones (each committed with the flow: restart-safe).

    The first refused field stops there: the question comes back with that field's error, and the values not
    stored yet are kept in the flow for the form to show again. An empty optional field skips its question.
    """
    flow, answers = await load(ctx)
    typed = list(ctx.inbound.answers)  # as submitted: each is checked as it came
    pending = _as_held(typed)         # as the fields hold them: what the flow keeps for the form
    if flow is None or flow.status != "active" or confirming(flow) or flow.step != pending[0][0]:
        ctx.refuse("err.stale_form")
        return
    while pending and flow is not None and flow.step == pending[0][0]:
        step = S.step_by_id(flow.step)
        text = typed[len(typed) - len(pending)][1]
        if step is None or step.kind not in TEXT_KINDS:
            break
        value, problem = (None, None) if not step.required and not text.strip() else S.validate_text(step, text)
        if problem is not None:
            ctx.refuse("q.field_error", question=ctx.t(f"q.{step.id}.short"),
                       problem=ctx.t(problem.key, **dict(problem.params)))
            flow.draft = FormValues(tuple(pending))
            await ctx.save_flow(flow)
            ask(ctx, flow, answers)
            return
        moved_on = await store(ctx, flow, answers, step, value, show=False, typed=as_typed(text, value))
        ctx.say("q.form_answered", kind="settled", question=ctx.t(f"q.{step.id}.short"),
                answer=_short(format_answer(ctx, step, value)))
        pending.pop(0)
        flow = ctx.flow
        if not moved_on and flow is not None:  # a suggestion holds this question: keep the rest for the form
            flow.draft = FormValues(tuple(pending))
            await ctx.save_flow(flow)
            return
    if flow is not None:
        _show(ctx, flow, answers)


def _default_routes(router: Router) -> None:
    """The questionnaire answers what nothing else does: free text, a form's answers, a stale tap."""
    router.text = on_text
    router.form = on_form
    router.text_evidence = language_evidence
    router.stale = on_stale


FEATURE = Feature(
    "questionnaire",
    commands=(Command("edit", cmd_edit), Command("back", cmd_back), Command("skip", cmd_skip),
              Command("answer", cmd_answer, menu=False)),
    actions={Answer: on_answer, Toggle: on_toggle, Submit: on_done, Keep: on_keep, F.Improve: on_improve,
             Skip: on_skip_button, EditPick: on_edit_pick, ConfirmPlan: on_confirm, EditAnswers: on_confirm,
             NameYes: on_name, NameNo: on_name},
    publishes=(PlanConfirmed,),
    setup=_default_routes,
)
