"""The plan's rules from content/plan.toml, parsed and checked against the questionnaire and both catalogs."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.i18n import placeholders
from handlers.plan import rules
from handlers.steps import Step

SOURCE = "content/plan.toml"
# Values the plan computes from the answers and the tables below; templates and conditions may use them.
CALCS = ("minutes", "create", "interact", "reply_count", "reply_times", "reply_at", "reply_minutes", "reply_needed",
         "reply_short", "days", "warned", "noticed_risky", "tactics", "reply_custom", "focus_keep", "content_advice",
         "content_weekly", "content_posts", "content_fit", "content_kept", "content_dropped", "kept_formats",
         "kept_platforms",
         "held_back", "office_start", "office_end", "office_days", "office_after",
         "posts", "posts_text", "post_time", "post_zone", "post_why", "posts_custom", "posts_weekdays",
         # handlers/playbook.py: the main purpose's playbook, the role's point 9, offline advice, hashtags per platform
         "playbook_head", "playbook", "playbook_note", "stake", "offline_promo", "offline_open", "offline_quiet",
         "hashtag_lines", "role_purposes", "offline_split",
         "replies_self")  # the one who replies, named in the team_replier answer, is the user ('gue sendiri')
# Computed lists a `cycle` may walk instead of an answer, with the step whose option labels they show.
CYCLE_CALCS = {"kept_formats": "formats"}
# Computed lists an `each` line may walk, with the catalog key each item shows as ("": the item's own text).
CALC_LISTS = {"tactics": "rep.{}.plan", "held_back": "", "playbook": "", "hashtag_lines": ""}
EACH_NAMES = ("item", "n")
ANSWER_NAMES = ("question", "answer")
PARAM_MODES = ("first", "after", "count")
TOP_KEYS = {"reply_windows", "posting_days", "budget", "focus", "content_budget", "answer_text", "sections"}
SECTION_KEYS = {"id", "title", "lines", "collect"}
LINE_KEYS = {"text", "when", "each", "match", "match_text", "variants", "cycle", "params", "fallback", "one_of"}
CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")

Messages = Mapping[str, Mapping[str, str]]  # language -> catalog key -> template


@dataclass(frozen=True)
class Param:
    """A placeholder made from a list answer: its first n items, the items after n, or its item count."""

    name: str
    step: str
    mode: str
    n: int = 0


@dataclass(frozen=True)
class Line:
    where: str
    text: str = ""
    names: frozenset[str] = frozenset()
    when: Mapping[str, Any] | None = None
    each: str | None = None
    match: str | None = None
    match_text: str | None = None
    cycle: tuple[tuple[str, str], ...] = ()
    params: tuple[Param, ...] = ()
    fallback: tuple[tuple[str, str], ...] = ()
    one_of: tuple[Line, ...] = ()
    variants: tuple[str, ...] = ()  # on an each line: the texts used in turn for the items `match` does not pick


@dataclass(frozen=True)
class SectionRule:
    id: str
    title: str
    lines: tuple[Line, ...]
    collect: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """Values per option of a choice step (reply windows per response time, posting days per cadence)."""

    step: str
    default: str
    by_option: Mapping[str, tuple[Any, ...]]

    def get(self, value: Any) -> tuple[Any, ...]:
        """The entry for an answer; the default option's for an unknown one."""
        return self.by_option.get(str(value), self.by_option[self.default])


@dataclass(frozen=True)
class PlanRules:
    sections: tuple[SectionRule, ...]
    reply_windows: Table
    posting_days: Table
    budget_step: str
    create_share: float
    min_reply_minutes: int
    answer_text: str
    shown: frozenset[str]  # step ids some rule mentions; the other answers are listed by collect


def fail(where: str, problem: str) -> ValueError:
    """The error for a rule that cannot work: names this file, the rule and the problem."""
    return ValueError(f"{SOURCE}: {where}: {problem}")


