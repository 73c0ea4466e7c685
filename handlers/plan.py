"""The brand plan: sections and recommendations derived from the answers; text and Markdown."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.context import Context
from bot.router import Router
from bot.types import OutFile
from handlers import steps as S

Tr = Callable[..., str]

# Reply windows a day for a response-time target (hours).
REPLY_WINDOWS = {"1": ["08:00", "10:00", "12:00", "14:00", "16:00", "18:00", "20:00"],
                 "3": ["09:00", "12:00", "15:00", "18:00", "21:00"],
                 "12": ["08:00", "19:00"], "24": ["19:00"]}
# Posting days (0 = Monday) for a number of posts a week.
POST_DAYS = {"7": [0, 1, 2, 3, 4, 5, 6], "5": [0, 1, 2, 3, 4], "3": [0, 2, 4], "1": [3]}


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)


def _opt(t: Tr, step: str, value: Any) -> str:
    return t(f"opt.{step}.{value}")


def _opts(t: Tr, step: str, values: Any) -> str:
    return ", ".join(_opt(t, step, v) for v in (values or []))


def build_plan(answers: dict[str, Any], t: Tr) -> list[Section]:
    """Pure: the plan's sections, each a title and lines, with recommendations from the answers."""
    a = answers
    purposes = a.get("purposes") or []
    focus = a.get("focus_platforms") or []
    formats = a.get("formats") or []
    minutes = int(a.get("daily_minutes") or 30)
    cadence = str(a.get("cadence") or "3")
    sections: list[Section] = []

    who = Section(t("plan.sec.who"), [
        t("plan.who", name=a.get("name", ""), role=_opt(t, "role", a.get("role", "person"))),
        t("plan.purposes", purposes=_opts(t, "purposes", purposes)),
    ])
    sections.append(who)

    vision = Section(t("plan.sec.vision"), [t("plan.vision", vision=a.get("vision", "-")),
                                            t("plan.mission", mission=a.get("mission", "-")),
                                            t("plan.goal_5y", goal=a.get("goal_5y", "-"))])
    if a.get("goal_10y"):
        vision.lines.append(t("plan.goal_10y", goal=a["goal_10y"]))
    vision.lines.append(t("plan.rec.review_monthly"))
    sections.append(vision)

    segments = a.get("segments") or []
    priority = a.get("priority_segment")
    audience = Section(t("plan.sec.audience"))
    for seg in segments:
        key = "plan.segment_priority" if seg == priority else "plan.segment"
        audience.lines.append(t(key, segment=seg))
    audience.lines.append(t("plan.needs", needs=a.get("needs", "-")))
    if a.get("competitors"):
        audience.lines.append(t("plan.competitors", competitors=a["competitors"]))
        audience.lines.append(t("plan.rec.competitors"))
    sections.append(audience)

    strategy = Section(t("plan.sec.strategy"))
    strategy.lines.append(t("plan.platforms", platforms=_opts(t, "focus_platforms", focus)))
    if minutes <= 30 and len(focus) > 2:
        strategy.lines.append(t("plan.rec.fewer_platforms", minutes=minutes, count=len(focus),
                                keep=_opts(t, "focus_platforms", focus[:2])))
    elif minutes <= 15 and len(focus) > 1:
        strategy.lines.append(t("plan.rec.one_platform", minutes=minutes, keep=_opt(t, "focus_platforms", focus[0])))
    if "explain" in purposes:
        strategy.lines.append(t("plan.rec.video"))
        if "youtube" not in focus:
            strategy.lines.append(t("plan.rec.add_youtube"))
    if "exist" in purposes or "reminder" in purposes:
        strategy.lines.append(t("plan.rec.keep_existing"))
    if "engage" in purposes:
        strategy.lines.append(t("plan.rec.engage"))
    strategy.lines.append(t("plan.formats", formats=_opts(t, "formats", formats)))
    days = ", ".join(t(f"day.{d}") for d in POST_DAYS.get(cadence, POST_DAYS["3"]))
    strategy.lines.append(t("plan.cadence", cadence=_opt(t, "cadence", cadence), days=days))
    if minutes <= 30 and int(cadence) >= 5:
        strategy.lines.append(t("plan.rec.batch", minutes=minutes))
    if a.get("get_noticed"):
        strategy.lines.append(t("plan.get_noticed", how=a["get_noticed"]))
    sections.append(strategy)

    pillars = Section(t("plan.sec.pillars"))
    fmt_cycle = formats or ["photo"]
    for i, pillar in enumerate(a.get("pillars") or []):
        pillars.lines.append(t("plan.pillar", n=i + 1, pillar=pillar,
                               format=_opt(t, "formats", fmt_cycle[i % len(fmt_cycle)])))
    sections.append(pillars)

    keys = Section(t("plan.sec.keys"))
    keys.lines.append(t("plan.creative", angle=a.get("creative_angle", "-")))
    keys.lines.append(t("plan.quality", quality=a.get("quality", "-")))
    create = round(minutes * 0.6)
    keys.lines.append(t("plan.time_split", minutes=minutes, create=create, interact=minutes - create))
    sections.append(keys)

    respond = Section(t("plan.sec.responsive"))
    rt = str(a.get("response_time") or "24")
    windows = REPLY_WINDOWS.get(rt, REPLY_WINDOWS["24"])
    respond.lines.append(t("plan.response_target", target=_opt(t, "response_time", rt)))
    routine = "plan.reply_routine_once" if len(windows) == 1 else "plan.reply_routine"
    respond.lines.append(t(routine, count=len(windows), times=", ".join(windows),
                           minutes=max(5, (minutes - create) // max(1, len(windows)))))
    if a.get("team") == "team":
        respond.lines.append(t("plan.replier_team", who=a.get("team_replier") or t("plan.your_team")))
    else:
        respond.lines.append(t("plan.replier_self"))
    sections.append(respond)

    stake = Section(t("plan.sec.stakeholders"))
    for seg in segments:
        stake.lines.append(t("plan.stakeholder", segment=seg,
                             how=t("plan.stake.priority") if seg == priority else t("plan.stake.other")))
    stake.lines.append(t("plan.offline", offline=a.get("offline", "-")))
    stake.lines.append(t("plan.rec.offline"))
    sections.append(stake)

    guard = Section(t("plan.sec.guard"))
    guard.lines.append(t("plan.criticism", how=_opt(t, "criticism", a.get("criticism", "calm"))))
    risky = any(S.courts_controversy(s, a.get(s.id)) for s in S.all_steps() if s.id in a)
    guard.lines.append(t("plan.rec.guard_warning") if risky else t("plan.rec.guard_ok"))
    sections.append(guard)
    return sections


def render_text(title: str, sections: list[Section]) -> str:
    """Plain chat text: title, then each section with bullet lines."""
    out = [title]
    for sec in sections:
        out.append("")
        out.append(f"▶ {sec.title}")
        out.extend(f"• {line}" for line in sec.lines)
    return "\n".join(out)


def render_markdown(title: str, sections: list[Section]) -> str:
    out = [f"# {title}", ""]
    for sec in sections:
        out.append(f"## {sec.title}")
        out.append("")
        out.extend(f"- {line}" for line in sec.lines)
        out.append("")
    return "\n".join(out)


async def send_plan(ctx: Context, answers: dict[str, Any]) -> None:
    """The plan as text and as a Markdown file."""
    sections = build_plan(answers, ctx.t)
    title = ctx.t("plan.title", name=answers.get("name", ""))
    md = render_markdown(title, sections).encode("utf-8")
    ctx.say("plan.title", text=render_text(title, sections))
    ctx.say("plan.file_caption", file=OutFile(ctx.t("plan.file_name"), md, "text/markdown"))
    ctx.say("plan.next")


async def cmd_plan(ctx: Context) -> None:
    flow = await ctx.storage.get_flow(ctx.user.id)
    answers = await ctx.storage.answers(ctx.user.id)
    if flow is not None and flow.status != "done" and flow.planned_at:
        ctx.say("plan.editing")  # a plan was confirmed before: show it from the answers as they are now
    elif flow is None or flow.status != "done":
        if flow is None:
            ctx.say("plan.not_started")
        else:
            total = len(S.applicable(answers))
            n, total = S.progress(answers, flow.step) if flow.step else (total, total)
            ctx.say("plan.not_ready", n=n, total=total)
        return
    await send_plan(ctx, answers)


async def on_plan_confirmed(ctx: Context) -> None:
    """The questionnaire's answers were confirmed: send the plan."""
    await send_plan(ctx, await ctx.storage.answers(ctx.user.id))


def register(router: Router) -> None:
    router.command("plan", cmd_plan)
    router.subscribe("plan.confirmed", on_plan_confirmed)
