"""Discord as the engine sees it (bot/channels.py): its settings, limits, start-up errors, start line and
`brandcoach sync-commands`. Kept apart from bot/adapters/discord.py so that reading the configuration never loads
discord.py.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.channels import ConfigError, Limit, Verdict

PLATFORM = "discord"
# 50 requests a second globally; its per-route (per-channel) limits are kept by discord.py from the rate-limit headers
# it reads, and it waits out their 429s itself.
LIMIT = Limit(50, 1.02, reserve=10)
# Bot tokens: three dot-separated base64 parts.
TOKEN_SHAPE = r"\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"


def guild_id(raw: str) -> int | None:
    """DISCORD_GUILD_ID: a Discord server id (digits) or empty; anything else is an error, never a silent global."""
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or not 15 <= len(raw) <= 21:
        raise ConfigError(f"DISCORD_GUILD_ID must be a Discord server id (15-21 digits), got {raw[:30]!r}")
    return int(raw)


@dataclass(frozen=True)
class DiscordSettings:
    token: str | None = field(default=None, repr=False)  # DISCORD_BOT_TOKEN
    guild_id: int | None = None  # DISCORD_GUILD_ID: slash commands synced to this server only (development)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DiscordSettings:
        return cls(token=env.get("DISCORD_BOT_TOKEN") or None, guild_id=guild_id(env.get("DISCORD_GUILD_ID", "")))


VARIABLES = ("DISCORD_BOT_TOKEN", "DISCORD_GUILD_ID")


def enabled(settings: DiscordSettings) -> bool:
    return bool(settings.token)


def classify(exc: BaseException) -> tuple[Verdict, str] | None:
    """A connect() error: the token refused, Discord's 5xx, or the network."""
    try:
        import aiohttp
        import discord
    except ImportError:
        return None
    if isinstance(exc, discord.LoginFailure):
        return "rejected", ""
    if isinstance(exc, discord.HTTPException) and exc.status >= 500:
        return "retry", f"answered {exc.status}"
    if isinstance(exc, (aiohttp.ClientError, discord.GatewayNotFound)):
        return "retry", f"could not be reached ({type(exc).__name__})"
    return None


def describe(adapter: Any) -> str:
    return f"serving Discord as {adapter.client.user} (slash commands)"


def build(core: Any, config: Any) -> Any:
    from bot.adapters.discord import DiscordAdapter

    return DiscordAdapter(core, config)


async def sync(core: Any, config: Any, scope: str | None) -> int:
    """`brandcoach sync-commands [--guild ID]`: log in, sync the slash commands (forced), record it; 0, or 2 with
    one line."""
    import dataclasses

    import discord

    from bot import redact

    settings = config.channels[PLATFORM]
    try:
        if scope:
            settings = dataclasses.replace(settings, guild_id=guild_id(scope))
    except ConfigError as exc:
        print(f"brandcoach: {exc}", file=sys.stderr)
        return 2
    config = dataclasses.replace(config, channels={**config.channels, PLATFORM: settings})
    adapter = build(core, config)
    try:
        await adapter.prepare()
        await adapter.client.login(settings.token)
        synced = await adapter.sync_commands(force=True) or []
    except (discord.LoginFailure, discord.HTTPException) as exc:
        print(f"brandcoach sync-commands: {redact.redact(str(exc), config.secrets)}", file=sys.stderr)
        return 2
    finally:
        await adapter.disconnect()
    where = f"to server {settings.guild_id}" if settings.guild_id else "globally"
    print(f"synced {len(synced)} slash commands {where}.")
    return 0
