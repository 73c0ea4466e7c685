"""The plan's condition language: a pure evaluator and a checker, over answers and computed values.

A condition is a table:
  { step = "<step id>", <test> = ... }   tests on an answer (several tests: all must hold)
  { calc = "<computed value>", ... }     the same tests on a value the plan computes (minutes, reply_count, ...)
  { all = [c, ...] }  { any = [c, ...] }  { not = c }
Tests: is = v (equals), has = v (a list answer contains v; a single answer equals v), in = [v, ...] (the answer,
or one of its items, is among them), min = n / max = n (number, inclusive), count_min = n / count_max = n (items in
a list answer), answered = true|false.
Evaluation is three-valued: a test on a missing answer is unknown (None), `not` keeps unknown, `all` is False if any
part is False else unknown if any part is, `any` is True if any part is True else unknown if any part is. A rule
shows only when its condition is True, so rules about an answer the user never gave are skipped.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from handlers.steps import Step

COMBINATORS = ("all", "any", "not")
TESTS = ("is", "has", "in", "min", "max", "count_min", "count_max", "answered")
NUMERIC = ("min", "max", "count_min", "count_max")


def present(value: Any) -> bool:
    """An answer counts as given unless it is missing, None, blank or an empty list."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return bool(value)
    return True


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b or str(a) == str(b)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _test(name: str, value: Any, arg: Any) -> bool | None:
    items = list(value) if isinstance(value, list | tuple) else [value]
    if name == "is":
        return _same(value, arg)
    if name == "has":
        return any(_same(i, arg) for i in items)
    if name == "in":
        return any(_same(i, a) for i in items for a in arg)
    if name in ("count_min", "count_max"):
        return len(items) >= arg if name == "count_min" else len(items) <= arg
    number = _number(value)
    if number is None:
        return None
    return number >= arg if name == "min" else number <= arg


def _all(results: Iterable[bool | None]) -> bool | None:
    seen = list(results)
    if False in seen:
        return False
    return None if None in seen else True


def _any(results: Iterable[bool | None]) -> bool | None:
    seen = list(results)
    if True in seen:
        return True
    return None if None in seen else False


def holds(cond: Mapping[str, Any], answers: Mapping[str, Any], calcs: Mapping[str, Any] | None = None) -> bool | None:
    """Pure: True, False, or None when the condition rests on an answer (or value) that is missing."""
    if "all" in cond:
        return _all(holds(c, answers, calcs) for c in cond["all"])
    if "any" in cond:
        return _any(holds(c, answers, calcs) for c in cond["any"])
    if "not" in cond:
        inner = holds(cond["not"], answers, calcs)
        return None if inner is None else not inner
    value = answers.get(cond["step"]) if "step" in cond else (calcs or {}).get(cond["calc"])
    tests = {k: v for k, v in cond.items() if k in TESTS}
    if "answered" in tests:
        given = present(value) is bool(tests.pop("answered"))
        if not given or not tests:
            return given
    if not present(value):
        return None
    return _all(_test(name, value, arg) for name, arg in tests.items())


def condition_steps(cond: Mapping[str, Any]) -> set[str]:
    """The step ids a (well-formed) condition reads."""
    if "all" in cond or "any" in cond:
        return set().union(*(condition_steps(c) for c in cond.get("all", cond.get("any", []))))
    if "not" in cond:
        return condition_steps(cond["not"])
    return {cond["step"]} if "step" in cond else set()


def check_condition(cond: Any, steps: Mapping[str, Step], calcs: Iterable[str]) -> list[str]:
    """Pure: what is wrong with a condition (unknown keys, steps, values, tests that cannot apply); empty if fine."""
    calcs = set(calcs)
    if not isinstance(cond, Mapping) or not cond:
        return [f"a condition must be a non-empty table, not {cond!r}"]
    heads = [k for k in cond if k in (*COMBINATORS, "step", "calc")]
    if len(heads) != 1:
        return [f"a condition needs exactly one of step, calc, all, any, not; got {sorted(cond)}"]
    head = heads[0]
    if head in COMBINATORS:
        extra = set(cond) - {head}
        if extra:
            return [f"unknown condition key(s) {sorted(extra)} beside {head!r}"]
        parts = [cond[head]] if head == "not" else cond[head]
        if head != "not" and (not isinstance(parts, list) or not parts):
            return [f"{head!r} needs a non-empty list of conditions"]
        return [p for part in parts for p in check_condition(part, steps, calcs)]
    unknown = set(cond) - {head} - set(TESTS)
    if unknown:
        return [f"unknown condition key(s) {sorted(unknown)} (tests: {', '.join(TESTS)})"]
    tests = {k: v for k, v in cond.items() if k in TESTS}
    if not tests:
        return [f"condition on {cond[head]!r} has no test ({', '.join(TESTS)})"]
    if head == "calc":
        if cond["calc"] not in calcs:
            return [f"unknown computed value {cond['calc']!r} (known: {', '.join(sorted(calcs))})"]
        return [f"test {k!r} does not apply to a computed value" for k in tests if k not in ("is", "has", "min", "max")]
    step = steps.get(cond["step"])
    if step is None:
        return [f"unknown step id {cond['step']!r} (not in content/questionnaire.toml)"]
    return _check_tests(step, tests)


def _check_tests(step: Step, tests: Mapping[str, Any]) -> list[str]:
    problems = []
    many = step.kind in ("list", "multi")
    for name, arg in tests.items():
        if name in NUMERIC and (isinstance(arg, bool) or not isinstance(arg, int | float)):
            problems.append(f"test {name!r} on step {step.id!r} needs a number, not {arg!r}")
        elif name in ("count_min", "count_max") and not many:
            problems.append(f"test {name!r} needs a list or multi step; {step.id!r} is {step.kind}")
        elif name in ("min", "max") and (many or not step.options or not all(_number(o) is not None
                                                                            for o in step.options)):
            problems.append(f"test {name!r} needs a choice step with numeric options; {step.id!r} has none")
        elif name == "answered" and not isinstance(arg, bool):
            problems.append(f"test 'answered' takes true or false, not {arg!r}")
        elif name == "is" and many:
            problems.append(f"test 'is' is for single answers; use 'has' on {step.kind} step {step.id!r}")
        elif name == "in" and not isinstance(arg, list):
            problems.append(f"test 'in' on step {step.id!r} takes a list of values")
        elif name in ("is", "has", "in") and step.options and not step.options_from:
            for value in arg if name == "in" else [arg]:
                if str(value) not in step.options:
                    problems.append(f"unknown option value {value!r} for step {step.id!r} "
                                    f"(options: {', '.join(step.options)})")
    return problems
