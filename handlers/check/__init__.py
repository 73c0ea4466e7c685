"""/check <draft>: a short second opinion on a caption before posting, in the user's language. After /check alone
the next typed message is the draft. Nothing of the draft is stored (nor used as language evidence)."""
from __future__ import annotations

from typing import Any

from bot import schema
from bot.context import Context
from bot.core import MAX_INBOUND_CHARS
from bot.router import Router
from handlers.check.review import CAPS, Review, review
from handlers.reputation import usable_answers

__all__ = ["register", "review", "review_text"]

AWAIT_SECONDS = 3600
MAX_DRAFT = MAX_INBOUND_CHARS  # a longer message is cut at the door (one character over: still refused)


def review_text(ctx: Context, r: Review, answers: dict[str, Any]) -> str:
    """The review as a few short lines: brand, reputation, limits, call to action, hashtags."""
    pillars = [str(p) for p in usable_answers(answers).get("pillars") or []]
    lines = [ctx.t("check.title")]
    if r.withheld:
        pass  # no praise for a draft that insults, baits or spreads a rumour: the risks come first
    elif r.pillar:
        lines.append(ctx.t("check.on_brand", pillar=r.pillar))
    elif pillars:
        lines.append(ctx.t("check.off_brand", pillars=", ".join(pillars)))
    if r.risks:
        lines += [ctx.t(f"check.risk.{name}") for name in r.risks]
        lines.append(ctx.t("check.fame"))
    else:
        lines.append(ctx.t("check.no_risk"))
    for lim in r.over:
        lines.append(ctx.t(f"check.over_{lim.what}", platform=ctx.t(f"opt.focus_platforms.{lim.platform}"),
                           count=lim.count, limit=lim.limit, extra=lim.count - lim.limit))
    if r.checked and not r.over:
        lines.append(ctx.t("check.fits", platforms=", ".join(ctx.t(f"opt.focus_platforms.{p}") for p in r.checked),
                           chars=r.chars, hashtags=r.hashtags))
    if "bait" not in r.risks:  # the bait warning already speaks about the ask: no second, contradicting line
        lines.append(ctx.t("check.cta_yes") if r.cta else ctx.t("check.cta_withheld") if r.bait_cta else
                     ctx.t("check.cta_no"))
    if r.suggestions:
        lines.append(ctx.t("check.tags", tags=" ".join(r.suggestions)))
    return "\n".join(lines)


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
    await ctx.expect("check")
    ctx.say("check.ask", expects="text", max_len=MAX_DRAFT)


async def cmd_check(ctx: Context) -> None:
    """/check <draft> reviews it (the whole message after the command, line breaks kept); /check alone waits."""
    draft = ctx.inbound.text or " ".join(ctx.inbound.args)
    if draft.strip():
        if ctx.awaits == "check":
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
    "negation": schema.Field(schema.Table({"window": schema.Field(int, min=1, max=10), "words": _WORDS,
                                           "clause_breaks": _WORDS}), required=True),
    "education": schema.Field(schema.Table({"phrases": _WORDS})),
    "risks": schema.Field(schema.MapOf(schema.Field(schema.Table({
        "terms": _WORDS, "with": _WORDS, "near": _WORDS, "target": schema.Field(bool),
        "education": schema.Field(bool), "scope": schema.Field(str, choices=("sentence", "draft"))})),
        key_pattern=r"[a-z_]+"), required=True),
    "target": schema.Field(schema.Table({"titles": _WORDS, "phrases": _WORDS})),
    "praise": schema.Field(schema.Table({"withheld_by": _WORDS})),
    "caps": schema.Field(schema.Table({"min_words": schema.Field(int, min=2), "min_share": schema.Field(float, min=0,
                                                                                                      max=1)})),
    "limits": schema.Field(schema.MapOf(schema.Field(schema.Table({
        "chars": schema.Field(int, min=1), "hashtags": schema.Field(int, min=1)})), key_pattern=r"[a-z_]+")),
    "cta": schema.Field(schema.Table({"phrases": _WORDS})),
    "brand": schema.Field(schema.Table({"stopwords": _WORDS})),
})
TEXTS = ("check.title", "check.on_brand", "check.off_brand", "check.fame", "check.no_risk", "check.over_chars",
         "check.over_hashtags", "check.fits", "check.cta_yes", "check.cta_no", "check.cta_withheld", "check.tags",
         "check.ask", "check.too_long", f"check.risk.{CAPS}")


def findings(data: dict[str, Any], platforms: list[str] | None) -> list[schema.Finding]:
    """Schema violations; a risk class that can never fire; limits for platforms the questionnaire lacks."""
    found = schema.validate(data, SCHEMA)
    if found:
        return found
    for name, risk in data.get("risks", {}).items():
        if not risk.get("terms") and not risk.get("with"):
            found.append((f"risks.{name}", "no terms and no `with` words: this class never fires"))
        if risk.get("with") and not risk.get("near") and not risk.get("target"):
            found.append((f"risks.{name}.with", "`with` needs `near` words or target = true"))
        if risk.get("near") and not risk.get("with"):
            found.append((f"risks.{name}.near", "`near` without `with` words never fires"))
        if name == CAPS:
            found.append((f"risks.{name}", f"{CAPS!r} is the all-caps check ([caps]), not a lexicon class"))
        for key in ("terms", "with", "near"):
            found += [(f"risks.{name}.{key}", f"{t!r}: '*' cannot start or end a phrase") for t in risk.get(key, [])
                      if t.split()[:1] == ["*"] or t.split()[-1:] == ["*"]]
    known = set(data.get("risks", {})) | {CAPS}
    found += [("praise.withheld_by", f"{n!r} is not a risk class") for n in data.get("praise", {}).get("withheld_by", [])
              if n not in known]
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
                                                "chars", "hashtags", "tags", "max"})) for k in TEXTS]
    texts += [schema.Text(f"check.risk.{name}", f"risks.{name}") for name in doc.data.get("risks", {})]
    return out + schema.text_issues(doc, texts, catalog_entries_by_language())


schema.register_check("check", check)


def register(router: Router) -> None:
    router.command("check", cmd_check, takes_text=True)
    router.awaiting("check", on_draft, language_evidence=False, ttl=AWAIT_SECONDS)
