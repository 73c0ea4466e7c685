"""/idea [pillar]: a post idea on demand, by pillar and format, never one of the user's last ideas.

The ideas are the bank in content/ideas.toml (the reminders' "keep existing" nudges use it too) and the log of
ideas already given is the reminders' idea_log, so /idea and the nudges never repeat each other's recent ideas.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from typing import Any

from bot.actions import Action, action
from bot.context import Context
from bot.features import Command, Feature
from bot.types import Choice
from handlers import carry, playbook, reputation
from handlers.plan import budget
from handlers.reminders import content as NC
from handlers.reminders.store import NudgeStore

NO_REPEAT = NC.NO_REPEAT  # the user's last ideas (nudges and /idea alike) that are not given again
Tr = Callable[..., str]


@action("i:{pillar}:{format}")
class IdeaMore(Action):
    """Another idea for a pillar (its position in the user's pillars, -1: any) and format (position, -1: any)."""

    pillar: int
    format: int


def user_pillars(answers: dict[str, Any]) -> list[str]:
    """The pillars ideas and the calendar use: a pillar that is itself a risky tactic is left out."""
    usable = reputation.usable_answers(answers)
    return [str(p) for p in (usable.get("pillars") or []) if str(p).strip()]


def user_formats(answers: dict[str, Any], post_days: Sequence[int] | None = None) -> list[str]:
    """The formats the plan keeps (the user's, less those the time budget leaves for later)."""
    return budget.kept_formats(answers, None, post_days)


def fits_format(idea: NC.Idea, fmt: str, platform: str | None = None) -> bool:
    """Whether an idea can be made as this format (and on this platform, when given)."""
    return idea.fits(fmt, [platform] if platform else None)


def role_purposes(role: str, purposes: Sequence[str]) -> list[str]:
    """The purposes as the role's playbook reads them: a candidate's "sales" is support (handlers/playbook.py)."""
    return list(dict.fromkeys(playbook.effective_purpose(role, str(p)) for p in purposes))


def ranked(pillar: str, purposes: Sequence[str], seed: str, role: str = "") -> list[NC.Idea]:
    """Every idea that suits a pillar, best first: themed for the pillar and a purpose, then generic ones that
    serve a purpose, then the same without the purpose (shuffled within a tier by the seed); ideas themed for
    other subjects are left out, and so are ideas whose text says a word the role's plan never says (a candidate
    gets no "one customer's story": content/playbooks.toml [roles.<role>].avoid)."""
    fits = NC.pillar_themes(pillar)
    wanted = set(role_purposes(role, purposes) if role else purposes)
    rng = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16))
    tiers: list[list[NC.Idea]] = [[], [], [], []]
    for idea in NC.ideas():
        if idea.themes and not fits & set(idea.themes):
            continue
        if role and not playbook.suits_role(f"idea.{idea.id}", role):
            continue
        serves = not idea.purposes or not wanted or bool(wanted & set(idea.purposes))
        tiers[(0 if idea.themes else 1) + (0 if serves else 2)].append(idea)
    out: list[NC.Idea] = []
    for tier in tiers:
        rng.shuffle(tier)
        out += tier
    return out


def pick(pillar: str, purposes: Sequence[str], recent: Sequence[str], seed: str, fmt: str | None = None,
         platforms: Sequence[str] | None = None, role: str = "") -> NC.Idea | None:
    """The best idea for the pillar (and format, on one of the platforms) not among the user's last NO_REPEAT ideas."""
    skip = set(recent[:NO_REPEAT])
    return next((i for i in ranked(pillar, purposes, seed, role)
                 if i.id not in skip and i.fits(fmt, list(platforms or []))), None)


def format_words(t: Tr, fmt: str, has: Callable[[str], bool]) -> str:
    """A format as it reads mid-sentence ("a short video"), else its option label."""
    key = f"idea_format.{fmt}"
    return t(key) if has(key) else t(f"opt.formats.{fmt}")


