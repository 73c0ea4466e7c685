"""Discord adapter on discord.py 2: localized slash commands, forms (modals), selects and buttons, DMs."""
from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.adapters.discord_commands import (CatalogTranslator, Client, InFlight, answer_tree_error, build_command,
                                           owned, refuse, slash_commands)
from bot.adapters.discord_dm import dm_inbound, send_dm
from bot.adapters.discord_forms import form_for, form_to_open, form_values, preface_of, submitted
from bot.adapters.discord_reply import CAPABILITIES, behind, compose, paced, send_posts, settled_text, show
from bot.adapters.discord_sync import sync, sync_state_path
from bot.adapters.discord_ui import NO_STEP, build_view, lang_of, parse_open
from bot.config import Config
from bot.types import Inbound, Outbound, UserRef

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

PLATFORM = "discord"
SHUTDOWN_WAIT = 10.0  # seconds disconnect() waits for handlers already running
ACK_BUDGET = 2.0      # seconds the core may take before a press is acknowledged (Discord allows 3) without it


def keeps_pressed(replies: list[Outbound]) -> bool:
    """Whether a press leaves its message as it is (only its buttons go): when the core answers it with no next
    question (nothing with buttons or awaiting an answer), no redraw and no settled answer, e.g. a time zone picked
    under the plan ("Zona waktu disetel ..."). That message may hold more than the question (the plan's last part
    shares it with the question asked after the plan), so only a reply that goes on with the conversation takes
    the question's place."""
    return any(m.kind != "refusal" for m in replies) and \
        not any(m.kind in ("question", "redraw", "settled") or m.choices or m.expects for m in replies)


