"""A user's replies reach the chat in the order of their messages, also when several workers answer them: the
adapter's delivery runs inside the user's turn (Core.handle's `deliver`), which every worker on the database
waits for (PostgreSQL: the user's advisory lock)."""
from __future__ import annotations

import asyncio

from bot.backends import open_storage
from bot.clock import FakeClock
from bot.core import Core
from bot.types import Inbound, Outbound, UserRef

BACKENDS = ("sqlite", "postgresql")
USER = UserRef("console", "order-user", "Ayu")


async def test_a_second_message_waits_for_the_first_ones_replies(db_path: str, backend: str,
                                                                 clock: FakeClock) -> None:
    first = Core(open_storage(db_path, clock=clock), clock=clock)
    await first.start()
    # SQLite: one process per database, so both messages reach one core; PostgreSQL: two workers.
    second = first if backend == "sqlite" else Core(open_storage(db_path, clock=clock), clock=clock)
    if second is not first:
        await second.start()
    try:
        await first.handle(Inbound(USER, "command", command="start"))
        delivered: list[str] = []
        release = asyncio.Event()
        started = asyncio.Event()

        async def slow_send(replies: list[Outbound]) -> None:  # the first reply is slow to go out
            started.set()
            await release.wait()
            delivered.append("first")

        async def send(replies: list[Outbound]) -> None:
            delivered.append("second")

        a = asyncio.create_task(first.handle(Inbound(USER, "text", text="Ayu"), slow_send))
        await started.wait()
        b = asyncio.create_task(second.handle(Inbound(USER, "command", command="help"), send))
        for _ in range(50):  # give the second message every chance to overtake
            await asyncio.sleep(0.01)
        assert delivered == [] and not b.done()
        release.set()
        replies = await a
        await b
        assert delivered == ["first", "second"]
        assert replies  # handle still returns the replies it delivered
    finally:
        if second is not first:
            await second.stop()
        await first.stop()