def idea_text(t: Tr, has: Callable[[str], bool], idea_id: str, pillar: str, fmt: str) -> str:
    """An idea's text for a pillar and a format (the pillar is shown before it, never inside it: NC.idea_topic)."""
    return t(f"idea.{idea_id}", topic=NC.idea_topic(t, pillar), format=format_words(t, fmt, has))


def match_pillar(pillars: list[str], arg: str) -> int | None:
    """Which of the user's pillars the typed argument names: its number, its text, or a word of it."""
    arg = arg.strip().lower()
    if not arg:
        return None
    if arg.isdigit() and 1 <= int(arg) <= len(pillars):
        return int(arg) - 1
    for test in (lambda p: p == arg, lambda p: p.startswith(arg), lambda p: arg in p,
                 lambda p: any(w in p.split() for w in arg.split() if len(w) > 2)):
        for n, p in enumerate(pillars):
            if test(p.lower()):
                return n
    return None


async def give_idea(ctx: Context, pillar_at: int | None, format_at: int | None) -> None:
    """Send one fresh idea (logged like the nudges' ideas) with buttons for another one, per pillar."""
    answers = await ctx.storage.answers(ctx.user.id)
    pillars = user_pillars(answers)
    formats = carry.slot_formats(user_formats(answers), budget.kept_platforms(answers))  # formats they can carry
    store = NudgeStore(ctx.storage)
    recent = await store.recent_ideas(ctx.user.id)
    now = ctx.storage.clock.now()
    seed = f"{ctx.user.id}:{now.isoformat()}:{len(recent)}"
    digest = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    p_at = pillar_at if pillar_at is not None and 0 <= pillar_at < len(pillars) else (
        digest % len(pillars) if pillars else -1)
    f_at = format_at if format_at is not None and 0 <= format_at < len(formats) else digest // 7 % len(formats)
    pillar = pillars[p_at] if p_at >= 0 else ""
    idea = pick(pillar, [str(p) for p in answers.get("purposes") or []], recent, seed, formats[f_at],
                budget.kept_platforms(answers), str(answers.get("role") or ""))
    if idea is None:
        ctx.say("ideas.none")
        return
    await store.log_idea(ctx.user.id, idea.id, int(now.timestamp()))
    text = idea_text(ctx.t, lambda k: ctx.core.catalog.has(k, ctx.lang), idea.id, pillar, formats[f_at])
    choices = [Choice(IdeaMore(p_at, -1), ctx.t("ideas.btn_more"))]
    choices += [Choice(IdeaMore(n, -1), ctx.t("ideas.btn_pillar", pillar=p[:40])) for n, p in enumerate(pillars)
                if n != p_at][:4]
    named = NC.names_pillar(text, NC.idea_topic(ctx.t, pillar), pillar)  # the idea quotes it: said once
    head = ctx.t("ideas.title", pillar=pillar, format=ctx.t(f"opt.formats.{formats[f_at]}")) if pillar and not named \
        else ctx.t("ideas.title_any", format=ctx.t(f"opt.formats.{formats[f_at]}"))
    ctx.say("ideas.title", text=f"{head}\n{text}", choices=choices)


async def cmd_idea(ctx: Context) -> None:
    """/idea [pillar]: the pillar by number or words; without one, any of the user's pillars."""
    answers = await ctx.storage.answers(ctx.user.id)
    pillars = user_pillars(answers)
    arg = " ".join(ctx.inbound.args)
    at = match_pillar(pillars, arg) if arg else None
    if arg and at is None:
        listed = "\n".join(f"{n + 1}. {p}" for n, p in enumerate(pillars))
        ctx.say("ideas.unknown_pillar" if pillars else "ideas.no_pillars", arg=arg[:40], pillars=listed)
        if not pillars:
            return
    await give_idea(ctx, at, None)


async def on_more(ctx: Context) -> None:
    act = ctx.action
    assert isinstance(act, IdeaMore)
    await give_idea(ctx, act.pillar, act.format if act.format >= 0 else None)


FEATURE = Feature("ideas", commands=(Command("idea", cmd_idea),), actions={IdeaMore: on_more})
