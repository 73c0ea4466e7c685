"""WhatsApp as the engine sees it (bot/channels.py): its settings, limits, start-up errors and start line.

Kept apart from the adapter so that reading the configuration never loads pywa or aiohttp's server.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.whatsapp import content  # noqa: F401  registers the check of content/whatsapp.toml
from bot.channels import ConfigError, Limit, Verdict

PLATFORM = "whatsapp"
# Meta (Cloud API throughput and pair rate limits): 80 messages a second per business phone number by default; to
# one user about one message every 6 seconds (error 131056 past it; a short burst is taken and borrows from the
# seconds after it): 3 in any 18.5 s lets a plan's text, PDF and card go at once and keeps the average.
LIMIT = Limit(80, 1.02, chat_burst=3, chat_window=18.5, reserve=10)
# System user access tokens: "EAA" and a long run of letters and digits.
TOKEN_SHAPE = r"\bEAA[A-Za-z0-9]{30,}"
# A user's WhatsApp id is their phone number (E.164 digits): masked in every output like a secret, wherever it comes
# from (PostgreSQL's errors quote the row they refuse). 11-15 digits: a country code and a number; our own log
# lines' update ids (19 digits), epoch seconds (10) and counts stay readable.
NUMBER_SHAPE = r"(?<![\w+-])(?<!\d\.)\+?\d{11,15}(?!\w|\.\d)"
POLICIES = ("hold", "template")


def pairs(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    """`a=b,c=d` (WHATSAPP_TEMPLATES, WHATSAPP_TEMPLATE_LANGUAGES) as pairs; a part without `=` is an error."""
    out = []
    for part in raw.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"{name} takes name=value pairs separated by commas, got {part.strip()[:40]!r}")
        out.append((key.strip(), value.strip()))
    return tuple(out)


def outside_window(raw: str) -> str:
    """WHATSAPP_OUTSIDE_WINDOW: what a nudge does when the user last wrote more than 24 hours ago."""
    value = raw.strip().lower() or "hold"
    if value not in POLICIES:
        raise ConfigError(f"WHATSAPP_OUTSIDE_WINDOW must be 'template' or 'hold', got {raw.strip()[:20]!r}")
    return value


def port(raw: str) -> int:
    value = raw.strip() or "8444"
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"WHATSAPP_WEBHOOK_PORT must be a port number, got {value[:10]!r}")
    return int(value)


@dataclass(frozen=True)
class WhatsAppSettings:
    token: str | None = field(default=None, repr=False)         # WHATSAPP_TOKEN (a system user's access token)
    phone_id: str | None = None                                 # WHATSAPP_PHONE_ID (the business number's id)
    app_secret: str | None = field(default=None, repr=False)    # WHATSAPP_APP_SECRET (signs the webhook's POSTs)
    verify_token: str | None = field(default=None, repr=False)  # WHATSAPP_VERIFY_TOKEN (the webhook's handshake)
    webhook_port: int = 8444                                    # WHATSAPP_WEBHOOK_PORT
    api_url: str | None = None                                  # WHATSAPP_API_URL (another Graph API base URL)
    outside_window: str = "hold"                                # WHATSAPP_OUTSIDE_WINDOW: template | hold
    templates: tuple[tuple[str, str], ...] = ()                 # WHATSAPP_TEMPLATES: slot=approved name,...
    template_languages: tuple[tuple[str, str], ...] = ()        # WHATSAPP_TEMPLATE_LANGUAGES: id=id,en=en_US

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WhatsAppSettings:
        """The WHATSAPP_* variables; the token without the other three it needs is an error (said in one line)."""
        settings = cls._read(env)
        if settings.token and settings.missing():
            raise ConfigError(f"WHATSAPP_TOKEN is set but {', '.join(settings.missing())} is not: WhatsApp needs "
                              "the phone number's id, the app secret and the webhook's verify token too")
        return settings

    @classmethod
    def _read(cls, env: Mapping[str, str]) -> WhatsAppSettings:
        return cls(token=env.get("WHATSAPP_TOKEN") or None,
                   phone_id=(env.get("WHATSAPP_PHONE_ID") or "").strip() or None,
                   app_secret=env.get("WHATSAPP_APP_SECRET") or None,
                   verify_token=env.get("WHATSAPP_VERIFY_TOKEN") or None,
                   webhook_port=port(env.get("WHATSAPP_WEBHOOK_PORT", "")),
                   api_url=env.get("WHATSAPP_API_URL") or None,
                   outside_window=outside_window(env.get("WHATSAPP_OUTSIDE_WINDOW", "")),
                   templates=pairs("WHATSAPP_TEMPLATES", env.get("WHATSAPP_TEMPLATES", "")),
                   template_languages=pairs("WHATSAPP_TEMPLATE_LANGUAGES",
                                            env.get("WHATSAPP_TEMPLATE_LANGUAGES", "")))

    def missing(self) -> list[str]:
        """The variables a served WhatsApp needs and lacks (the token alone turns it on)."""
        return [name for name, value in (("WHATSAPP_TOKEN", self.token), ("WHATSAPP_PHONE_ID", self.phone_id),
                                         ("WHATSAPP_APP_SECRET", self.app_secret),
                                         ("WHATSAPP_VERIFY_TOKEN", self.verify_token)) if not value]


VARIABLES = ("WHATSAPP_TOKEN", "WHATSAPP_PHONE_ID", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN",
             "WHATSAPP_WEBHOOK_PORT", "WHATSAPP_API_URL", "WHATSAPP_OUTSIDE_WINDOW", "WHATSAPP_TEMPLATES",
             "WHATSAPP_TEMPLATE_LANGUAGES")


def enabled(settings: WhatsAppSettings) -> bool:
    return bool(settings.token)


def classify(exc: BaseException) -> tuple[Verdict, str] | None:
    """A connect() error: a missing setting (nothing to retry), or the webhook's port taken (retrying may help)."""
    if isinstance(exc, ValueError) and "WHATSAPP_" in str(exc):
        return "rejected", ""
    if isinstance(exc, OSError):
        return "retry", f"could not open the webhook port ({type(exc).__name__})"
    return None


def describe(adapter: Any) -> str:
    return f"serving WhatsApp (webhook on port {adapter.webhook_port})"


def build(core: Any, config: Any) -> Any:
    from bot.adapters.whatsapp.adapter import WhatsAppAdapter

    return WhatsAppAdapter(core, config)
