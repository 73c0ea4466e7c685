"""The channels' registry: every channel the bot can serve, one `Channel` entry each (bot/channels.py says what
the engine reads from an entry). This is the one place outside a channel's own modules that names platforms; the
engine reads it by name (bot.channels.REGISTRY) and never imports a channel.

How to add a channel (say "example"):
1. Write its package, bot/adapters/example/ (it only translates: platform updates -> bot.types.Inbound handed to the
   core, Outbound -> the platform's messages; see bot/adapters/base.py for the adapter's methods). Give it:
   - a frozen dataclass of its settings, every field defaulted, with `@classmethod from_env(cls, env)` reading its
     EXAMPLE_* variables (raise bot.config.ConfigError for a value that cannot be right). Name the fields without
     the prefix (token, webhook_port...): `config.example_token` then reads `config.channels["example"].token`, and
     `Config(example_token=...)` sets it (tests);
   - if it keeps tables of its own: a `migrations/` folder (NNNN_name.sql, and NNNN_name.pg.sql for PostgreSQL
     where the SQL differs), numbered after the highest one in use anywhere (`brandcoach migrate` prints it), and
     listed in pyproject.toml's [tool.setuptools.package-data];
   - its own sending limits (`Limit`), what its connect() errors mean (`classify`), its start line (`describe`).
2. Add one entry to CHANNELS below: the adapter is imported inside `build`, so that a process that does not serve
   the channel never loads its library. Nothing in bot/ changes.
3. Document its variables in the README; give the catalogs the `example.*` keys its adapter says.
"""
from __future__ import annotations

from typing import Any

from bot.adapters import discord_settings as discord
from bot.adapters import telegram_settings as telegram
from bot.adapters.whatsapp import settings as whatsapp
from bot.channels import Channel


def _console(core: Any, config: Any, **options: Any) -> Any:
    """The terminal chat (options: user_id, locale, ...: bot/adapters/console.py ConsoleAdapter)."""
    from bot.adapters.console import ConsoleAdapter

    return ConsoleAdapter(core, **options)


# Chat apps users mention that are not channels here (yet): words without a language, like a channel's `words`.
OTHER_APPS = ("whatsapp", "wa", "line")

CHANNELS: tuple[Channel, ...] = (
    Channel("console", "the terminal", _console, local=True),
    Channel(telegram.PLATFORM, "Telegram", telegram.build, telegram.TelegramSettings, telegram.VARIABLES,
            token="TELEGRAM_BOT_TOKEN", secrets=("token", "webhook_secret"), shapes=(telegram.TOKEN_SHAPE,),
            enabled=telegram.enabled, limit=telegram.LIMIT, paid_limit=telegram.PAID_LIMIT, paid=telegram.paid,
            is_group=telegram.is_group, classify=telegram.classify, describe=telegram.describe,
            # long polling elects its poller inside the adapter; every worker sends
            migrations="bot.adapters/telegram_migrations", words=("telegram", "tele")),
    Channel(discord.PLATFORM, "Discord", discord.build, discord.DiscordSettings, discord.VARIABLES,
            token="DISCORD_BOT_TOKEN", secrets=("token",), shapes=(discord.TOKEN_SHAPE,), enabled=discord.enabled,
            limit=discord.LIMIT, classify=discord.classify, describe=discord.describe,
            leader_only=True,  # one gateway connection per bot: the elected worker holds it
            sync=discord.sync, words=("discord",)),
    Channel(whatsapp.PLATFORM, "WhatsApp", whatsapp.build, whatsapp.WhatsAppSettings, whatsapp.VARIABLES,
            token="WHATSAPP_TOKEN", secrets=("token", "app_secret", "verify_token"),
            shapes=(whatsapp.TOKEN_SHAPE, whatsapp.NUMBER_SHAPE),
            enabled=whatsapp.enabled, limit=whatsapp.LIMIT, classify=whatsapp.classify, describe=whatsapp.describe,
            migrations="bot.adapters.whatsapp/migrations", words=("whatsapp", "wa")),
)
