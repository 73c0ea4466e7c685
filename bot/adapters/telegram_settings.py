"""Telegram as the engine sees it (bot/channels.py): its settings, limits, start-up errors and start line.

Kept apart from bot/adapters/telegram.py so that reading the configuration never loads python-telegram-bot.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bot.channels import Limit, Verdict

PLATFORM = "telegram"
# Bots FAQ: about 30 messages a second overall; in one chat "avoid more than one message per second" with short
# bursts tolerated; at most 20 messages a minute in one group. python-telegram-bot's AIORateLimiter paces only the
# overall rate and groups (not private chats) and halts every request after a 429; here a private chat gets a small
# burst of new messages (3 in any ~3 s: a long answer in parts goes out at once) and 1/s on average, except the first
# message answering each message of the user's, which goes at the user's pace (bot/ratelimit.py answering(): the
# per-user throttle bounds it) until Telegram refuses the chat once; edits (a tap's answer shown on the tapped
# message) count toward the overall and group limits only. The windows carry a margin.
LIMIT = Limit(30, 1.02, chat_burst=3, chat_window=3.15, group_per_window=20, group_window=61.0, reserve=5,
              answers_at_users_pace=True)
# Paid broadcast (TELEGRAM_PAID_BROADCAST=1): nudges up to 1,000/s, paid in Stars; replies are not paid (30/s).
PAID_LIMIT = replace(LIMIT, per_window=1000, reserve=30, reply_per_window=30)
# Bot tokens: 123456789:AA... (the bot's id, a colon, 35 characters).
TOKEN_SHAPE = r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}"


@dataclass(frozen=True)
class TelegramSettings:
    token: str | None = field(default=None, repr=False)           # TELEGRAM_BOT_TOKEN
    api_url: str | None = None                                    # TELEGRAM_API_URL (another Bot API server)
    webhook_url: str | None = None                                # TELEGRAM_WEBHOOK_URL (else long polling)
    webhook_port: int = 8443                                      # TELEGRAM_WEBHOOK_PORT
    webhook_secret: str | None = field(default=None, repr=False)  # TELEGRAM_WEBHOOK_SECRET
    paid_broadcast: bool = False  # TELEGRAM_PAID_BROADCAST=1: nudges use allow_paid_broadcast (up to 1,000 msg/s)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TelegramSettings:
        return cls(token=env.get("TELEGRAM_BOT_TOKEN") or None,
                   api_url=env.get("TELEGRAM_API_URL") or None,
                   webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
                   webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT") or 8443),
                   webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
                   paid_broadcast=env.get("TELEGRAM_PAID_BROADCAST", "").strip() == "1")


VARIABLES = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_PORT",
             "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_PAID_BROADCAST")


def enabled(settings: TelegramSettings) -> bool:
    return bool(settings.token)


def paid(settings: TelegramSettings) -> bool:
    return settings.paid_broadcast


def is_group(chat: str) -> bool:
    """Group and supergroup chat ids are negative; private chats (user ids) are positive."""
    return chat.startswith("-")


def classify(exc: BaseException) -> tuple[Verdict, str] | None:
    """A connect() error: the token refused, or the network / Telegram's servers (timeouts and 5xx too)."""
    try:
        from telegram.error import InvalidToken, NetworkError
    except ImportError:
        return None
    if isinstance(exc, InvalidToken):
        return "rejected", ""
    if isinstance(exc, NetworkError):
        return "retry", f"could not be reached ({type(exc).__name__})"
    return None


def describe(adapter: Any) -> str:
    mode = "webhook" if adapter.config.channels[PLATFORM].webhook_url else "long polling"
    return f"serving Telegram as @{adapter.username} ({mode})"


def build(core: Any, config: Any) -> Any:
    from bot.adapters.telegram import TelegramAdapter

    return TelegramAdapter(core, config)