class DiscordAdapter:
    """The coach on Discord; build it around a core, then connect() (login) or prepare() (offline, for tests)."""

    platform = PLATFORM
    capabilities = CAPABILITIES  # what the core renders replies for

    def __init__(self, core: Core, config: Config) -> None:
        self.core = core
        self.config = config
        self.client = Client(self)
        self.tree = app_commands.CommandTree(self.client)
        self.translator = CatalogTranslator(core.catalog)
        self._stack = contextlib.AsyncExitStack()
        self._prepared = False
        self.inflight = InFlight()
        self.ack_budget = ACK_BUDGET
        for name in slash_commands(core):
            self.tree.add_command(build_command(name, core.catalog, lambda i, n, a, t: self._run_command(i, n, a, t),
                                                lambda i, t: self._answer_command(i, t), takes_text=core.takes_text(name)))
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
        """Log in with DISCORD_BOT_TOKEN; sync the slash commands if they changed since the last sync."""
        if not self.config.discord_token:
            raise RuntimeError("DISCORD_BOT_TOKEN is not set")
        await self.prepare()
        await self.client.login(self.config.discord_token)
        try:
            await self.sync_commands(force=False)
        except discord.HTTPException:
            log.exception("syncing the slash commands failed; the old ones stay")

    async def sync_commands(self, *, force: bool = True) -> list[app_commands.AppCommand] | None:
        """Sync to DISCORD_GUILD_ID if set (instant, for development), else globally; None: unchanged, not synced."""
        return await sync(self.tree, self.config.discord_guild_id, sync_state_path(self.core.db_file()), force=force)

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

    async def _run_command(self, interaction: discord.Interaction, name: str, args: tuple[str, ...], text: str) -> None:
        with self.inflight.tracked() as live:
            if live:
                await self._defer(interaction, thinking=True)
                replies = await self.core.handle(self._inbound(interaction, "command", command=name, args=args, text=text))
                await self._show(interaction, replies, in_place=False)

    async def _answer_command(self, interaction: discord.Interaction, text: str | None) -> None:
        """/answer text -> a text answer; /answer alone -> the open question's form (or how to answer)."""
        with self.inflight.tracked() as live:
            if live and text:
                await self._defer(interaction, thinking=True)
                replies = await self.core.handle(self._inbound(interaction, "text", text=text))
                await self._show(interaction, replies, in_place=False)
            elif live:
                await self._open_form(interaction, NO_STEP, 0, from_command=True)

    async def _open_form(self, interaction: discord.Interaction, step: str, max_len: int, *,
                         from_command: bool = False) -> None:
        """The open question's form (all its fields, from the core); a prompt outside the questionnaire: one field."""
        if step == NO_STEP and not from_command:
            await self._send_form(interaction, None, lang_of(interaction.locale), max_len)
            return
        replies = await self._ask(interaction, self._inbound(interaction, "command", command="answer"))
        question = form_to_open(replies) if replies is not None else None
        if question is not None:
            await self._send_form(interaction, question, question.lang, question.max_len)
        elif replies is not None:
            await self._defer(interaction, thinking=from_command)
            await self._show(interaction, replies, in_place=not from_command)

    async def _send_form(self, interaction: discord.Interaction, question: Outbound | None, lang: str,
                         max_len: int, preface: str = "") -> None:
        await interaction.response.send_modal(
            form_for(str(interaction.user.id), question, lang, max_len, self.core.catalog, preface))

    async def _ask(self, interaction: discord.Interaction, inbound: Inbound) -> list[Outbound] | None:
        """The core's replies, or None when it is slow: the interaction is then deferred, replies shown later."""
        task = asyncio.ensure_future(self.core.handle(inbound))
        done, _ = await asyncio.wait({task}, timeout=self.ack_budget)
        if done:
            return task.result()
        await self._defer(interaction, thinking=False)
        await self._show(interaction, await task, in_place=interaction.message is not None)
        return None

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
        opened = parse_open(rest) if kind == "open" else None
        if opened is not None:
            await self._open_form(interaction, opened[0], opened[2])
            return
        picked = {"choice": rest} if kind == "btn" else {"choice": values[0]} if kind == "sel" and len(values) == 1 \
            else {"values": tuple(dict.fromkeys(values))} if kind == "multi" and values else None
        inbound = self._inbound(interaction, "choice", **picked) if picked is not None else None
        if inbound is None:
            await refuse(interaction, self.core.catalog, "discord.unknown_component")
            return
        replies = await self._ask(interaction, inbound)
        question = form_to_open(replies) if replies is not None else None
        if question is not None and replies is not None:  # a free-text question next: its form opens at once
            await self._send_form(interaction, question, question.lang, question.max_len,
                                  preface_of(replies, question))
        elif replies is not None:
            await self._defer(interaction, thinking=False)
            await self._show(interaction, await self._where_now(interaction, replies), in_place=True,
                             keep_pressed=keeps_pressed(replies))

    async def _where_now(self, interaction: discord.Interaction, replies: list[Outbound]) -> list[Outbound]:
        """A press or form refused alone on a message left behind (see discord_reply.behind): the open question too."""
        if interaction.message is None or any(m.kind != "refusal" for m in replies):
            return replies
        now = await self.core.handle(self._inbound(interaction, "command", command="answer"))  # where the user is
        return behind(replies, interaction.message.content, now, str(interaction.user.id), self.core.catalog)

    async def _on_modal(self, interaction: discord.Interaction) -> None:
        mine = await owned(interaction, self.core.catalog, form=True)
        if mine is None:
            return
        kind, step = mine
        answers = form_values(interaction.data)
        if kind != "modal" or not answers:
            await refuse(interaction, self.core.catalog, "discord.unknown_form")
            return
        from_message = interaction.message is not None
        await self._defer(interaction, thinking=not from_message)
        replies = await self.core.handle(self._inbound(interaction, "text", **submitted(step, answers)))
        await self._show(interaction, await self._where_now(interaction, replies), in_place=from_message)

    async def on_message(self, message: discord.Message) -> None:
        """Plain messages in DMs (no privileged intent needed there); server messages are not read."""
        if message.author.bot or message.guild is not None or message.author == self.client.user:
            return
        with self.inflight.tracked() as live:
            if live:
                await self._on_dm(message)

    async def _on_dm(self, message: discord.Message) -> None:
        replies = await self.core.handle(dm_inbound(self._user(message.author), message, self.core))
        try:
            posts = compose(replies, str(message.author.id), self.core.catalog)
            await send_posts(posts, paced(self.core.limiter, message.channel.id, message.channel.send), ephemeral=None)
        except discord.HTTPException:
            log.exception("replying to a Discord DM failed")

    async def _defer(self, interaction: discord.Interaction, *, thinking: bool) -> None:
        """Acknowledge at once (Discord allows 3 seconds); replies follow as followup messages."""
        if not interaction.response.is_done():
            await interaction.response.defer(thinking=thinking, ephemeral=interaction.guild_id is not None)

    async def _show(self, interaction: discord.Interaction, replies: list[Outbound], *, in_place: bool,
                    keep_pressed: bool = False) -> None:
        """The replies in the interaction's message (edited in place), more as followups; a lone notice apart.
        `keep_pressed`: the pressed message keeps its text and loses its buttons; the replies are new messages."""
        ephemeral = interaction.guild_id is not None
        uid = str(interaction.user.id)
        redraw = next((m for m in replies if m.kind == "redraw"), None)
        edit = paced(self.core.limiter, interaction.channel_id, interaction.edit_original_response)
        followup = paced(self.core.limiter, interaction.channel_id, interaction.followup.send)
        try:
            if redraw is not None:
                await edit(view=build_view(redraw, uid, self.core.catalog))
            if in_place and keep_pressed:
                await edit(view=None)
                await send_posts(compose(replies, uid, self.core.catalog), followup, ephemeral=ephemeral)
                return
            if in_place and replies and all(m.kind == "refusal" for m in replies):
                # A stale press or an input refused alone: a notice, the question stays as it is.
                await send_posts(compose(replies, uid, self.core.catalog), followup, ephemeral=ephemeral)
                return
            if not replies and not in_place:
                lang = lang_of(interaction.locale)
                replies = [Outbound(self.core.catalog.t(lang, "discord.done"), key="discord.done", lang=lang)]
            posts = compose(replies, uid, self.core.catalog, lead=settled_text(replies))
            await show(edit, followup, posts, ephemeral=ephemeral)
        except discord.HTTPException:
            log.exception("sending Discord replies failed")

    async def send(self, user_id: str, messages: list[Outbound], skip: int = 0) -> None:
        """Deliver nudges by DM (from post `skip` on); closed DMs or an unknown user mark the user unreachable."""
        await send_dm(self.client, self.core, PLATFORM, user_id, messages, skip)
