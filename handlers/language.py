"""/language: show or pin the user's language (id or en)."""
from __future__ import annotations

from bot.actions import Action, action
from bot.context import Context
from bot.i18n import LANGUAGES
from bot.features import Command, Feature
from bot.types import Choice
from handlers import questionnaire as Q


@action("l:{code}")
class PickLanguage(Action):
    code: str


async def _pin(ctx: Context, lang: str) -> None:
    await ctx.storage.update_user(ctx.user.id, language=lang, language_pinned=1, lang_pending=None,
                                  lang_pending_count=0)
    ctx.user.language, ctx.user.language_pinned = lang, True
    ctx.say("lang.set")
    await Q.reprompt(ctx)


async def cmd_language(ctx: Context) -> None:
    arg = ctx.inbound.args[0].lower() if ctx.inbound.args else ""
    aliases = {"indonesia": "id", "indonesian": "id", "bahasa": "id", "english": "en", "inggris": "en"}
    arg = aliases.get(arg, arg)
    if arg in LANGUAGES:
        await _pin(ctx, arg)
        return
    ctx.say("lang.pick", expects="choice",
            choices=tuple(Choice(PickLanguage(code), ctx.core.catalog.t(code, "lang.name")) for code in LANGUAGES))


async def on_pick(ctx: Context) -> None:
    act = ctx.action
    if not isinstance(act, PickLanguage) or act.code not in LANGUAGES:
        ctx.refuse("err.stale_button")
        return
    await _pin(ctx, act.code)


FEATURE = Feature("language", commands=(Command("language", cmd_language),), actions={PickLanguage: on_pick})
