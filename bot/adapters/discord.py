"""Discord adapter on discord.py 2: localized slash commands, forms (modals), selects and buttons, DMs."""
from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands

from bot.adapters.base import RetryLater, UserUnreachable
from bot.adapters.discord_ui import (NO_STEP, CatalogTranslator, build_modal, build_view, core_command, lang_of,
                                     localize_commands, modal_values, parse_id, parse_open, split_text)
from bot.config import Config
from bot.types import Inbound, Outbound, UserRef, parse_command

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

PLATFORM = "discord"
SHUTDOWN_WAIT = 10.0  # seconds disconnect() waits for handlers already running
SendFn = Callable[..., Awaitable[Any]]


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


class _Client(discord.Client):
    """A discord.Client that forwards component presses, form submits and DMs to the adapter."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        super().__init__(intents=intents(), allowed_mentions=discord.AllowedMentions.none())
        self.adapter = adapter

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every interaction (slash commands are also run by the command tree)."""
        await self.adapter.on_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        """Messages the bot can see (DMs only: no guild message intent)."""
        await self.adapter.on_message(message)


class DiscordAdapter:
    """The coach on Discord; build it around a core, then connect() (login) or prepare() (offline, for tests)."""

    platform = PLATFORM

    def __init__(self, core: Core, config: Config) -> None:
        self.core = core
        self.config = config
        self.client = _Client(self)
        self.tree = app_commands.CommandTree(self.client)
        self.translator = CatalogTranslator(core.catalog)
        self._stack = contextlib.AsyncExitStack()
        self._prepared = False
        self._inflight: set[asyncio.Task[Any]] = set()  # handlers running now: shutdown lets them finish
        self._closing = False
        for name in slash_commands(core):
            self.tree.add_command(self._command(name))
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]

    # -- lifecycle -------------------------------------------------------------
    async def prepare(self) -> None:
        """Set up the client's event loop side and the translator, without logging in."""
        if self._prepared:
            return
        await self._stack.enter_async_context(self.client)
        await self.tree.set_translator(self.translator)
        self._prepared = True

    async def connect(self) -> None:
        """Log in with DISCORD_BOT_TOKEN and sync the slash commands."""
        if not self.config.discord_token:
            raise RuntimeError("DISCORD_BOT_TOKEN is not set")
        await self.prepare()
        await self.client.login(self.config.discord_token)
        try:
            await self.sync_commands()
        except discord.HTTPException:
            log.exception("syncing the slash commands failed; the old ones stay")

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        """Sync to DISCORD_GUILD_ID if set (instant, for development), else globally."""
        if self.config.discord_guild_id:
            guild = discord.Object(id=self.config.discord_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d slash commands to guild %s", len(synced), self.config.discord_guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global slash commands", len(synced))
        return synced

    async def listen(self) -> None:
        """Run the gateway connection until disconnect()."""
        await self.client.connect(reconnect=True)

    async def disconnect(self) -> None:
        """Let running handlers finish (bounded), then close the gateway and HTTP session (safe to call twice)."""
        self._closing = True
        running = {t for t in self._inflight if t is not asyncio.current_task() and not t.done()}
        if running:
            await asyncio.wait(running, timeout=SHUTDOWN_WAIT)
        if not self.client.is_closed():
            await self.client.close()
        await self._stack.aclose()
        self._prepared = False

    # -- inbound -----------------------------------------------------------------
    def _user(self, user: discord.abc.User) -> UserRef:
        return UserRef(PLATFORM, str(user.id), user.display_name or user.name)

    def _inbound(self, interaction: discord.Interaction, kind: str, **fields: Any) -> Inbound:
        return Inbound(self._user(interaction.user), kind, locale=str(interaction.locale),  # type: ignore[arg-type]
                       private=interaction.guild_id is None, **fields)

    def _command(self, name: str) -> app_commands.Command[Any, ..., None]:
        """A slash command forwarding to the core's command of the same name (localized via the translator)."""
        cat = self.core.catalog
        key = "discord.cmd.answer" if name == "answer" else f"cmd.{name}"
        callback: Callable[..., Awaitable[None]]
        if name == "answer":
            async def answer(interaction: discord.Interaction, text: str | None = None) -> None:
                await self._answer_command(interaction, text)

            callback = app_commands.describe(text=app_commands.locale_str(
                cat.t("en", "discord.opt.text.desc"), key="discord.opt.text.desc"))(answer)
            callback = app_commands.rename(text=app_commands.locale_str(
                "text", key="discord.opt.text.name"))(callback)
        elif name == "language":
            choices = [app_commands.Choice(name=cat.t(code, "lang.name"), value=code) for code in ("id", "en")]

            async def language(interaction: discord.Interaction, code: str | None = None) -> None:
                await self._run_command(interaction, "language", (code,) if code else ())

            callback = app_commands.choices(code=choices)(language)
            callback = app_commands.describe(code=app_commands.locale_str(
                cat.t("en", "discord.opt.language.desc"), key="discord.opt.language.desc"))(callback)
            callback = app_commands.rename(code=app_commands.locale_str(
                "language", key="discord.opt.language.name"))(callback)
        else:
            async def plain(interaction: discord.Interaction) -> None:
                await self._run_command(interaction, name, ())

            callback = plain
        return app_commands.Command(
            name=app_commands.locale_str(name, key=f"discord.name.{name}"),
            description=app_commands.locale_str(cat.t("en", key)[:100], key=key),
            callback=callback,
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
            allowed_installs=app_commands.AppInstallationType(guild=True),
        )

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[bool]:
        """Mark the current task as in flight; yields False once shutdown has begun (then do nothing)."""
        task = asyncio.current_task()
        if self._closing or task is None:
            yield not self._closing
            return
        self._inflight.add(task)
        try:
            yield True
        finally:
            self._inflight.discard(task)

    async def _run_command(self, interaction: discord.Interaction, name: str, args: tuple[str, ...]) -> None:
        with self._tracked() as live:
            if live:
                await self._defer(interaction, thinking=True)
                replies = await self.core.handle(self._inbound(interaction, "command", command=name, args=args))
                await self._reply(interaction, replies)

    async def _answer_command(self, interaction: discord.Interaction, text: str | None) -> None:
        """/answer text -> a text answer; /answer alone -> the open question's form (or how to answer)."""
        with self._tracked() as live:
            if live:
                await self._answer(interaction, text)

    async def _answer(self, interaction: discord.Interaction, text: str | None) -> None:
        uid = str(interaction.user.id)
        if text:
            await self._defer(interaction, thinking=True)
            replies = await self.core.handle(self._inbound(interaction, "text", text=text))
            await self._reply(interaction, replies)
            return
        # The core shows the open question again: a free-text one opens its form right away.
        replies = await self.core.handle(self._inbound(interaction, "command", command="answer"))
        question = next((m for m in replies if m.expects == "text"), None)
        if question is not None:
            await interaction.response.send_modal(build_modal(uid, question.step or NO_STEP, question.lang,
                                                              question.max_len, self.core.catalog))
            return
        await self._defer(interaction, thinking=True)
        await self._reply(interaction, replies)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Component presses and form submits (slash commands go through the command tree)."""
        with self._tracked() as live:
            try:
                if live and interaction.type == discord.InteractionType.component:
                    await self._on_component(interaction)
                elif live and interaction.type == discord.InteractionType.modal_submit:
                    await self._on_modal(interaction)
            except discord.HTTPException:
                log.exception("answering a Discord interaction failed")

    async def _on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """An unknown (stale, renamed) or failing slash command: an ephemeral pointer to /help, never silence."""
        if not isinstance(error, app_commands.CommandNotFound):
            log.error("a Discord slash command failed", exc_info=error)
        lang = lang_of(interaction.locale)
        text = localize_commands(self.core.catalog.t(lang, "discord.outdated"), lang, self.core.catalog)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not answer an unknown or failing Discord command")

    async def _refuse(self, interaction: discord.Interaction, key: str) -> None:
        """An ephemeral notice in the presser's language; nothing reaches the core."""
        await interaction.response.send_message(self.core.catalog.t(lang_of(interaction.locale), key),
                                                ephemeral=True)

    async def _owned(self, interaction: discord.Interaction) -> tuple[str, str] | None:
        """(kind, rest) of one of our custom ids pressed by its owner; otherwise refuse and return None."""
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        parsed = parse_id(str(data.get("custom_id", "")))
        if parsed is None:
            log.info("unknown Discord custom id refused")
            await self._refuse(interaction, "discord.unknown_component")
            return None
        if parsed.owner != str(interaction.user.id):
            await self._refuse(interaction, "discord.not_yours")
            return None
        return parsed.kind, parsed.rest

    async def _on_component(self, interaction: discord.Interaction) -> None:
        owned = await self._owned(interaction)
        if owned is None:
            return
        kind, rest = owned
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        values = [v for v in data.get("values", []) if isinstance(v, str)]
        inbound: Inbound | None = None
        if kind == "open":
            opened = parse_open(rest)
            if opened is None:
                await self._refuse(interaction, "discord.unknown_component")
                return
            step, lang, max_len = opened
            await interaction.response.send_modal(
                build_modal(str(interaction.user.id), step, lang, max_len, self.core.catalog))
            return
        if kind == "btn":
            inbound = self._inbound(interaction, "choice", choice=rest)
        elif kind == "sel" and len(values) == 1:
            inbound = self._inbound(interaction, "choice", choice=values[0])
        elif kind == "multi" and values:
            inbound = self._inbound(interaction, "choice", values=tuple(dict.fromkeys(values)))
        if inbound is None:
            await self._refuse(interaction, "discord.unknown_component")
            return
        await self._defer(interaction, thinking=False)
        replies = await self.core.handle(inbound)
        await self._settle_pressed(interaction, replies)
        await self._reply(interaction, [m for m in replies if m.kind not in ("settled", "redraw")],
                          must_reply=False)

    async def _settle_pressed(self, interaction: discord.Interaction, replies: list[Outbound]) -> None:
        """The pressed message shows the answer chosen (or its new ticks); otherwise it just loses its buttons."""
        settled = next((m for m in replies if m.kind == "settled"), None)
        redraw = next((m for m in replies if m.kind == "redraw"), None)
        message = interaction.message
        with contextlib.suppress(discord.HTTPException):
            if redraw is not None:
                await interaction.edit_original_response(view=build_view(redraw, str(interaction.user.id),
                                                                         self.core.catalog))
            elif settled is not None and message is not None and message.content:
                text = f"{message.content}\n\n{settled.text}"
                await interaction.edit_original_response(content=text if len(text) < 2000 else None, view=None)
            else:
                await interaction.edit_original_response(view=None)

    async def _on_modal(self, interaction: discord.Interaction) -> None:
        owned = await self._owned(interaction)
        if owned is None:
            return
        kind, step = owned
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        text = modal_values(data.get("components") or []).get("answer")
        if kind != "modal" or text is None:
            await self._refuse(interaction, "discord.unknown_component")
            return
        from_message = interaction.message is not None
        await self._defer(interaction, thinking=not from_message)
        # The form names its question: the core refuses it if that question has passed.
        replies = await self.core.handle(self._inbound(interaction, "text", text=text,
                                                       step="" if step == NO_STEP else step))
        if from_message:
            with contextlib.suppress(discord.HTTPException):
                await interaction.edit_original_response(view=None)
        await self._reply(interaction, replies, after_form=True, must_reply=not from_message)

    async def on_message(self, message: discord.Message) -> None:
        """Plain messages in DMs (no privileged intent needed there); server messages are not read."""
        if message.author.bot or message.guild is not None or message.author == self.client.user:
            return
        with self._tracked() as live:
            if live:
                await self._on_dm(message)

    async def _on_dm(self, message: discord.Message) -> None:
        user = self._user(message.author)
        content = message.content or ""
        if content.strip():
            cmd = parse_command(content)
            inbound = (Inbound(user, "command", command=core_command(cmd[0], self.core.catalog), args=cmd[1])
                       if cmd is not None else Inbound(user, "text", text=content))
        else:
            other = "attachment" if message.attachments else "sticker" if message.stickers else "other"
            inbound = Inbound(user, "other", other=other)
        replies = await self.core.handle(inbound)
        try:
            await self._deliver(str(message.author.id), replies, message.channel.send, ephemeral=None)
        except discord.HTTPException:
            log.exception("replying to a Discord DM failed")

    # -- outbound ----------------------------------------------------------------
    async def _defer(self, interaction: discord.Interaction, *, thinking: bool) -> None:
        """Acknowledge at once (Discord allows 3 seconds); replies follow as followup messages."""
        if not interaction.response.is_done():
            await interaction.response.defer(thinking=thinking, ephemeral=interaction.guild_id is not None)

    async def _reply(self, interaction: discord.Interaction, replies: list[Outbound], *,
                     after_form: bool = False, must_reply: bool = True) -> None:
        """Send the core's replies as followups: ephemeral in a server, plain in DMs."""
        ephemeral = interaction.guild_id is not None
        uid = str(interaction.user.id)
        back = next((i for i, r in enumerate(replies) if r.key == "reach.back"), None)
        if back is not None and ephemeral:
            # Nudges failed because DMs were closed: say how to open them (the core says the rest).
            lang = replies[back].lang
            note = Outbound(self.core.catalog.t(lang, "discord.dm_closed"), key="discord.dm_closed", lang=lang)
            replies = [*replies[:back + 1], note, *replies[back + 1:]]
        if not replies and must_reply:
            lang = lang_of(interaction.locale)
            replies = [Outbound(self.core.catalog.t(lang, "discord.done"), key="discord.done", lang=lang)]
        try:
            await self._deliver(uid, replies, interaction.followup.send, ephemeral=ephemeral, after_form=after_form)
        except discord.HTTPException:
            log.exception("sending Discord followups failed")

    async def _deliver(self, uid: str, replies: list[Outbound], send: SendFn, *, ephemeral: bool | None,
                       after_form: bool = False) -> None:
        """Each reply split under 2000 characters; its components and file go with its last part."""
        for msg in replies:
            parts = split_text(localize_commands(msg.text, msg.lang, self.core.catalog)) or [""]
            view = build_view(msg, uid, self.core.catalog, after_form=after_form)
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                kwargs: dict[str, Any] = {}
                if ephemeral is not None:
                    kwargs["ephemeral"] = ephemeral
                if last and view is not None:
                    kwargs["view"] = view
                if last and msg.file is not None:
                    kwargs["file"] = discord.File(io.BytesIO(msg.file.data), filename=msg.file.name)
                if not part and len(kwargs) <= 1:
                    continue
                await send(content=part or None, **kwargs)

    async def send(self, user_id: str, messages: list[Outbound]) -> None:
        """Deliver nudges by DM; closed DMs or an unknown user mark the user unreachable."""
        try:
            if not user_id.isdigit():
                raise UserUnreachable(f"not a Discord user id: {user_id!r}")
            channel = await self.client.create_dm(discord.Object(id=int(user_id)))
            await self._deliver(user_id, messages, channel.send, ephemeral=None)
        except (discord.Forbidden, discord.NotFound) as exc:
            log.info("Discord user unreachable (code %s): nudges paused", exc.code)
            await self.core.unreachable(PLATFORM, user_id)
            raise UserUnreachable(f"discord error {exc.code}") from exc
        except UserUnreachable:
            await self.core.unreachable(PLATFORM, user_id)
            raise
        except discord.RateLimited as exc:
            log.warning("Discord rate limit on a DM: retry in %.1fs", exc.retry_after)
            raise RetryLater(exc.retry_after, "rate limited") from exc
        except (discord.DiscordServerError, aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            log.warning("Discord DM failed for now: %s", type(exc).__name__)
            raise RetryLater(30.0, type(exc).__name__) from exc
