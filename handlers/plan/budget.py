"""The daily time budget, pure: how many reply rounds the interaction minutes allow, and which windows to keep.

Shared by the plan (its reply routine) and the reminders (the default "respond" times), so both say the same.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.content import load_content
from handlers.plan import office


def split(minutes: int, create_share: float) -> tuple[int, int]:
    """(create, interact) minutes of a daily budget."""
    create = round(minutes * create_share)
    return create, minutes - create


def day_split(minutes: int, create_share: float, rounds: int, per_round: int) -> tuple[int, int]:
    """(create, interact) minutes a day as the plan shows them: the interaction minutes are the reply rounds times the
    minutes each (whole minutes: the division's remainder goes to creating), so "7 rounds of 6 minutes" is never
    "48 minutes to interact". The plain split without a routine (or a round of under a minute)."""
    create, interact = split(minutes, create_share)
    if rounds > 0 and per_round > 0:
        interact = rounds * per_round
    return minutes - interact, interact


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


def target_windows(answers: Mapping[str, Any], windows: Sequence[str]) -> list[str]:
    """The reply-time target's windows, kept inside the office hours when the answers say replies happen then
    (content/office_hours.toml)."""
    hours = office.of_answers(answers)
    return office.inside(windows, hours) if hours is not None else list(windows)


def _budget(plan: Mapping[str, Any]) -> tuple[str, float, int]:
    raw = plan.get("budget") or {}
    return str(raw.get("step")), float(raw.get("create_share", 0.6)), int(raw.get("min_reply_minutes", 3))


def default_windows(answers: Mapping[str, Any], plan: Mapping[str, Any] | None = None) -> tuple[list[str], int]:
    """(reply windows that fit the user's time budget, windows the reply-time target asks for) from content/plan.toml."""
    plan = plan if plan is not None else load_content("plan")
    table = plan["reply_windows"]
    by_option = table["options"]
    wanted = target_windows(answers, by_option.get(str(answers.get(table["step"])), by_option[table["default"]]))
    step, share, min_round = _budget(plan)
    raw = answers.get(step)
    if raw is None or not str(raw).isdigit():
        return wanted, len(wanted)
    _, interact = split(int(str(raw)), share)
    return fit_windows(wanted, rounds_allowed(interact, min_round)), len(wanted)


# ---- what the plan keeps: one source of truth for the plan, its calendar, ideas, stakeholder map and card ----


def _cost_table(plan: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    return plan.get("focus") or {}, plan.get("content_budget") or {}


def minutes_of(answers: Mapping[str, Any], plan: Mapping[str, Any] | None = None) -> int | None:
    """The daily minutes answer as a number (None when missing)."""
    plan = plan if plan is not None else load_content("plan")
    raw = answers.get(_budget(plan)[0])
    return int(str(raw)) if raw is not None and str(raw).isdigit() else None


def focus_keep(minutes: int | None, count: int, limits: Sequence[Mapping[str, Any]]) -> int | None:
    """How many focus platforms a small budget keeps (the first limit that applies), None when all of them."""
    if minutes is None:
        return None
    for limit in limits:
        keep = int(limit["keep"])
        if minutes <= int(limit["max_minutes"]) and count > keep:
            return keep
    return None


def chosen(answers: Mapping[str, Any], step: str) -> list[str]:
    """A list answer's items, each once, without 'none'."""
    items = answers.get(step) or []
    items = items if isinstance(items, list | tuple) else [items]
    return [str(i) for i in dict.fromkeys(items) if str(i).strip() and str(i) != "none"]


def kept_platforms(answers: Mapping[str, Any], plan: Mapping[str, Any] | None = None) -> list[str]:
    """The focus platforms the plan keeps (the first ones, when the budget narrows the focus)."""
    plan = plan if plan is not None else load_content("plan")
    focus, _ = _cost_table(plan)
    mine = chosen(answers, str(focus.get("step", "focus_platforms")))
    keep = focus_keep(minutes_of(answers, plan), len(mine), focus.get("limits") or [])
    return mine if keep is None else mine[:keep]


def narrowed(answers: Mapping[str, Any], plan: Mapping[str, Any] | None = None) -> int | None:
    """How many focus platforms the plan keeps when it narrows the focus, else None."""
    plan = plan if plan is not None else load_content("plan")
    focus, _ = _cost_table(plan)
    mine = chosen(answers, str(focus.get("step", "focus_platforms")))
    return focus_keep(minutes_of(answers, plan), len(mine), focus.get("limits") or [])


def posts_a_week(answers: Mapping[str, Any], plan: Mapping[str, Any], post_days: Sequence[int] | None = None) -> int:
    """Posts a week: the user's own posting days, else the cadence's."""
    if post_days:
        return len(post_days)
    table = plan["posting_days"]
    return len(table["options"].get(str(answers.get(table["step"])), table["options"][table["default"]]))


def content_fit(answers: Mapping[str, Any], plan: Mapping[str, Any] | None = None,
                post_days: Sequence[int] | None = None) -> dict[str, Any]:
    """Whether the creating minutes make the chosen formats at the chosen cadence, and the plan's one advice if not.

    Returns kept (the formats the plan keeps, in the user's order), deferred (formats that wait), and when the
    budget is short: advice ("formats": drop the costly formats, "fewer": fewer posts a week, "batch": one weekly
    session), weekly (creating minutes a week), need (minutes the chosen formats at the cadence take), fit (posts a
    week the kept formats fit).
    """
    plan = plan if plan is not None else load_content("plan")
    focus, costs_table = _cost_table(plan)
    fmt_step = str(costs_table.get("step", "formats"))
    mine = chosen(answers, fmt_step)
    out: dict[str, Any] = {"kept": mine, "deferred": []}
    if not mine:
        return out
    if narrowed(answers, plan) is not None:  # a narrowed focus leaves the formats that need more time for later
        waiting = [f for f in mine if f in (focus.get("defer_formats") or [])]
        if waiting and len(waiting) < len(mine):
            out.update(kept=[f for f in mine if f not in waiting], deferred=waiting)
    minutes = minutes_of(answers, plan)
    costs = costs_table.get("minutes_per_post") or {}
    if minutes is None or not costs:
        return out
    weekly = split(minutes, _budget(plan)[1])[0] * 7
    posts = posts_a_week(answers, plan, post_days)
    kept = list(out["kept"])

    def need(fmts: Sequence[str]) -> int:
        per = [int(costs.get(f, 0)) for f in fmts]
        return round(posts * sum(per) / len(per)) if per else 0

    out.update(weekly=weekly, need=need(mine), posts=posts)
    if need(mine) <= weekly:
        return out
    affordable = [f for f in kept if int(costs.get(f, 0)) * posts <= weekly]
    if affordable and need(affordable) <= weekly:
        out.update(kept=affordable, advice="formats")
    else:
        base = affordable or sorted(kept, key=lambda f: int(costs.get(f, 0)))[:1]
        fit = int(weekly * len(base) // sum(int(costs.get(f, 0)) or 1 for f in base))
        out.update(kept=base, advice="fewer" if 1 <= fit < posts else "batch", fit=max(1, fit))
    out.update(deferred=[f for f in mine if f not in out["kept"]], dropped=[f for f in mine if f not in out["kept"]])
    return out


def kept_formats(answers: Mapping[str, Any], plan: Mapping[str, Any] | None = None,
                 post_days: Sequence[int] | None = None) -> list[str]:
    """The formats the plan keeps (the user's, less the ones the budget leaves for later); ["photo"] without any."""
    return content_fit(answers, plan, post_days)["kept"] or ["photo"]


def reply_routine(answers: Mapping[str, Any], reply_times: Sequence[str] | None = None,
                  plan: Mapping[str, Any] | None = None) -> tuple[list[str], int]:
    """(reply windows, minutes per round): the user's own times, else the target's windows the minutes pay for;
    the interaction minutes divided over them (0 without a time budget). The plan and its calendar both say this."""
    plan = plan if plan is not None else load_content("plan")
    times = list(reply_times) if reply_times else default_windows(answers, plan)[0]
    minutes = minutes_of(answers, plan)
    if minutes is None or not times:
        return times, 0
    return times, split(minutes, _budget(plan)[1])[1] // len(times)


def kept_answers(answers: Mapping[str, Any], plan: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The answers with the focus platforms and formats the plan keeps (for the card and other summaries)."""
    plan = plan if plan is not None else load_content("plan")
    out = dict(answers)
    platforms, formats = kept_platforms(answers, plan), content_fit(answers, plan)["kept"]
    if platforms:
        out[str((plan.get("focus") or {}).get("step", "focus_platforms"))] = platforms
    if formats:
        out[str((plan.get("content_budget") or {}).get("step", "formats"))] = formats
    return out
