"""Settings from the environment and the command line; secrets never printed."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from bot.storage import DEFAULT_DB


@dataclass(frozen=True)
class Config:
    db_path: str = DEFAULT_DB
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    telegram_paid_broadcast: bool = False   # nudges use allow_paid_broadcast (up to 1,000 msg/s, paid in Stars)
    discord_token: str | None = field(default=None, repr=False)
    discord_guild_id: int | None = None
    admins: frozenset[str] = frozenset()
    grace_hours: float = 6.0
    start_attempts: int = 5         # connect tries per platform at start (network errors, 5xx)
    start_backoff: float = 2.0      # seconds before the second try, doubling
    nudge_tick: float = 30.0        # seconds between nudge ticks
    nudge_batch: int = 100          # due nudges a tick takes at a time
    nudge_reserve: int = 60         # seconds a worker's taken batch stays its own (PostgreSQL, several workers)
    virtual_pacing: bool = False    # BRANDCOACH_PACING=virtual: limits counted on virtual time (tests on a fake API)

    @property
    def has_platform(self) -> bool:
        return bool(self.telegram_token or self.discord_token)

    @property
    def secrets(self) -> list[str]:
        """Every secret value set, for the redaction of output."""
        return [s for s in (self.telegram_token, self.discord_token, self.telegram_webhook_secret) if s]


class ConfigError(ValueError):
    """A setting that cannot be right (said in one line, the process exits 2)."""


def guild_id(raw: str) -> int | None:
    """DISCORD_GUILD_ID: a Discord server id (digits) or empty; anything else is an error, never a silent global."""
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or not 15 <= len(raw) <= 21:
        raise ConfigError(f"DISCORD_GUILD_ID must be a Discord server id (15-21 digits), got {raw[:30]!r}")
    return int(raw)


def from_env(env: dict[str, str] | None = None, db_path: str | None = None) -> Config:
    """Read BRANDCOACH_*, TELEGRAM_* and DISCORD_* variables (command-line --db wins over BRANDCOACH_DB)."""
    env = dict(os.environ if env is None else env)
    return Config(
        db_path=db_path or env.get("BRANDCOACH_DB") or DEFAULT_DB,
        telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
        telegram_api_url=env.get("TELEGRAM_API_URL") or None,
        telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
        telegram_webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT") or 8443),
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
        telegram_paid_broadcast=env.get("TELEGRAM_PAID_BROADCAST", "").strip() == "1",
        discord_token=env.get("DISCORD_BOT_TOKEN") or None,
        discord_guild_id=guild_id(env.get("DISCORD_GUILD_ID", "")),
        admins=frozenset(a.strip() for a in env.get("BRANDCOACH_ADMINS", "").split(",") if a.strip()),
        grace_hours=float(env.get("BRANDCOACH_GRACE_HOURS") or 6.0),
        start_attempts=max(1, int(env.get("BRANDCOACH_START_ATTEMPTS") or 5)),
        start_backoff=max(0.0, float(env.get("BRANDCOACH_START_BACKOFF") or 2.0)),
        nudge_tick=max(0.1, float(env.get("BRANDCOACH_NUDGE_TICK") or 30.0)),
        nudge_batch=max(1, int(env.get("BRANDCOACH_NUDGE_BATCH") or 100)),
        nudge_reserve=max(1, int(env.get("BRANDCOACH_NUDGE_RESERVE") or 60)),
        virtual_pacing=env.get("BRANDCOACH_PACING", "").strip() == "virtual",
    )
