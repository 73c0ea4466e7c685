"""Builds the plan's sections from the answers by the rules in content/plan.toml (pure, given a translator)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from handlers import lexicon as L
from handlers import playbook, reputation
from handlers import values as V
from handlers.plan import budget, office, posting
from handlers.plan.rules import holds, present
from bot.content import load_content
from handlers.plan.spec import CALC_LISTS, CYCLE_CALCS, Line, Param, PlanRules
from handlers.steps import Step, courts_controversy, tactics_in

Tr = Callable[..., str]


@dataclass(frozen=True)
class Schedule:
    """The user's own reminder settings, once they exist: they win over the defaults worked out from the answers."""

    reply_times: tuple[str, ...] | None = None  # the "respond" reminder's clock times
    post_days: tuple[int, ...] | None = None    # the "post" reminder's weekdays (0 = Monday)
    post_times: tuple[str, ...] | None = None   # the "post" reminder's clock times
    zone: str | None = None                     # the user's time zone (their reminders'), None: the default
    on: date | None = None                      # today in that zone (the zones' offsets are taken on this day)


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


def computed(plan: PlanRules, steps: Mapping[str, Step], answers: Mapping[str, Any], t: Tr,
             schedule: Schedule | None = None) -> dict[str, Any]:
    """The values the plan works out from the answers (and the user's reminder settings, when given): time split,
    reply routine (never more rounds than the minutes pay for), posting days, reputation risks."""
    schedule = schedule or Schedule()
    tactics = risky_tactics(steps, answers)
    out: dict[str, Any] = {"warned": bool(tactics), "tactics": tactics, "held_back": reputation.held_back(answers)}
    out["replies_self"] = replies_self(answers.get("team_replier"))
    typed = [s for s in steps.values() if s.warn and s.kind in ("text", "list") and present(answers.get(s.id))]
    if typed:  # a way to get noticed that the guard warns about is not listed as the strategy
        out["noticed_risky"] = any(courts_controversy(s, answers.get(s.id)) for s in typed)
    # the one posting schedule (handlers/plan/posting.py): the card, calendar, reminders and /progress read it too
    when = posting.decide(answers, schedule.zone, schedule.on, schedule.post_days, schedule.post_times)
    if when.days and (schedule.post_days or present(answers.get(plan.posting_days.step))):
        out.update(days=posting.days_text(when.days, t), posts=when.posts, posts_text=posting.how_often(when, t),
                   post_time=when.time, post_zone=posting.zone_label(when.zone), post_why=posting.why_line(when, t),
                   posts_custom=when.custom, posts_weekdays=when.weekdays_only)
    minutes = _minutes(answers.get(plan.budget_step))
    if minutes is not None:
        create, interact = budget.split(minutes, plan.create_share)
        out.update(minutes=minutes, create=create, interact=interact)
    raw = load_content("plan")
    windows: list[str] | None = list(schedule.reply_times) if schedule.reply_times else None
    out["reply_custom"] = windows is not None
    if present(answers.get(plan.reply_windows.step)):
        wanted = budget.target_windows(answers, plan.reply_windows.get(answers[plan.reply_windows.step]))
        hours = office.of_answers(answers)
        if hours is not None and windows is None:  # the plan says its windows keep to the office hours
            after = t("plan.office_evening", time=hours.evening) if hours.evening else t("plan.office_wait")
            out.update(office_start=hours.start, office_end=hours.end, office_days=_days(hours.days, t),
                       office_after=after)
        if windows is None:
            allowed = budget.rounds_allowed(out["interact"], plan.min_reply_minutes) if "interact" in out else 99
            windows = budget.fit_windows(wanted, allowed)
        out.update(reply_needed=len(wanted), reply_short=len(windows) < len(wanted))
    if windows:
        out.update(reply_count=len(windows), reply_times=", ".join(windows), reply_at=playbook.listed(windows, t))
        if "interact" in out:
            out["reply_minutes"] = budget.reply_routine(answers, windows, raw)[1]
            out["create"], out["interact"] = budget.day_split(out["minutes"], plan.create_share, len(windows),
                                                              out["reply_minutes"])  # the shown figures add up
    out["focus_keep"] = budget.narrowed(answers, raw) or 0
    # the main purpose's first steps, the role's words, respectful offline advice, hashtags (handlers/playbook.py)
    out.update(playbook.plan_values(answers, t, budget.kept_platforms(answers, raw)))
    out["kept_platforms"] = budget.kept_platforms(answers, raw)  # the focus platforms the plan keeps
    fit = budget.content_fit(answers, raw, schedule.post_days)
    out["kept_formats"] = fit["kept"]
    labels = steps.get("formats")
    if "advice" in fit and labels is not None:
        out.update(content_advice=fit["advice"], content_weekly=fit["weekly"], content_posts=fit["posts"],
                   content_fit=fit.get("fit", fit["posts"]), content_kept=answer_text(labels, fit["kept"], t),
                   content_dropped=answer_text(labels, fit["dropped"], t))
    return out


