"""/check <draft>: a short second opinion on a caption before posting, in the user's language. After /check alone
the next typed message is the draft. Nothing of the draft is stored (nor used as language evidence)."""
from __future__ import annotations

from typing import Any

from bot import schema
from bot.context import Context
from bot.core import MAX_INBOUND_CHARS
from bot.features import Command, Feature
from bot.router import Awaited
from bot.state import Await, awaits
from handlers.check.review import CAPS, Review, review
from handlers.reputation import usable_answers
from handlers.understand import risk as R

__all__ = ["register", "review", "review_text"]

AWAIT_SECONDS = 3600


@awaits("check")
class DraftToCheck(Await):
    """/check alone was sent: the next message is the draft to check."""


MAX_DRAFT = MAX_INBOUND_CHARS  # a longer message is cut at the door (one character over: still refused)


def review_text(ctx: Context, r: Review, answers: dict[str, Any]) -> str:
    """The review as short lines: the verdict, each risk with its words and a safer way, then brand, limits, a
    call to action and hashtags (polish after the risks)."""
    pillars = [str(p) for p in usable_answers(answers).get("pillars") or []]
    lines = [ctx.t("check.title")]
    severity = r.severity
    if severity in ("stop", "rethink"):
        lines.append(ctx.t(f"check.verdict_{severity}"))
    for f in r.findings:
        lines.append(ctx.t("check.finding", risk=ctx.t(f"check.risk.{f.risk}"), quote=_short(f.quote),
                           fix=ctx.t(f"check.fix_for.{f.fix}" if f.fix else f"check.fix.{f.risk}")))
    if severity in ("stop", "rethink"):
        lines.append(ctx.t("check.fame"))
    elif not r.findings:
        lines.append(ctx.t("check.no_risk"))
    if r.withheld:
        pass  # no praise for a draft that insults, baits or spreads a rumour: the risks come first
    elif r.pillar:
        lines.append(ctx.t("check.on_brand", pillar=r.pillar))
    elif pillars:
        lines.append(ctx.t("check.off_brand", pillars=", ".join(pillars)))
    for lim in r.over:
        lines.append(ctx.t(f"check.over_{lim.what}", platform=ctx.t(f"opt.focus_platforms.{lim.platform}"),
                           count=lim.count, limit=lim.limit, extra=lim.count - lim.limit))
    if r.checked and not r.over:
        lines.append(ctx.t("check.fits", platforms=", ".join(ctx.t(f"opt.focus_platforms.{p}") for p in r.checked),
                           chars=r.chars, hashtags=r.hashtags))
    if "bait" not in r.risks:  # the bait warning already speaks about the ask: no second, contradicting line
        lines.append(ctx.t("check.cta_yes") if r.cta else ctx.t("check.cta_withheld") if r.bait_cta else
                     ctx.t("check.cta_no"))
    if r.suggestions and not r.withheld:
        lines.append(ctx.t("check.tags", tags=" ".join(r.suggestions)))
    return "\n".join(lines)


def _short(quote: str, most: int = 60) -> str:
    """The quoted words, at most `most` characters, cut at a word."""
    quote = " ".join(quote.split())
    if len(quote) <= most:
        return quote
    return quote[:most].rsplit(" ", 1)[0] + "…"


async def reply(ctx: Context, draft: str) -> None:
    draft = draft.strip()
    if not draft:
        await ask(ctx)
        return
    if len(draft) > MAX_DRAFT:
        ctx.refuse("check.too_long", max=MAX_DRAFT)
        return
    answers = await ctx.storage.answers(ctx.user.id)
    ctx.say("check.title", text=review_text(ctx, review(draft, answers), answers))


async def ask(ctx: Context) -> None:
    await ctx.expect(DraftToCheck())
    ctx.say("check.ask", expects="text", max_len=MAX_DRAFT)


async def cmd_check(ctx: Context) -> None:
    """/check <draft> reviews it (the whole message after the command, line breaks kept); /check alone waits."""
    draft = ctx.inbound.text or " ".join(ctx.inbound.args)
    if draft.strip():
        if isinstance(ctx.awaits, DraftToCheck):
            await ctx.expect(None)
        await reply(ctx, draft)
    else:
        await ask(ctx)


async def on_draft(ctx: Context) -> None:
    await ctx.expect(None)
    await reply(ctx, ctx.inbound.text)


# ---- content schema and check (content/check.toml) ---------------------------------------------------------

_WORDS = schema.Field(schema.ListOf(str))
SCHEMA = schema.Table({
    **R.RISK_SCHEMA,
    "praise": schema.Field(schema.Table({"withheld_by": _WORDS})),
    "limits": schema.Field(schema.MapOf(schema.Field(schema.Table({
        "chars": schema.Field(int, min=1), "hashtags": schema.Field(int, min=1)})), key_pattern=r"[a-z_]+")),
    "brand": schema.Field(schema.Table({"stopwords": _WORDS})),
})
TEXTS = ("check.title", "check.on_brand", "check.off_brand", "check.fame", "check.no_risk", "check.over_chars",
         "check.over_hashtags", "check.fits", "check.cta_yes", "check.cta_no", "check.cta_withheld", "check.tags",
         "check.ask", "check.too_long", "check.verdict_stop", "check.verdict_rethink", "check.finding",
         f"check.risk.{CAPS}", f"check.fix.{CAPS}")


def findings(data: dict[str, Any], platforms: list[str] | None) -> list[schema.Finding]:
    """Schema violations; risks that can never fire; limits for platforms the questionnaire lacks."""
    found = schema.validate(data, SCHEMA)
    if found:
        return found
    found += R.risk_findings(data)
    known = set(data.get("risks", {})) | {CAPS}
    found += [("praise.withheld_by", f"{n!r} is not a risk") for n in data.get("praise", {}).get("withheld_by", [])
              if n not in known]
    if "cta" not in data.get("concepts", {}):
        found.append(("concepts", "no `cta` concept: no draft would ever ask readers to do anything"))
    found += [(f"limits.{p}", f"{p!r} is not an option of the 'focus_platforms' step")
              for p in data.get("limits", {}) if platforms is not None and p not in platforms]
    return found


def check() -> list[schema.Issue]:
    from bot.content import content_doc
    from bot.i18n import catalog_entries_by_language
    from handlers.calendar.build import step_options

    doc = content_doc("check")
    out = doc.issues(findings(doc.data, step_options("focus_platforms")))
    texts = [schema.Text(k, "risks", frozenset({"pillar", "pillars", "platform", "count", "limit", "extra", "platforms",
                                                "chars", "hashtags", "tags", "max", "risk", "quote", "fix"}))
             for k in TEXTS]
    texts += [schema.Text(f"check.{kind}.{name}", f"risks.{name}") for name in doc.data.get("risks", {})
              for kind in ("risk", "fix")]
    texts += [schema.Text(f"check.fix_for.{fix}", f"risks.{name}.rules") for name, risk in doc.data.get("risks", {}).items()
              for fix in sorted({rule["fix"] for rule in risk.get("rules", ()) if rule.get("fix")})]
    return out + schema.text_issues(doc, texts, catalog_entries_by_language())


schema.register_check("check", check)


FEATURE = Feature("check", commands=(Command("check", cmd_check, takes_text=True),),
                  awaits={DraftToCheck: Awaited(on_draft, language_evidence=False, ttl=AWAIT_SECONDS)})
