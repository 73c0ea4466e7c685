"""Telegram adapter edges: taps on messages Telegram no longer sends along, stopping during an outage, which Bot API
calls may be repeated."""
from __future__ import annotations

import logging

import pytest

from fake_telegram import FakeTelegram
from test_telegram import UID_ID, Chat, running


async def test_a_tap_without_its_message_is_answered_as_an_old_button(tg: FakeTelegram, db_path: str,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    """A callback query without `message` (a button under an inline message, or a message too old for Telegram to
    send along) gets the old-button notice on its spinner, and nothing alarming is logged."""
    caplog.set_level(logging.INFO)
    async with running(tg, db_path) as run:
        chat = Chat(tg, run.core, UID_ID, "id")
        mark = tg.mark()
        for query in ({"inline_message_id": "AAAinline1"}, {"chat_instance": "ci-old"}):
            update_id = await tg.push({"callback_query": {
                "id": f"cq{tg.next_update_id + 1}", "from": chat.user, "chat_instance": "ci1", "data": "a:role:artist",
                **query}})
            answer = await chat.answer_query(update_id)
            assert answer.params.get("text") == chat.t("err.stale_button")
        assert [c for c in tg.calls[mark:] if c.method.startswith(("send", "edit"))] == []
    alarming = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert alarming == [], [r.getMessage() for r in alarming]
