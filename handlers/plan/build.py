"""Builds the plan's sections from the answers by the rules in content/plan.toml (pure, given a translator)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers.plan.rules import holds, present
from handlers.plan.spec import Line, Param, PlanRules
from handlers.steps import Step, courts_controversy

Tr = Callable[..., str]


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)


def item_label(step: Step, item: Any, t: Tr) -> str:
    """One item of an answer as the user reads it: an option's localized label, else the text itself."""
    if step.options and not step.options_from and str(item) in step.options:
        return t(f"opt.{step.id}.{item}")
    return str(item)


def answer_text(step: Step, value: Any, t: Tr) -> str:
    """An answer as text: its label, or its items' labels joined by commas."""
    items = value if isinstance(value, list | tuple) else [value]
    return ", ".join(item_label(step, i, t) for i in items if present(i))


def computed(plan: PlanRules, steps: Mapping[str, Step], answers: Mapping[str, Any], t: Tr) -> dict[str, Any]:
    """The values the plan works out from the answers: time split, reply routine, posting days, warning."""
    out: dict[str, Any] = {"warned": any(courts_controversy(s, answers.get(s.id)) for s in steps.values())}
    if present(answers.get(plan.posting_days.step)):
        out["days"] = ", ".join(t(f"day.{d}") for d in plan.posting_days.get(answers[plan.posting_days.step]))
    if present(answers.get(plan.reply_windows.step)):
        windows = plan.reply_windows.get(answers[plan.reply_windows.step])
        out.update(reply_count=len(windows), reply_times=", ".join(windows))
    raw_minutes = answers.get(plan.budget_step)
    if present(raw_minutes) and str(raw_minutes).isdigit():
        minutes = int(str(raw_minutes))
        create = round(minutes * plan.create_share)
        out.update(minutes=minutes, create=create, interact=minutes - create)
        if "reply_count" in out:
            out["reply_minutes"] = (minutes - create) // out["reply_count"]
    return out


def _param(param: Param, steps: Mapping[str, Step], answers: Mapping[str, Any], t: Tr) -> Any:
    value = answers.get(param.step)
    if not present(value):
        return None
    items = list(value) if isinstance(value, list | tuple) else [value]
    if param.mode == "count":
        return len(items)
    picked = items[:param.n] if param.mode == "first" else items[param.n:]
    return answer_text(steps[param.step], picked, t) or None


def _bindings(line: Line, steps: Mapping[str, Step], answers: Mapping[str, Any], t: Tr) -> dict[str, Any]:
    """The line's own placeholders (params and fallbacks); None where a param has nothing to show."""
    out: dict[str, Any] = {p.name: _param(p, steps, answers, t) for p in line.params}
    for name, key in line.fallback:
        if out.get(name) is None and not present(answers.get(name)):
            out[name] = t(key)
    return out


def render_line(line: Line, values: Mapping[str, Any], steps: Mapping[str, Step], answers: Mapping[str, Any],
                calcs: Mapping[str, Any], t: Tr) -> list[str]:
    """The text(s) a line shows, or [] when its condition does not hold or an answer it needs is missing."""
    for alt in line.one_of:
        shown = render_line(alt, values, steps, answers, calcs, t)
        if shown:
            return shown
    if line.one_of or (line.when is not None and holds(line.when, answers, calcs) is not True):
        return []
    scope = {**values, **{k: v for k, v in calcs.items() if k in line.names}}
    scope.update({k: v for k, v in _bindings(line, steps, answers, t).items() if v is not None})
    if line.each is None:
        return [t(line.text, **scope)] if line.names <= set(scope) else []
    items = answers.get(line.each)
    if not present(items):
        return []
    cycles = {name: list(answers.get(sid) or []) for name, sid in line.cycle}
    out = []
    for n, item in enumerate(items if isinstance(items, list) else [items]):
        bound = dict(scope, item=item_label(steps[line.each], item, t), n=n + 1)
        for name, sid in line.cycle:
            if cycles[name]:
                bound[name] = item_label(steps[sid], cycles[name][n % len(cycles[name])], t)
        matched = line.match is not None and item == answers.get(line.match)
        if line.names <= set(bound):
            out.append(t(line.match_text if matched else line.text, **bound))
    return out


def build_sections(plan: PlanRules, steps: tuple[Step, ...], answers: Mapping[str, Any], t: Tr) -> list[Section]:
    """Pure: the plan's sections for these answers; answers no rule shows are listed where `collect` puts them."""
    by_id = {s.id: s for s in steps}
    values = {s.id: answer_text(s, answers[s.id], t) for s in steps if present(answers.get(s.id))}
    calcs = computed(plan, by_id, answers, t)
    seen: set[str] = set()
    sections = []
    for rule in plan.sections:
        section = Section(t(rule.title))
        for line in rule.lines:
            section.lines.extend(render_line(line, values, by_id, answers, calcs, t))
        for step in steps:
            if step.id in values and step.id not in plan.shown and _collects(plan, rule.collect, step.section):
                section.lines.append(t(plan.answer_text, question=t(f"q.{step.id}.short"), answer=values[step.id]))
        section.lines = _unseen(section.lines, seen)
        if section.lines:
            sections.append(section)
    return sections


def _unseen(lines: list[str], seen: set[str]) -> list[str]:
    """The lines not shown before in the plan (a warning or tip says its piece once), noting them as seen."""
    out = []
    for line in lines:
        if line not in seen:
            seen.add(line)
            out.append(line)
    return out


def _collects(plan: PlanRules, collect: tuple[str, ...], questionnaire_section: str) -> bool:
    """A plan section lists a leftover answer if it names the step's section, or "*" and no section names it."""
    if questionnaire_section in collect:
        return True
    return "*" in collect and not any(questionnaire_section in s.collect for s in plan.sections)
