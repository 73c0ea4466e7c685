"""Direct messages on Discord: a typed DM as the core's inbound, and unprompted messages (nudges) by DM."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.adapters.base import DeliveryUnknown, RetryLater, UserUnreachable
from bot.adapters.discord_commands import core_command
from bot.adapters.discord_reply import compose, paced
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


def after_send(exc: BaseException, delivered: int) -> Exception | None:
    """What a failed DM send means for the caller: RetryLater only when nothing reached Discord (a rate limit or a
    5xx answered before anything went out, no connection at all); DeliveryUnknown when the request may have been
    processed (a timeout or a connection dropped after it went out) or an earlier post of it already arrived."""
    if isinstance(exc, (discord.RateLimited, discord.DiscordServerError, aiohttp.ClientConnectorError)):
        if delivered:
            return DeliveryUnknown(f"discord: {delivered} post(s) delivered, then {type(exc).__name__}")
        after = exc.retry_after if isinstance(exc, discord.RateLimited) else 30.0
        return RetryLater(after, type(exc).__name__)
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ClientError, OSError)):
        return DeliveryUnknown(f"discord send may have arrived: {type(exc).__name__}")
    return None


async def send_dm(client: discord.Client, core: Core, platform: str, user_id: str, messages: list[Outbound],
                  skip: int = 0) -> None:
    """Deliver messages by DM (from post `skip` on), each post paced by the core's limiter; closed DMs or an unknown
    user mark the user unreachable. Raises RetryLater (provably not delivered) or DeliveryUnknown (maybe delivered, or
    a post of it already arrived: never re-sent)."""
    delivered = 0
    try:
        if not user_id.isdigit():
            raise UserUnreachable(f"not a Discord user id: {user_id!r}")
        try:
            channel = await client.create_dm(discord.Object(id=int(user_id)))
        except (discord.DiscordServerError, aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise RetryLater(30.0, f"opening the DM: {type(exc).__name__}") from exc  # nothing was sent yet
        send = paced(core.limiter, user_id, channel.send)  # keyed as the dispatcher keys it
        for post in compose(messages, user_id, core.catalog)[skip:]:
            await send(**post.kwargs())
            delivered += 1
    except (discord.Forbidden, discord.NotFound) as exc:
        log.info("Discord user unreachable (code %s): nudges paused", exc.code)
        await core.unreachable(platform, user_id)
        raise UserUnreachable(f"discord error {exc.code}") from exc
    except UserUnreachable:
        await core.unreachable(platform, user_id)
        raise
    except (discord.RateLimited, discord.DiscordServerError, aiohttp.ClientError, asyncio.TimeoutError,
            OSError) as exc:
        meaning = after_send(exc, delivered)
        assert meaning is not None
        log.warning("Discord DM failed (%s): %s", type(exc).__name__, type(meaning).__name__)
        raise meaning from exc
