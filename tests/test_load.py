"""1,000 users answering at once through one core on one database: nothing locked, nothing lost."""
from __future__ import annotations

import asyncio
import logging

import pytest

from bot.core import Core
from bot.types import Inbound, UserRef


async def test_thousand_concurrent_users_lose_no_answer(core: Core, caplog: pytest.LogCaptureFixture) -> None:
    users = [UserRef("load", str(i), f"u{i}") for i in range(1000)]

    async def one(u: UserRef) -> None:
        await core.handle(Inbound(u, "command", command="start", locale="id"))
        await core.handle(Inbound(u, "text", text=f"Pengguna {u.user_id}"))
        await core.handle(Inbound(u, "choice", choice="a:role:creator"))
        await core.handle(Inbound(u, "choice", values=("t:platforms_now:tiktok", "t:platforms_now:youtube")))
        await core.handle(Inbound(u, "choice", choice="a:team:alone"))

    with caplog.at_level(logging.WARNING):
        await asyncio.gather(*(one(u) for u in users))
    assert "database is locked" not in caplog.text
    assert "handler failed" not in caplog.text
    async with core.storage.db.execute(
            "SELECT u.platform_user_id, a.value FROM answers a JOIN users u ON u.id = a.user_id"
            " WHERE a.step = 'name'") as cur:
        names = {uid: value for uid, value in await cur.fetchall()}
    assert len(names) == 1000
    assert all(names[u.user_id] == f'"Pengguna {u.user_id}"' for u in users)
    async with core.storage.db.execute("SELECT COUNT(*) FROM answers") as cur:
        assert (await cur.fetchone())[0] == 4000
    async with core.storage.db.execute("SELECT COUNT(*) FROM flows WHERE step = 'purposes'") as cur:
        assert (await cur.fetchone())[0] == 1000
