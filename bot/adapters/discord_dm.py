"""Direct messages on Discord: a typed DM as the core's inbound, and unprompted messages (nudges) by DM."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.adapters.base import RetryLater, UserUnreachable
from bot.adapters.discord_commands import core_command
from bot.adapters.discord_reply import compose, send_posts
from bot.types import Inbound, Outbound, UserRef, command_text, parse_command

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger("bot.adapters.discord")


def dm_inbound(user: UserRef, message: discord.Message, core: Core) -> Inbound:
    """A DM as text, a typed slash command (under its localized name too), or a non-text message."""
    content = message.content or ""
    if content.strip():
        cmd = parse_command(content)
        return (Inbound(user, "command", command=core_command(cmd[0], core.catalog), args=cmd[1],
                        text=command_text(content))
                if cmd is not None else Inbound(user, "text", text=content))
    other = "attachment" if message.attachments else "sticker" if message.stickers else "other"
    return Inbound(user, "other", other=other)


async def send_dm(client: discord.Client, core: Core, platform: str, user_id: str, messages: list[Outbound]) -> None:
    """Deliver messages by DM; closed DMs or an unknown user mark the user unreachable."""
    try:
        if not user_id.isdigit():
            raise UserUnreachable(f"not a Discord user id: {user_id!r}")
        channel = await client.create_dm(discord.Object(id=int(user_id)))
        await send_posts(compose(messages, user_id, core.catalog), channel.send, ephemeral=None)
    except (discord.Forbidden, discord.NotFound) as exc:
        log.info("Discord user unreachable (code %s): nudges paused", exc.code)
        await core.unreachable(platform, user_id)
        raise UserUnreachable(f"discord error {exc.code}") from exc
    except UserUnreachable:
        await core.unreachable(platform, user_id)
        raise
    except discord.RateLimited as exc:
        log.warning("Discord rate limit on a DM: retry in %.1fs", exc.retry_after)
        raise RetryLater(exc.retry_after, "rate limited") from exc
    except (discord.DiscordServerError, aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        log.warning("Discord DM failed for now: %s", type(exc).__name__)
        raise RetryLater(30.0, type(exc).__name__) from exc
