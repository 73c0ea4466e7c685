"""Discord adapter on discord.py 2: localized slash commands, forms (modals), selects and buttons, DMs."""
from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands

from bot.adapters.base import RetryLater, UserUnreachable
from bot.adapters.discord_commands import (CatalogTranslator, Client, InFlight, answer_tree_error, build_command,
                                           core_command, owned, refuse, slash_commands, sync)
from bot.adapters.discord_ui import (NO_STEP, build_modal, deliver, lang_of, modal_values, parse_open,
                                     settle_pressed)
from bot.config import Config
from bot.types import Inbound, Outbound, UserRef, parse_command

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

PLATFORM = "discord"
SHUTDOWN_WAIT = 10.0  # seconds disconnect() waits for handlers already running


class DiscordAdapter:
    """The coach on Discord; build it around a core, then connect() (login) or prepare() (offline, for tests)."""

    platform = PLATFORM

    def __init__(self, core: Core, config: Config) -> None:
        self.core = core
        self.config = config
        self.client = Client(self)
        self.tree = app_commands.CommandTree(self.client)
        self.translator = CatalogTranslator(core.catalog)
        self._stack = contextlib.AsyncExitStack()
        self._prepared = False
        self.inflight = InFlight()
        for name in slash_commands(core):
            self.tree.add_command(build_command(name, core.catalog, lambda i, n, a: self._run_command(i, n, a),
                                                lambda i, t: self._answer_command(i, t)))
        self.tree.on_error = functools.partial(answer_tree_error, catalog=core.catalog)  # type: ignore[method-assign]

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
        return await sync(self.tree, self.config.discord_guild_id)

    async def listen(self) -> None:
        """Run the gateway connection until disconnect()."""
        await self.client.connect(reconnect=True)

    async def disconnect(self) -> None:
        """Let running handlers finish (bounded), then close the gateway and HTTP session (safe to call twice)."""
        await self.inflight.close(SHUTDOWN_WAIT)
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

    async def _run_command(self, interaction: discord.Interaction, name: str, args: tuple[str, ...]) -> None:
        with self.inflight.tracked() as live:
            if live:
                await self._defer(interaction, thinking=True)
                replies = await self.core.handle(self._inbound(interaction, "command", command=name, args=args))
                await self._reply(interaction, replies)

    async def _answer_command(self, interaction: discord.Interaction, text: str | None) -> None:
        """/answer text -> a text answer; /answer alone -> the open question's form (or how to answer)."""
        with self.inflight.tracked() as live:
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
        with self.inflight.tracked() as live:
            try:
                if live and interaction.type == discord.InteractionType.component:
                    await self._on_component(interaction)
                elif live and interaction.type == discord.InteractionType.modal_submit:
                    await self._on_modal(interaction)
            except discord.HTTPException:
                log.exception("answering a Discord interaction failed")

    async def _on_component(self, interaction: discord.Interaction) -> None:
        mine = await owned(interaction, self.core.catalog)
        if mine is None:
            return
        kind, rest = mine
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        values = [v for v in data.get("values", []) if isinstance(v, str)]
        inbound: Inbound | None = None
        if kind == "open":
            opened = parse_open(rest)
            if opened is None:
                await refuse(interaction, self.core.catalog, "discord.unknown_component")
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
            await refuse(interaction, self.core.catalog, "discord.unknown_component")
            return
        await self._defer(interaction, thinking=False)
        replies = await self.core.handle(inbound)
        await settle_pressed(interaction, replies, self.core.catalog)
        await self._reply(interaction, [m for m in replies if m.kind not in ("settled", "redraw")],
                          must_reply=False)

    async def _on_modal(self, interaction: discord.Interaction) -> None:
        mine = await owned(interaction, self.core.catalog)
        if mine is None:
            return
        kind, step = mine
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        text = modal_values(data.get("components") or []).get("answer")
        if kind != "modal" or text is None:
            await refuse(interaction, self.core.catalog, "discord.unknown_component")
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
        with self.inflight.tracked() as live:
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
            await deliver(self.core.catalog, str(message.author.id), replies, message.channel.send, ephemeral=None)
        except discord.HTTPException:
            log.exception("replying to a Discord DM failed")

    async def _defer(self, interaction: discord.Interaction, *, thinking: bool) -> None:
        """Acknowledge at once (Discord allows 3 seconds); replies follow as followup messages."""
        if not interaction.response.is_done():
            await interaction.response.defer(thinking=thinking, ephemeral=interaction.guild_id is not None)

    async def _reply(self, interaction: discord.Interaction, replies: list[Outbound], *,
                     after_form: bool = False, must_reply: bool = True) -> None:
        """Send the core's replies as followups: ephemeral in a server, plain in DMs."""
        ephemeral = interaction.guild_id is not None
        uid = str(interaction.user.id)
        if not replies and must_reply:
            lang = lang_of(interaction.locale)
            replies = [Outbound(self.core.catalog.t(lang, "discord.done"), key="discord.done", lang=lang)]
        try:
            await deliver(self.core.catalog, uid, replies, interaction.followup.send, ephemeral=ephemeral,
                          after_form=after_form)
        except discord.HTTPException:
            log.exception("sending Discord followups failed")

    async def send(self, user_id: str, messages: list[Outbound]) -> None:
        """Deliver nudges by DM; closed DMs or an unknown user mark the user unreachable."""
        try:
            if not user_id.isdigit():
                raise UserUnreachable(f"not a Discord user id: {user_id!r}")
            channel = await self.client.create_dm(discord.Object(id=int(user_id)))
            await deliver(self.core.catalog, user_id, messages, channel.send, ephemeral=None)
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
