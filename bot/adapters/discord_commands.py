"""Discord's side of the slash commands: the client, localized command definitions, the translator, syncing."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.adapters.discord_ui import lang_of, localize_commands, parse_id
from bot.i18n import Catalog

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger("bot.adapters.discord")
RunFn = Callable[[discord.Interaction, str, tuple[str, ...], str], Awaitable[None]]  # (…, name, args, text)
MAX_OPTION_TEXT = 6000  # Discord's longest string option
AnswerFn = Callable[[discord.Interaction, "str | None"], Awaitable[None]]


def slash_commands(core: Core) -> tuple[str, ...]:
    """The core's menu commands plus /answer (answer the open question: a form, or the text given)."""
    menu = core.commands()
    return tuple(menu[:1]) + ("answer",) + tuple(menu[1:])


def intents() -> discord.Intents:
    """Only what the adapter needs: guild basics and direct messages; nothing privileged."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.dm_messages = True
    return wanted


class Client(discord.Client):
    """A discord.Client that forwards component presses, form submits and DMs to the adapter."""

    def __init__(self, adapter: Any) -> None:
        super().__init__(intents=intents(), allowed_mentions=discord.AllowedMentions.none())
        self.adapter = adapter

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every interaction (slash commands are also run by the command tree)."""
        await self.adapter.on_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        """Messages the bot can see (DMs only: no guild message intent)."""
        await self.adapter.on_message(message)


def build_command(name: str, catalog: Catalog, run: RunFn, answer_fn: AnswerFn, *,
                  takes_text: bool = False) -> app_commands.Command[Any, ..., None]:
    """A slash command forwarding to the core's command of the same name (localized via the translator); one that
    takes text (the core's "/check <draft>") gets an optional `text` option, passed on as the command's text."""
    cat = catalog
    key = "discord.cmd.answer" if name == "answer" else f"cmd.{name}"
    callback: Callable[..., Awaitable[None]]
    if name == "answer":
        async def answer(interaction: discord.Interaction, text: str | None = None) -> None:
            await answer_fn(interaction, text)

        callback = app_commands.describe(text=app_commands.locale_str(
            cat.t("en", "discord.opt.text.desc"), key="discord.opt.text.desc"))(answer)
        callback = app_commands.rename(text=app_commands.locale_str(
            "text", key="discord.opt.text.name"))(callback)
    elif takes_text:
        async def with_text(interaction: discord.Interaction,
                            text: app_commands.Range[str, 1, MAX_OPTION_TEXT] | None = None) -> None:
            await run(interaction, name, (), text or "")

        callback = app_commands.describe(text=app_commands.locale_str(
            cat.t("en", "discord.opt.cmd_text.desc"), key="discord.opt.cmd_text.desc"))(with_text)
        callback = app_commands.rename(text=app_commands.locale_str(
            "text", key="discord.opt.cmd_text.name"))(callback)
    elif name == "language":
        choices = [app_commands.Choice(name=cat.t(code, "lang.name"), value=code) for code in ("id", "en")]

        async def language(interaction: discord.Interaction, code: str | None = None) -> None:
            await run(interaction, "language", (code,) if code else (), "")

        callback = app_commands.choices(code=choices)(language)
        callback = app_commands.describe(code=app_commands.locale_str(
            cat.t("en", "discord.opt.language.desc"), key="discord.opt.language.desc"))(callback)
        callback = app_commands.rename(code=app_commands.locale_str(
            "language", key="discord.opt.language.name"))(callback)
    else:
        async def plain(interaction: discord.Interaction) -> None:
            await run(interaction, name, (), "")

        callback = plain
    return app_commands.Command(
        name=app_commands.locale_str(name, key=f"discord.name.{name}"),
        description=app_commands.locale_str(cat.t("en", key)[:100], key=key),
        callback=callback,
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
        allowed_installs=app_commands.AppInstallationType(guild=True),
    )


class InFlight:
    """Handlers running now, so that shutdown lets them finish (bounded) and takes no new ones."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.closing = False

    @contextlib.contextmanager
    def tracked(self) -> Iterator[bool]:
        """Mark the current task as in flight; yields False once shutdown has begun (then do nothing)."""
        task = asyncio.current_task()
        if self.closing or task is None:
            yield not self.closing
            return
        self.tasks.add(task)
        try:
            yield True
        finally:
            self.tasks.discard(task)

    async def close(self, wait: float) -> None:
        """Take no new handlers; wait up to `wait` seconds for the running ones."""
        self.closing = True
        running = {t for t in self.tasks if t is not asyncio.current_task() and not t.done()}
        if running:
            await asyncio.wait(running, timeout=wait)


async def answer_tree_error(interaction: discord.Interaction, error: app_commands.AppCommandError,
                            catalog: Catalog) -> None:
    """An unknown (stale, renamed) or failing slash command: an ephemeral pointer to /help, never silence."""
    if not isinstance(error, app_commands.CommandNotFound):
        log.error("a Discord slash command failed", exc_info=error)
    lang = lang_of(interaction.locale)
    text = localize_commands(catalog.t(lang, "discord.outdated"), lang, catalog)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not answer an unknown or failing Discord command")


async def refuse(interaction: discord.Interaction, catalog: Catalog, key: str) -> None:
    """An ephemeral notice in the presser's language; nothing reaches the core."""
    await interaction.response.send_message(catalog.t(lang_of(interaction.locale), key), ephemeral=True)


async def owned(interaction: discord.Interaction, catalog: Catalog, *, form: bool = False) -> tuple[str, str] | None:
    """(kind, rest) of one of our custom ids used by its owner; otherwise refuse (naming a form or a button)."""
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    parsed = parse_id(str(data.get("custom_id", "")))
    if parsed is None:
        log.info("unknown Discord custom id refused")
        await refuse(interaction, catalog, "discord.unknown_form" if form else "discord.unknown_component")
        return None
    if parsed.owner != str(interaction.user.id):
        await refuse(interaction, catalog, "discord.not_yours_form" if form else "discord.not_yours")
        return None
    return parsed.kind, parsed.rest


def core_command(name: str, catalog: Catalog) -> str:
    """The core's command for a name typed in a DM, localized ('mulai') or not ('start')."""
    for lang in catalog.languages:
        for key, text in catalog.messages.get(lang, {}).items():
            if key.startswith("discord.name.") and text == name:
                return key.rsplit(".", 1)[1]
    return name


class CatalogTranslator(app_commands.Translator):
    """Slash command names and descriptions from the catalogs (keys travel in locale_str extras)."""

    LOCALES = {discord.Locale.indonesian: "id", discord.Locale.american_english: "en",
               discord.Locale.british_english: "en"}

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        """The catalog text for the string's key in the locale's language; None when there is none."""
        lang = self.LOCALES.get(locale)
        key = string.extras.get("key")
        if lang is None or not key or not self.catalog.has(key, lang):
            return None
        text = self.catalog.t(lang, key)
        return text if text != string.message else None