def _table(data: Mapping[str, Any], name: str, steps: Mapping[str, Step], check_item: Any) -> Table:
    raw = data.get(name)
    if not isinstance(raw, Mapping):
        raise fail(f"[{name}]", "missing table")
    unknown = set(raw) - {"step", "default", "options"}
    if unknown:
        raise fail(f"[{name}]", f"unknown key(s) {sorted(unknown)}")
    step = steps.get(raw.get("step", ""))
    if step is None or step.kind != "choice" or not step.options:
        raise fail(f"[{name}]", f"step {raw.get('step')!r} is not a choice step of content/questionnaire.toml")
    by_option = {str(k): tuple(v) for k, v in raw.get("options", {}).items()}
    for value, items in by_option.items():
        if value not in step.options:
            raise fail(f"[{name}.options]", f"unknown option value {value!r} for step {step.id!r}")
        bad = [i for i in items if not check_item(i)]
        if bad or not items:
            raise fail(f"[{name}.options] {value!r}", f"bad entries {bad or items!r}")
    missing = [o for o in step.options if o not in by_option]
    if missing:
        raise fail(f"[{name}.options]", f"no entry for option(s) {missing} of step {step.id!r}")
    default = str(raw.get("default", ""))
    if default not in by_option:
        raise fail(f"[{name}]", f"default {default!r} is not an option of step {step.id!r}")
    return Table(step.id, default, by_option)


def _key(where: str, key: Any, messages: Messages) -> frozenset[str]:
    """Check a catalog key exists in every language; its placeholders (all languages)."""
    if not isinstance(key, str) or not key:
        raise fail(where, f"a catalog key is needed, not {key!r}")
    names: set[str] = set()
    for lang, table in messages.items():
        if key not in table:
            raise fail(where, f"missing catalog key {key!r} in locales/{lang}/")
        names |= placeholders(table[key])
    return frozenset(names)


def _step(where: str, step_id: Any, steps: Mapping[str, Step], kinds: tuple[str, ...] = ()) -> Step:
    step = steps.get(step_id) if isinstance(step_id, str) else None
    if step is None:
        raise fail(where, f"unknown step id {step_id!r} (not in content/questionnaire.toml)")
    if kinds and step.kind not in kinds:
        raise fail(where, f"step {step_id!r} is {step.kind}, needs {' or '.join(kinds)}")
    return step


def _params(where: str, raw: Any, steps: Mapping[str, Step]) -> tuple[Param, ...]:
    out = []
    for name, spec in (raw or {}).items():
        modes = [m for m in PARAM_MODES if m in spec]
        if len(modes) != 1 or set(spec) - {"step", *PARAM_MODES}:
            raise fail(where, f"param {name!r} needs step and one of {', '.join(PARAM_MODES)}: {spec!r}")
        _step(f"{where}, param {name!r}", spec.get("step"), steps, ("list", "multi"))
        n = 0 if modes[0] == "count" else spec[modes[0]]
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise fail(where, f"param {name!r}: {modes[0]} needs a whole number")
        out.append(Param(name, spec["step"], modes[0], n))
    return tuple(out)


class _Absent(ValueError):
    """A line that names a step the questionnaire does not have (e.g. an optional question a coach removed)."""


_SKIPPED: list[str] | None = None  # while parsing leniently: where lines were left out


def _kept(where: str, raw: Any, steps: Mapping[str, Step], messages: Messages) -> Line | None:
    """Parse a line; when parsing leniently, a line about a step that is not asked is left out (None)."""
    try:
        return _line(where, raw, steps, messages)
    except ValueError as exc:
        absent = isinstance(exc, _Absent) or "unknown step id" in str(exc) or "name no step" in str(exc)
        if _SKIPPED is None or not absent:
            raise
        _SKIPPED.append(str(exc))
        return None


