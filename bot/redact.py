"""Keeps secrets out of logs: a logging filter that masks tokens in every record."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Telegram bot tokens (123456789:AA...), Discord bot tokens (three dot-separated base64 parts).
TOKEN_SHAPES = (
    re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}"),
    re.compile(r"\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"),
)
MASK = "[secret]"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask the given secrets and anything shaped like a bot token."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    for shape in TOKEN_SHAPES:
        text = shape.sub(MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with secrets masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        record.msg, record.args = redact(message, self.secrets), None
        return True


def install(secrets: Iterable[str] = ()) -> RedactingFilter:
    """Attach the filter to every root handler; quiet the HTTP client loggers that print URLs with tokens."""
    filt = RedactingFilter(secrets)
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(filt)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return filt
