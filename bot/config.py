"""Settings from the environment and the command line; secrets never printed.

Each channel reads its own section of the configuration (`Config.channels`: channel name -> that channel's settings,
a dataclass of its own, bot/channels.py); the rest are the engine's BRANDCOACH_* settings.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any

from bot import channels as registry
from bot.channels import ConfigError
from bot.storage import DEFAULT_DB

__all__ = ["Config", "ConfigError", "from_env"]  # ConfigError: defined beside the channels that raise it too


@dataclass(frozen=True, init=False)
class Config:
    """The process's settings. A channel's setting reads as `config.<channel>_<setting>` too (the name its
    environment variable suggests, e.g. the token of the channel "example" as `config.example_token`), and
    `Config(<channel>_<setting>=...)` sets one (tests); `channels` holds every registered channel's section."""

    db_path: str = DEFAULT_DB
    channels: Mapping[str, Any] = field(default_factory=dict, hash=False)  # channel name -> its settings
    admins: frozenset[str] = frozenset()
    grace_hours: float = 6.0
    start_attempts: int = 5         # connect tries per platform at start (network errors, 5xx)
    start_backoff: float = 2.0      # seconds before the second try, doubling
    nudge_tick: float = 30.0        # seconds between nudge ticks
    nudge_batch: int = 100          # due nudges a tick takes at a time
    nudge_reserve: int = 60         # seconds a worker's taken batch stays its own (PostgreSQL, several workers)
    virtual_pacing: bool = False    # BRANDCOACH_PACING=virtual: limits counted on virtual time (tests on a fake API)
    metrics_port: int | None = None  # BRANDCOACH_METRICS_PORT: /healthz, /readyz, /metrics (bot/health.py); off if unset
    metrics_host: str = "127.0.0.1"  # BRANDCOACH_METRICS_HOST: where they listen (0.0.0.0 for probes from outside)

    def __init__(self, **values: Any) -> None:
        """The fields by name (unnamed ones keep their defaults); `<channel>_<setting>=value` replaces one setting
        of that channel's section; every registered channel gets a section (its defaults unless given)."""
        own = {f.name: f for f in fields(Config)}
        sections = {c.name: c.settings() for c in registry.all_channels()}
        sections.update(values.pop("channels", None) or {})
        changes: dict[str, dict[str, Any]] = {}
        for name in [n for n in values if n not in own]:
            channel, _, setting = name.partition("_")
            if channel not in sections or setting not in {f.name for f in fields(sections[channel])}:
                raise TypeError(f"Config() got an unexpected keyword argument {name!r}")
            changes.setdefault(channel, {})[setting] = values.pop(name)
        for channel, settings in changes.items():
            sections[channel] = replace(sections[channel], **settings)
        object.__setattr__(self, "channels", sections)
        for name, f in own.items():
            if name == "channels":
                continue
            if name in values:
                value = values[name]
            elif f.default is not MISSING:
                value = f.default
            else:
                value = f.default_factory()  # type: ignore[operator,misc]  # no default: a factory
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        """`<channel>_<setting>`: that setting of the channel's section (only names no field has come here)."""
        channel, _, setting = name.partition("_")
        section = self.__dict__.get("channels", {}).get(channel)
        if section is None or setting not in {f.name for f in fields(section)}:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(section, setting)

    def section(self, channel: registry.Channel) -> Any:
        """A channel's settings (its defaults if this configuration has none for it)."""
        return self.channels.get(channel.name) or channel.settings()

    def serves(self, channel: registry.Channel) -> bool:
        """Whether the settings ask to serve this channel (its token is set)."""
        return not channel.local and channel.enabled(self.section(channel))

    @property
    def paid_broadcast(self) -> bool:
        """Whether a channel's settings pay for its faster tier of unprompted sends (its paid limits)."""
        return any(c.paid_limit is not None and c.paid(self.section(c)) for c in registry.platforms())

    @property
    def has_platform(self) -> bool:
        return any(self.serves(c) for c in registry.platforms())

    @property
    def secrets(self) -> list[str]:
        """Every secret value set, for the redaction of output."""
        return [value for c in registry.all_channels() for name in c.secrets
                if (value := getattr(self.section(c), name, None))]


def from_env(env: Mapping[str, str] | None = None, db_path: str | None = None) -> Config:
    """Read BRANDCOACH_* variables and each channel's own (bot/adapters/registry.py); the command line's --db wins
    over BRANDCOACH_DB."""
    env = dict(os.environ if env is None else env)
    return Config(
        db_path=db_path or env.get("BRANDCOACH_DB") or DEFAULT_DB,
        channels={c.name: c.settings.from_env(env) for c in registry.all_channels()},
        admins=frozenset(a.strip() for a in env.get("BRANDCOACH_ADMINS", "").split(",") if a.strip()),
        grace_hours=float(env.get("BRANDCOACH_GRACE_HOURS") or 6.0),
        start_attempts=max(1, int(env.get("BRANDCOACH_START_ATTEMPTS") or 5)),
        start_backoff=max(0.0, float(env.get("BRANDCOACH_START_BACKOFF") or 2.0)),
        nudge_tick=max(0.1, float(env.get("BRANDCOACH_NUDGE_TICK") or 30.0)),
        nudge_batch=max(1, int(env.get("BRANDCOACH_NUDGE_BATCH") or 100)),
        nudge_reserve=max(1, int(env.get("BRANDCOACH_NUDGE_RESERVE") or 60)),
        virtual_pacing=env.get("BRANDCOACH_PACING", "").strip() == "virtual",
        metrics_port=_port("BRANDCOACH_METRICS_PORT", env.get("BRANDCOACH_METRICS_PORT", "")),
        metrics_host=env.get("BRANDCOACH_METRICS_HOST", "").strip() or "127.0.0.1",
    )


def _port(name: str, raw: str) -> int | None:
    """A TCP port setting: empty is off; anything but 1-65535 is an error, never a silent default."""
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"{name} must be a port number (1-65535), got {raw[:20]!r}")
    return int(raw)