def _line(where: str, raw: Any, steps: Mapping[str, Step], messages: Messages) -> Line:
    if not isinstance(raw, Mapping):
        raise fail(where, f"a line must be a table, not {raw!r}")
    unknown = set(raw) - LINE_KEYS
    if unknown:
        raise fail(where, f"unknown key(s) {sorted(unknown)} (known: {', '.join(sorted(LINE_KEYS))})")
    if "one_of" in raw:
        if set(raw) != {"one_of"} or not raw["one_of"]:
            raise fail(where, "one_of stands alone and lists at least one line")
        alts = tuple(a for j, alt in enumerate(raw["one_of"], 1)
                     if (a := _kept(f"{where}, alternative {j}", alt, steps, messages)) is not None)
        if not alts:
            raise _Absent(where)
        if any(a.one_of for a in alts):
            raise fail(where, "one_of cannot nest")
        return Line(where, one_of=alts)
    where = f"{where} ({raw.get('text')})"
    names = _key(where, raw.get("text"), messages)
    when = raw.get("when")
    if when is not None:
        problems = rules.check_condition(when, steps, CALCS)
        if problems:
            raise fail(where, "; ".join(problems))
    each = raw.get("each")
    allowed = set(steps) | set(CALCS)
    if each is not None:
        if each not in CALC_LISTS:
            _step(where, each, steps, ("list", "multi"))
        allowed |= set(EACH_NAMES)
    match, match_text = raw.get("match"), raw.get("match_text")
    if each in CALC_LISTS and (match is not None or raw.get("cycle")):
        raise fail(where, f"match and cycle go on an each line over an answer, not over {each!r}")
    if (match is None) != (match_text is None) or (match is not None and each is None):
        raise fail(where, "match and match_text go together, on an each line")
    if match is not None:
        _step(where, match, steps)
        names |= _key(where, match_text, messages)
    variants = raw.get("variants") or []
    if variants and (each is None or each in CALC_LISTS or not isinstance(variants, list)):
        raise fail(where, "variants is a list of catalog keys, on an each line over an answer")
    for key in variants:
        names |= _key(where, key, messages)
    cycle = tuple((name, sid if sid in CYCLE_CALCS else _step(where, sid, steps, ("list", "multi")).id)
                  for name, sid in (raw.get("cycle") or {}).items())
    if cycle and each is None:
        raise fail(where, "cycle goes on an each line")
    params = _params(where, raw.get("params"), steps)
    allowed |= {name for name, _ in cycle} | {p.name for p in params}
    fallback = tuple((name, key) for name, key in (raw.get("fallback") or {}).items())
    for name, key in fallback:
        if name not in allowed:
            raise fail(where, f"fallback for unknown placeholder {name!r}")
        _key(where, key, messages)
    clash = {name for name, _ in cycle} | {p.name for p in params}
    if clash & (set(steps) | set(CALCS)):
        raise fail(where, f"placeholder name(s) {sorted(clash & (set(steps) | set(CALCS)))} already name a step or value")
    unknown_names = names - allowed
    if unknown_names:
        raise fail(where, f"template placeholder(s) {sorted(unknown_names)} name no step, computed value or param")
    return Line(where, raw["text"], names, when, each, match, match_text, cycle, params, fallback,
                variants=tuple(variants))


def _mentions(line: Line) -> set[str]:
    """Step ids a line reads, in its template, condition, list, params or fallbacks."""
    out = set(line.names) | {CYCLE_CALCS.get(s, s) for _, s in line.cycle} | {p.step for p in line.params}
    out |= {n for n, _ in line.fallback}
    out |= {s for s in (line.each, line.match) if s}
    if line.when is not None:
        out |= rules.condition_steps(line.when)
    for alt in line.one_of:
        out |= _mentions(alt)
    return out


def parse_rules(data: Mapping[str, Any], steps: tuple[Step, ...], messages: Messages,
                skipped: list[str] | None = None) -> PlanRules:
    """Check and load the rules; with a `skipped` list, lines about steps the questionnaire no longer asks are
    left out (and described there) instead of failing: a coach may remove an optional question."""
    global _SKIPPED
    _SKIPPED = skipped
    try:
        return _parse_rules(data, steps, messages)
    finally:
        _SKIPPED = None


