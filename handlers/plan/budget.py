"""The daily time budget, pure: how many reply rounds the interaction minutes allow, and which windows to keep.

Shared by the plan (its reply routine) and the reminders (the default "respond" times), so both say the same.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.content import load_content


def split(minutes: int, create_share: float) -> tuple[int, int]:
    """(create, interact) minutes of a daily budget."""
    create = round(minutes * create_share)
    return create, minutes - create


def rounds_allowed(interact: int, min_round: int) -> int:
    """Reply rounds a day the interaction minutes pay for (at least one quick check)."""
    return max(1, interact // max(1, min_round))


def fit_windows(windows: Sequence[str], allowed: int) -> list[str]:
    """At most `allowed` of the windows, spread over the day (first and last kept); all of them if they fit."""
    items = list(windows)
    if len(items) <= allowed:
        return items
    if allowed <= 1:
        return [items[-1]]  # one round: the evening one, when most comments have come in
    picks = sorted({round(i * (len(items) - 1) / (allowed - 1)) for i in range(allowed)})
    return [items[i] for i in picks]


def _budget(plan: Mapping[str, Any]) -> tuple[str, float, int]:
    raw = plan.get("budget") or {}
    return str(raw.get("step")), float(raw.get("create_share", 0.6)), int(raw.get("min_reply_minutes", 3))


def default_windows(answers: Mapping[str, Any], plan: Mapping[str, Any] | None = None) -> tuple[list[str], int]:
    """(reply windows that fit the user's time budget, windows the reply-time target asks for) from content/plan.toml."""
    plan = plan if plan is not None else load_content("plan")
    table = plan["reply_windows"]
    by_option = table["options"]
    wanted = list(by_option.get(str(answers.get(table["step"])), by_option[table["default"]]))
    step, share, min_round = _budget(plan)
    raw = answers.get(step)
    if raw is None or not str(raw).isdigit():
        return wanted, len(wanted)
    _, interact = split(int(str(raw)), share)
    return fit_windows(wanted, rounds_allowed(interact, min_round)), len(wanted)
