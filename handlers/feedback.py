"""Feedback while answering: content/feedback.toml's rules read an answer and give at most one suggestion.

Pure except for the Improve button's action type; the questionnaire asks `review()` after storing an answer and,
when it gets a Tip, stays on the question (the flow's step: restart-safe) with Improve / Keep buttons.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot import schema
from bot.actions import Action, action
from bot.content import content_doc, load_content
from bot.gcpolicy import lasting
from handlers.plan import budget
from handlers.understand.morph import forms
from handlers.understand.text import words as understand_words

TESTS = {  # test -> the placeholders its text may use
    "few_words": frozenset({"min"}), "words": frozenset({"word"}), "item_is": frozenset({"item"}),
    "no_measure": frozenset({"examples"}), "overlap": frozenset({"a", "b"}), "unserved_needs": frozenset({"item"}),
    "idle_pillars": frozenset({"item"}), "reply_budget": frozenset({"minutes", "rounds", "needed", "fit"}),
}
_ID = r"[a-z0-9_]+"
RULE = schema.Table({
    "id": schema.Field(str, required=True, pattern=_ID),
    "steps": schema.Field(schema.ListOf(str), required=True, pattern=_ID),
    "test": schema.Field(str, required=True, choices=tuple(TESTS)),
    "min_words": schema.Field(int, min=1, max=50),
    "words": schema.Field(schema.ListOf(str)),
    "unless": schema.Field(schema.ListOf(str)),
    "needs": schema.Field(str, pattern=_ID),
    "pillars": schema.Field(str, pattern=_ID),
    "share": schema.Field(float, min=0, max=1),
    "examples": schema.Field(str, pattern=_ID),
})
SCHEMA = schema.Table({
    "lexicon": schema.Field(schema.Table({"measure_words": schema.Field(schema.ListOf(str)),
                                          "stopwords": schema.Field(schema.ListOf(str))}), required=True),
    "rules": schema.Field(schema.ArrayOf(RULE), required=True),
    "related": schema.Field(schema.ArrayOf(schema.Table({"words": schema.Field(schema.ListOf(str), required=True)}))),
})


@action("fb:i:{step}", role="navigation")
class Improve(Action):
    """Answer the question again after a suggestion."""

    step: str


@dataclass(frozen=True)
class Tip:
    rule: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def key(self) -> str:
        return f"fb.{self.rule}"


def words(text: str) -> list[str]:
    """The words of an answer as the shared understanding layer reads them: lower case, chat spellings written
    out ("bgt" -> "banget", "org2" -> "orang orang"), repeated letters squeezed."""
    return list(_norms(text)) if len(text) <= 1000 else [w.norm for w in understand_words(text)]


@lru_cache(maxsize=2048)
def _norms(text: str) -> tuple[str, ...]:
    """words(), remembered: an answer is read once per phrase of every rule of its step (and at every later turn)."""
    return tuple(w.norm for w in understand_words(text))


def _has(text: str, phrase: str) -> bool:
    """`phrase` stands in `text` as whole words, its last word in any form ("terkenalnya", "dikenal" for "kenal")."""
    want = words(phrase)
    have = words(text)
    if not want:
        return False
    *head, last = want
    return any(have[i:i + len(head)] == head and last in forms(have[i + len(head)])
               for i in range(len(have) - len(want) + 1))


def _items(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value is not None else [])


def _split_needs(text: str, max_words: int = 6) -> list[str]:
    """The needs in a typed answer, when it reads as a list (short pieces); prose is one need. A one-word piece
    joins the next one ("Simple, cheap ways to ...")."""
    clauses = re.split(r"[\n;,]+", text)
    parts = [p.strip(" .") for c in clauses for p in re.split(r"\s(?:dan|serta|and|&)\s", c) if len(p.strip(" .")) >= 3]
    if any(len(words(p)) > max_words for p in parts + clauses):
        # prose: a long clause is one thought ("they want to know when roads and attractions are fixed" is not
        # "they want to know when roads" + "attractions are fixed")
        return [text.strip()] if text.strip() else []
    out: list[str] = []
    carry = ""
    for n, part in enumerate(parts):
        if len(words(part)) == 1 and n + 1 < len(parts):
            carry += part + ", "
            continue
        out.append(carry + part)
        carry = ""
    return out


@lru_cache(maxsize=1)
def _themes() -> tuple[tuple[str, ...], ...]:
    """Groups of words that relate: content/ideas.toml's themes and content/feedback.toml's [[related]]."""
    groups = list(load_content("ideas").get("themes", {}).values())
    groups += [g.get("words", []) for g in load_content("feedback").get("related", [])]
    return tuple(tuple(w.lower() for w in ws) for ws in groups)


def _stems(text: str, stop: frozenset[str]) -> set[str]:
    return {w for w in words(text) if w not in stop and len(w) >= 3}


def _close(a: str, b: str) -> bool:
    """Two words of one family: equal, one a form of the other ("menyebarkan"/"sebar"), or one holds the other
    (>= 4 letters: "masak"/"memasak", "resepnya")."""
    short, long_ = sorted((a, b), key=len)
    return short == long_ or (len(short) >= 4 and (short in long_ or short in forms(long_)))


def relates(a: str, b: str, stop: frozenset[str], *, loose: bool = True) -> bool:
    """Two texts share a meaningful word (any ending), or (loose) a theme or a group of related words."""
    wa, wb = _stems(a, stop), _stems(b, stop)
    if any(_close(x, y) for x in wa for y in wb):
        return True
    return loose and any(any(_has(a, w) for w in theme) and any(_has(b, w) for w in theme) for theme in _themes())


@dataclass(frozen=True)
class Rule:
    id: str
    steps: tuple[str, ...]
    test: str
    min_words: int = 5
    words: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    needs: str = "needs"
    pillars: str = "pillars"
    share: float = 0.0
    examples: str = ""  # a choice step whose answer picks the text's {examples} (fb.examples.<rule>.<option>)


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    measure: frozenset[str]
    stop: frozenset[str]


@lasting
@lru_cache(maxsize=1)
def rules() -> Rules:
    data = load_content("feedback")
    lex = data["lexicon"]
    return Rules(tuple(Rule(r["id"], tuple(r["steps"]), r["test"], int(r.get("min_words", 5)),
                            tuple(w.lower() for w in r.get("words", ())), tuple(w.lower() for w in r.get("unless", ())),
                            r.get("needs", "needs"), r.get("pillars", "pillars"), float(r.get("share", 0.0)),
                            str(r.get("examples", "")))
                       for r in data["rules"]),
                 frozenset(w.lower() for w in lex.get("measure_words", ())),
                 frozenset(w.lower() for w in lex.get("stopwords", ())))


def _fit_label(plan: Mapping[str, Any], rounds: int) -> str | None:
    """The response-time option with the most reply windows that still fit `rounds` (its label's catalog key)."""
    fitting = [(len(ws), opt) for opt, ws in plan["reply_windows"]["options"].items() if len(ws) <= rounds]
    return f"opt.{plan['reply_windows']['step']}.{max(fitting)[1]}" if fitting else None


def _reply_budget(answers: Mapping[str, Any]) -> tuple[tuple[str, Any], ...] | None:
    """The reply-time target asks for more reply rounds than the time budget pays for (content/plan.toml)."""
    plan = load_content("plan")
    minutes = answers.get(plan["budget"]["step"])
    if answers.get(plan["reply_windows"]["step"]) is None or minutes is None or not str(minutes).isdigit():
        return None
    fit, needed = budget.default_windows(answers, plan)
    best = _fit_label(plan, len(fit))
    if len(fit) >= needed or best is None:
        return None
    return (("minutes", int(str(minutes))), ("rounds", len(fit)), ("needed", needed), ("fit", best))


def _examples(rule: Rule, answers: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The catalog key of the examples that fit the user's answer to the rule's `examples` step (e.g. their role)."""
    if not rule.examples:
        return ()
    option = answers.get(rule.examples)
    return (("examples", f"fb.examples.{rule.id}.{option if option is not None else 'other'}"),)


def _fires(rule: Rule, value: Any, answers: Mapping[str, Any], lex: Rules) -> tuple[tuple[str, Any], ...] | None:
    """The text's parameters when the rule finds the answer weak, else None."""
    text = " ".join(_items(value))
    if rule.test == "few_words":
        return (("min", rule.min_words),) if len(words(text)) < rule.min_words else None
    if rule.test == "words":
        hit = next((w for w in rule.words if _has(text, w)), None)
        return (("word", hit),) if hit and not any(_has(text, u) for u in rule.unless) else None
    if rule.test == "item_is":
        hit = next((i for i in _items(value) if " ".join(words(i)) in rule.words), None)
        return (("item", hit),) if hit else None
    if rule.test == "no_measure":
        return None if re.search(r"\d", text) or set(words(text)) & lex.measure else _examples(rule, answers)
    if rule.test == "overlap":
        items = _items(value)
        for n, a in enumerate(items):
            for b in items[n + 1:]:
                if relates(a, b, lex.stop, loose=False):
                    return (("a", a), ("b", b))
        return None
    if rule.test == "reply_budget":
        return _reply_budget(answers)
    needs = _split_needs(" , ".join(_items(answers.get(rule.needs))))
    pillars = _items(answers.get(rule.pillars))
    if not needs or not pillars:
        return None
    if rule.test == "unserved_needs":
        alone = [n for n in needs if not any(relates(n, p, lex.stop) for p in pillars)]
        return (("item", alone[0]),) if alone and len(alone) > rule.share * len(needs) else None
    if rule.test == "idle_pillars":
        alone = [p for p in pillars if not any(relates(n, p, lex.stop) for n in needs)]
        return (("item", alone[0]),) if alone and len(alone) > rule.share * len(pillars) else None
    return None


def review(step_id: str, value: Any, answers: Mapping[str, Any], previous: Any = None) -> Tip | None:
    """At most one suggestion for this answer (the first rule that fires), none if it fired on the previous answer."""
    if value is None:
        return None
    lex = rules()
    answers = {**answers, step_id: value}
    before = {**answers, step_id: previous}
    for rule in lex.rules:
        if step_id not in rule.steps:
            continue
        params = _fires(rule, value, answers, lex)
        if params is None:
            continue
        if previous is not None and _fires(rule, previous, before, lex) is not None:
            continue  # heard this one already (kept or retyped a similar answer); another rule may still speak
        return Tip(rule.id, params)
    return None


def render(tip: Tip, t: Any) -> str:
    """The suggestion's text (a catalog key among its params is translated: the fitting option's label)."""
    params = {k: (t(v) if isinstance(v, str) and v.startswith(("opt.", "fb.examples.")) else v) for k, v in tip.params}
    return t("fb.intro") + "\n" + t(tip.key, **params)


def findings(data: dict[str, Any], step_ids: Sequence[str]) -> list[schema.Finding]:
    found = schema.validate(data, SCHEMA)
    if found:
        return found
    raws = data["rules"]
    found += [("rules", f"duplicate rule id {d!r}") for d in schema.duplicates([r["id"] for r in raws])]
    for n, r in enumerate(raws):
        # A rule about a question the questionnaire no longer asks never fires; a rule that reads no asked
        # question at all is a mistake.
        if not [s for s in r["steps"] if s in step_ids]:
            found.append((f"rules[{n}].steps", f"none of {r['steps']} is a step of content/questionnaire.toml"))
        if r["test"] in ("words", "item_is") and not r.get("words"):
            found.append((f"rules[{n}].words", f"test {r['test']!r} needs words"))
    return found


def texts(data: dict[str, Any]) -> list[schema.Text]:
    out = [schema.Text(f"fb.{k}", "rules") for k in ("intro", "btn_improve", "btn_keep")]
    out += [schema.Text(f"fb.{r['id']}", f"rules[{n}].id", TESTS[r["test"]]) for n, r in enumerate(data["rules"])]
    steps = {str(s.get("id")): s for s in load_content("questionnaire").get("steps") or [] if isinstance(s, dict)}
    for n, r in enumerate(data["rules"]):
        if r.get("examples"):
            options = [str(o) for o in steps.get(r["examples"], {}).get("options") or []]
            out += [schema.Text(f"fb.examples.{r['id']}.{o}", f"rules[{n}].examples") for o in [*options, "other"]]
    return out


def check() -> list[schema.Issue]:
    """Every problem in content/feedback.toml and the texts it needs."""
    from bot.i18n import catalog_entries_by_language

    doc = content_doc("feedback")
    steps = [str(s.get("id")) for s in load_content("questionnaire").get("steps") or [] if isinstance(s, dict)]
    found = findings(doc.data, steps)
    if found:
        return doc.issues(found)
    return schema.text_issues(doc, texts(doc.data), catalog_entries_by_language())


schema.register_check("feedback", check)
