"""What the engine knows about a channel (a chat platform, or the terminal chat), without naming any.

Every channel is described by one `Channel` in the channels' registry (bot/adapters/registry.py, which says how to
add one). The engine reads that registry here, importing it by name the first time it is asked: the engine's own
modules never import a channel (the architecture tests hold them to it), and a channel's library is loaded only
when its adapter is built. What the engine asks of a channel:

- its configuration section (`settings`: a frozen dataclass of the channel's own) read from the environment
  variables it lists; which of its fields are secrets, and the shapes of its secrets (redacted from every output);
- whether the configuration asks to serve it (`enabled`), and how to build its adapter (`build`, lazily);
- the limits its platform puts on sending (bot/ratelimit.py) and which of its chats are group chats;
- what an error of its adapter's connect() means (a rejected token, or a network error worth retrying), and the one
  line a healthy start prints; whether only one worker may hold its connection (several workers on PostgreSQL);
- its own migrations folder, if it owns tables; the words users call it by in chat (they carry no language).
"""
from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

REGISTRY = "bot.adapters.registry"  # the module holding CHANNELS: imported by name, never by an engine module
Verdict = Literal["rejected", "retry"]


class ConfigError(ValueError):
    """A setting that cannot be right (said in one line, the process exits 2). Also bot.config.ConfigError."""


@dataclass(frozen=True)
class Limit:
    """How fast a platform lets a bot send (bot/ratelimit.py keeps them).

    The windows carry a small margin so that jitter between here and the platform never shows one message too many.
    """

    per_window: int             # messages allowed in any window, both lanes together
    window: float               # seconds
    chat_burst: int = 0         # messages to one chat in any chat_window (0: no per-chat rule)
    chat_window: float = 0.0
    group_per_window: int = 0   # messages to one group chat in any group_window (0: no group rule)
    group_window: float = 60.0
    reserve: int = 0            # slots of every window that nudges leave to replies
    reply_per_window: int = 0   # replies alone (0: per_window); paid broadcast pays for nudges only
    # The first message answering each message of the user's skips chat_burst (bot/ratelimit.py answering()):
    # where the platform's per-chat rule is advice with bursts tolerated, not where it refuses (a pair rate).
    answers_at_users_pace: bool = False


@dataclass(frozen=True)
class NoSettings:
    """The settings of a channel that reads no environment variable (the terminal chat)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NoSettings:
        return cls()


def _never(settings: Any) -> bool:
    return False


def _no_group(chat: str) -> bool:
    return False


def _unknown(exc: BaseException) -> tuple[Verdict, str] | None:
    return None


def _serving(adapter: Any) -> str:
    return f"serving {getattr(adapter, 'platform', 'a channel')}"


@dataclass(frozen=True)
class Channel:
    """One channel as the engine sees it. Only `name`, `title` and `build` are required."""

    name: str                       # its `platform` everywhere: users, inbox rows, limits, catalog keys ("<name>.*")
    title: str                      # how the operator reads its name ("the token was rejected by <title>")
    build: Callable[..., Any]       # (core, config, **options) -> its adapter; imports the adapter's module then
    settings: Any = NoSettings      # its section of the configuration: a frozen dataclass (every field defaulted)
    #                                 with a classmethod from_env(env) -> settings (raise ConfigError)
    variables: tuple[str, ...] = ()  # the environment variables from_env reads (the README documents each)
    token: str = ""                 # the variable that turns it on; said when it is missing or rejected
    secrets: tuple[str, ...] = ()   # fields of `settings` that hold secrets: masked in every output
    shapes: tuple[str, ...] = ()    # regexes of its secrets' shape, masked even when not this process's own
    enabled: Callable[[Any], bool] = _never  # whether these settings ask to serve it (`brandcoach run`)
    limit: Limit | None = None      # its platform's sending limits (None: not paced)
    paid_limit: Limit | None = None  # the limits when its settings pay for faster unprompted sends
    paid: Callable[[Any], bool] = _never  # whether these settings pay for them
    is_group: Callable[[str], bool] = _no_group  # whether a chat id is a group chat (held to group_per_window)
    classify: Callable[[BaseException], tuple[Verdict, str] | None] = _unknown  # a connect() error: rejected
    #                                 credentials (exit 2) or worth retrying, with what to say; None: unknown
    describe: Callable[[Any], str] = _serving  # the line a healthy start prints (no secrets: public names only)
    leader_only: bool = False       # one worker holds its connection (an elected leader, several workers)
    migrations: str = ""            # "package/folder" of the migrations it owns (numbered with everyone's)
    sync: Callable[[Any, Any, str | None], Awaitable[int]] | None = None  # `brandcoach sync-commands`: (core,
    #                                 config, scope: --guild) -> exit status; it prints what it did
    words: tuple[str, ...] = ()     # what users call it in chat (language detection treats them as no language)
    local: bool = False             # the terminal chat: started by `brandcoach chat` / --console, never by a token


@functools.cache
def all_channels() -> tuple[Channel, ...]:
    """Every registered channel, in the registry's order (imported by name the first time)."""
    channels = tuple(importlib.import_module(REGISTRY).CHANNELS)
    if len({c.name for c in channels}) != len(channels):
        raise ValueError("two channels share a name in " + REGISTRY)
    return channels


def forget() -> None:
    """Read the registry again at the next question (tests that register a channel of their own)."""
    for cached in (all_channels, _by_name, secret_shapes, chat_words):
        cached.cache_clear()


@functools.cache
def _by_name() -> dict[str, Channel]:
    return {c.name: c for c in all_channels()}


def get(name: str) -> Channel | None:
    """The channel called `name` (a `platform` value), if registered."""
    return _by_name().get(name)


def platforms() -> tuple[Channel, ...]:
    """The channels a token turns on (every one but the terminal chat)."""
    return tuple(c for c in all_channels() if not c.local)


def local() -> Channel:
    """The terminal chat."""
    return next(c for c in all_channels() if c.local)


def settings_fields(channel: Channel) -> tuple[str, ...]:
    """The names of a channel's settings."""
    return tuple(f.name for f in fields(channel.settings))


@functools.cache
def secret_shapes() -> tuple[re.Pattern[str], ...]:
    """Every channel's secret shapes, compiled."""
    return tuple(re.compile(shape) for c in all_channels() for shape in c.shapes)


@functools.cache
def chat_words() -> frozenset[str]:
    """What users call the channels (and other chat apps: the registry's OTHER_APPS) in chat, lower case."""
    module = importlib.import_module(REGISTRY)
    return frozenset(w.lower() for c in all_channels() for w in c.words) | frozenset(getattr(module, "OTHER_APPS", ()))


def is_group(platform: str, chat: str) -> bool:
    """Whether `chat` is a group chat of `platform` (its channel says; unknown platforms have none)."""
    channel = get(platform)
    return channel is not None and channel.is_group(chat)
