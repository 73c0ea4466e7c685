"""Tokens never reach logs, even inside exceptions and URLs."""
from __future__ import annotations

import logging

import pytest

from bot import redact
from bot.config import from_env

TG = "123456789:AAHfakeFAKEfake_fake-FAKEfakeFAKEfak"   # token-shaped, not a real token
DC = "MTAxMjM0NTY3ODkwMTIzNDU2.GaBcDe.abcdefghijklmnopqrstuvwxyz0123"


def test_redact_masks_given_and_token_shaped_secrets() -> None:
    text = f"POST https://api.telegram.org/bot{TG}/getUpdates and {DC} and my-webhook-secret"
    out = redact.redact(text, ["my-webhook-secret"])
    assert TG not in out and DC not in out and "my-webhook-secret" not in out
    assert out.count(redact.MASK) == 3


def test_filter_masks_messages_args_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("brandcoach.test")
    filt = redact.RedactingFilter([TG])
    caplog.handler.addFilter(filt)
    try:
        logger.error("request to %s failed", f"https://x/bot{TG}/sendMessage")
        try:
            raise RuntimeError(f"boom with {TG}")
        except RuntimeError:
            logger.exception("unexpected")
    finally:
        caplog.handler.removeFilter(filt)
    assert TG not in caplog.text
    assert "[secret]" in caplog.text and "boom with" in caplog.text


def test_config_repr_hides_tokens() -> None:
    cfg = from_env({"TELEGRAM_BOT_TOKEN": TG, "DISCORD_BOT_TOKEN": DC, "BRANDCOACH_ADMINS": "telegram:1, discord:2"})
    assert TG not in repr(cfg) and DC not in repr(cfg)
    assert cfg.admins == frozenset({"telegram:1", "discord:2"}) and cfg.has_platform