def replies_self(typed: Any) -> bool:
    """The answer to who replies names the user ('gue sendiri lah', 'saya sendiri', 'me', 'aku'): the plan then
    says she replies herself, never 'check your team's work'. The words are the team step's 'alone' aliases and the
    owner words of content/lexicon.toml."""
    if not isinstance(typed, str):
        return False
    words = [w for w in L.fold(V.clean_value(typed)).split() if w not in L.words("fillers") | L.reading("polite")]
    if not words:
        return False
    owners = {L.fold(w) for w in L.clean("owners")}
    alone = set(L.aliases("team").get("alone", ()))
    return " ".join(words) in alone or all(w in owners or w in alone for w in words)


def _days(days: tuple[int, ...], t: Tr) -> str:
    """Weekdays as the user reads them: a run of three or more as 'Monday–Friday', else listed."""
    ordered = sorted(set(days))
    if len(ordered) >= 3 and ordered[-1] - ordered[0] == len(ordered) - 1:
        return f"{t(f'day.{ordered[0]}')}–{t(f'day.{ordered[-1]}')}"
    return ", ".join(t(f"day.{d}") for d in ordered)


def _minutes(raw: Any) -> int | None:
    return int(str(raw)) if present(raw) and str(raw).isdigit() else None


def risky_tactics(steps: Mapping[str, Step], answers: Mapping[str, Any]) -> list[str]:
    """The reputation-risky tactics the answers plan, each once, in questionnaire order."""
    found: list[str] = []
    for step in steps.values():
        found += [x for x in tactics_in(step, answers.get(step.id)) if x not in found]
    return found


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
    if line.each in CALC_LISTS:
        key = CALC_LISTS[line.each]
        role = answers.get("role")  # a guard line in the role's own wording when it has one
        return [t(line.text, **dict(scope, item=t(reputation.role_key(key.format(item), role)) if key else item,
                                    n=n + 1))
                for n, item in enumerate(calcs.get(line.each) or ())]
    items = answers.get(line.each)
    if not present(items):
        return []
    cycles = {name: list((calcs.get(sid) if sid in CYCLE_CALCS else answers.get(sid)) or [])
              for name, sid in line.cycle}
    out = []
    others = 0  # items not matched so far (they take the variants in turn)
    for n, item in enumerate(list(dict.fromkeys(items)) if isinstance(items, list) else [items]):
        bound = dict(scope, item=item_label(steps[line.each], item, t), n=n + 1)
        for name, sid in line.cycle:
            if cycles[name]:
                bound[name] = item_label(steps[CYCLE_CALCS.get(sid, sid)], cycles[name][n % len(cycles[name])], t)
        matched = line.match is not None and item == answers.get(line.match)
        text = line.match_text if matched else line.text
        if not matched and line.variants:
            text = line.variants[others % len(line.variants)]
            others += 1
        if line.names <= set(bound):
            out.append(t(text, **bound))
    return out


def build_sections(plan: PlanRules, steps: tuple[Step, ...], answers: Mapping[str, Any], t: Tr,
                   schedule: Schedule | None = None) -> list[Section]:
    """Pure: the plan's sections for these answers (and reminder settings); answers no rule shows are listed where
    `collect` puts them."""
    by_id = {s.id: s for s in steps}
    calcs = computed(plan, by_id, answers, t, schedule)
    answers = reputation.usable_answers(answers)  # a pillar that is itself a risky tactic is not scheduled
    values = {s.id: answer_text(s, answers[s.id], t) for s in steps if present(answers.get(s.id))}
    if isinstance(values.get("team_replier"), str):  # 'Putri saya, Ibu Ratna, yang membalas komentar.'
        values["team_replier"] = V.without_relative_tail(values["team_replier"])
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