def _parse_rules(data: Mapping[str, Any], steps: tuple[Step, ...], messages: Messages) -> PlanRules:
    """Pure: the plan rules from parsed TOML, or a ValueError naming content/plan.toml and the rule."""
    by_id = {s.id: s for s in steps}
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise fail("top level", f"unknown key(s) {sorted(unknown)}")
    clash = set(by_id) & (set(CALCS) | set(EACH_NAMES) | set(ANSWER_NAMES))
    if clash:
        raise fail("top level", f"step id(s) {sorted(clash)} clash with names the plan computes; rename the step")
    windows = _table(data, "reply_windows", by_id, lambda i: isinstance(i, str) and bool(CLOCK.match(i)))
    days = _table(data, "posting_days", by_id, lambda i: isinstance(i, int) and not isinstance(i, bool) and 0 <= i <= 6)
    budget = data.get("budget") or {}
    budget_step = _step("[budget]", budget.get("step"), by_id, ("choice",))
    if not budget_step.options or not all(o.isdigit() for o in budget_step.options):
        raise fail("[budget]", f"step {budget_step.id!r} needs whole-number options (minutes)")
    share = budget.get("create_share")
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share < 1:
        raise fail("[budget]", f"create_share must be a fraction between 0 and 1, not {share!r}")
    min_round = budget.get("min_reply_minutes", 3)
    if isinstance(min_round, bool) or not isinstance(min_round, int) or min_round < 1:
        raise fail("[budget]", f"min_reply_minutes must be a whole number of minutes, not {min_round!r}")
    if set(budget) - {"step", "create_share", "min_reply_minutes"}:
        raise fail("[budget]", f"unknown key(s) {sorted(set(budget) - {'step', 'create_share', 'min_reply_minutes'})}")
    _check_focus(data.get("focus") or {}, by_id)
    _check_costs(data.get("content_budget") or {}, by_id)
    answer_text = data.get("answer_text")
    if _key("answer_text", answer_text, messages) - set(ANSWER_NAMES):
        raise fail("answer_text", f"{answer_text!r} may only use {{question}} and {{answer}}")
    sections, seen = [], set()
    for i, raw in enumerate(data.get("sections") or [], 1):
        sid = raw.get("id") if isinstance(raw, Mapping) else None
        where = f"section {sid or i!r}"
        if not isinstance(sid, str) or sid in seen:
            raise fail(where, "each section needs a unique id")
        seen.add(sid)
        if set(raw) - SECTION_KEYS:
            raise fail(where, f"unknown key(s) {sorted(set(raw) - SECTION_KEYS)}")
        _key(where, raw.get("title"), messages)
        lines = tuple(kept for n, line in enumerate(raw.get("lines") or [], 1)
                      if (kept := _kept(f"{where}, line {n}", line, by_id, messages)) is not None)
        sections.append(SectionRule(sid, raw["title"], lines, tuple(raw.get("collect") or ())))
    if not sections:
        raise fail("sections", "no [[sections]]")
    if [c for s in sections for c in s.collect].count("*") != 1:
        raise fail("sections", "exactly one section must collect \"*\" (answers no rule shows land there)")
    shown = {windows.step, days.step, budget_step.id}
    for sec in sections:
        for line in sec.lines:
            shown |= _mentions(line)
    return PlanRules(tuple(sections), windows, days, budget_step.id, float(share), min_round, str(answer_text),
                     frozenset(shown & set(by_id)))


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _check_focus(focus: Mapping[str, Any], steps: Mapping[str, Step]) -> None:
    """[focus]: the platforms step, limits of whole numbers, formats that are options of the formats step."""
    if set(focus) - {"step", "limits", "defer_formats"}:
        raise fail("[focus]", f"unknown key(s) {sorted(set(focus) - {'step', 'limits', 'defer_formats'})}")
    if not focus:
        return
    _step("[focus]", focus.get("step"), steps, ("multi", "list"))
    for limit in focus.get("limits") or []:
        if not isinstance(limit, Mapping) or set(limit) != {"max_minutes", "keep"} \
                or not all(_whole(v) for v in limit.values()):
            raise fail("[focus] limits", f"each limit is {{ max_minutes = n, keep = n }}, not {limit!r}")
    options = steps["formats"].options if "formats" in steps else ()
    bad = [f for f in focus.get("defer_formats") or [] if f not in options]
    if bad:
        raise fail("[focus] defer_formats", f"not options of the formats step: {bad}")


def _check_costs(costs: Mapping[str, Any], steps: Mapping[str, Step]) -> None:
    """[content_budget]: minutes per post for every option of its formats step."""
    if not costs:
        return
    if set(costs) - {"step", "minutes_per_post"}:
        raise fail("[content_budget]", f"unknown key(s) {sorted(set(costs) - {'step', 'minutes_per_post'})}")
    step = _step("[content_budget]", costs.get("step"), steps, ("multi",))
    table = costs.get("minutes_per_post") or {}
    missing = [o for o in step.options if o not in table]
    bad = [k for k, v in table.items() if k not in step.options or not _whole(v)]
    if missing or bad:
        raise fail("[content_budget] minutes_per_post", f"missing {missing}, bad {bad} (whole minutes per option)")
