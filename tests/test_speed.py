"""The fast path keeps its guarantees: an update's inbox row is marked handled in the commit of the answer it produced,
paid broadcast is opt-in, and a wave of due nudges is sent earliest-due first."""
from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.config import from_env
from bot.core import Core
from bot.types import Inbound, UserRef
from handlers.reminders.dispatch import wave_order
from bot.ratelimit import LIMITS, PAID_LIMITS, limits_for
from handlers.reminders.service import NudgeService
from handlers.reminders.store import Due, Nudge

USER = UserRef("telegram", "4242", "Budi")


def start(update_id: int) -> Inbound:
    return Inbound(USER, "command", command="start", locale="id", update_id=update_id)


async def test_an_answer_and_its_update_id_share_one_commit(core: Core) -> None:
    await core.handle(start(1))
    name = Inbound(USER, "text", text="Budi Santoso", locale="id", update_id=2)
    writer = core.storage._writer
    assert writer is not None
    assert await core.accept(name)  # the adapter records the update before telling the platform: one commit
    before = writer.batches
    done = asyncio.get_running_loop().create_future()
    done.set_result(True)
    replies = await core.handle(name, accepted=done)
    assert replies and writer.batches - before == 1  # the answer, the next step and the update handled: one commit
    async with core.storage.db.execute("SELECT update_id FROM inbox WHERE handled_at IS NOT NULL") as cur:
        assert [r[0] for r in await cur.fetchall()] == [1, 2]


async def test_the_language_settled_by_an_update_rides_on_its_commit_and_never_undoes_the_handlers(core: Core) -> None:
    # the first update ever: the core sets a provisional language (riding on the commit), /language pins English
    await core.handle(Inbound(USER, "command", command="language", args=("en",), locale="id", update_id=1))
    core.storage.forget()  # read back from SQLite
    user = await core.storage.find_user("telegram", "4242")
    assert user is not None and user.language == "en" and user.language_pinned and user.lang_pending is None
    other = UserRef("telegram", "77", "Sari")
    await core.handle(Inbound(other, "command", command="start", locale="id", update_id=3))  # ids: one per bot
    await core.handle(Inbound(other, "text", text="Sari", locale="id", update_id=4))  # an answer: settling counts
    core.storage.forget()
    sari = await core.storage.find_user("telegram", "77")
    assert sari is not None and sari.lang_pending == "?" and sari.lang_pending_count == 1


async def test_a_redelivered_update_is_dropped_and_a_new_one_is_not(core: Core) -> None:
    await core.handle(start(1))
    name = Inbound(USER, "text", text="Budi Santoso", locale="id", update_id=2)
    assert await core.handle(name)
    assert await core.handle(name) == []  # Telegram re-sent it after a lost confirmation: not the next answer
    core.storage.forget()  # also when the answer is read back from SQLite (as after a restart)
    assert await core.handle(name) == []
    assert await core.handle(replace(name, text="/help", kind="command", command="help", update_id=3))


async def test_a_read_only_reply_still_records_its_update(core: Core) -> None:
    await core.handle(start(1))
    assert await core.handle(Inbound(USER, "command", command="help", locale="id", update_id=5))
    async with core.storage.db.execute("SELECT update_id FROM inbox WHERE handled_at IS NOT NULL") as cur:
        assert [r[0] for r in await cur.fetchall()] == [1, 5]
    assert await core.handle(Inbound(USER, "command", command="help", locale="id", update_id=5)) == []


async def test_deleting_the_user_while_marking_an_update_commits(core: Core) -> None:
    await core.handle(start(1))
    user = await core.storage.find_user("telegram", "4242")
    assert user is not None
    assert await core.accept(Inbound(USER, "command", command="delete", locale="id", update_id=2))
    mark = core.storage.mark_update(user.id, "telegram", 2)
    await core.storage.delete_user(user.id)  # /delete: the mark rides on this write; the user's rows go
    await core.storage.finish_update(mark)
    async with core.storage.db.execute("SELECT handled_at IS NOT NULL, inbound FROM inbox WHERE update_id = 2") as cur:
        assert tuple(await cur.fetchone()) == (1, "")  # type: ignore[arg-type]  # handled, the text gone


def test_paid_broadcast_is_opt_in() -> None:
    assert not from_env({}).telegram_paid_broadcast
    assert not from_env({"TELEGRAM_PAID_BROADCAST": "yes please"}).telegram_paid_broadcast
    assert from_env({"TELEGRAM_PAID_BROADCAST": "1"}).telegram_paid_broadcast
    assert PAID_LIMITS["telegram"].per_window == 1000 and LIMITS["telegram"].per_window == 30
    paid, free = PAID_LIMITS["telegram"], LIMITS["telegram"]
    assert (paid.chat_burst, paid.chat_window, paid.group_per_window) == (free.chat_burst, free.chat_window, 20)
    assert paid.reply_per_window == 30  # replies are not paid broadcasts: they keep the free 30/s


async def test_the_process_paces_by_the_paid_limits_only_when_asked(core: Core) -> None:
    paid = NudgeService(core, from_env({"TELEGRAM_PAID_BROADCAST": "1"}))
    standard = NudgeService(core, from_env({}))
    assert paid.dispatcher.concurrency > standard.dispatcher.concurrency
    assert limits_for(from_env({"TELEGRAM_PAID_BROADCAST": "1"}))["telegram"].per_window == 1000
    assert limits_for(from_env({}))["telegram"].per_window == 30


def due(user_id: int, due_at: int) -> Due:
    nudge = Nudge(id=user_id, user_id=user_id, kind="respond", once=False, src_id=None, times=["09:00"], days=[],
                  monthday=None, enabled=True, custom=False, active=True, slot_at=due_at, sched_at=due_at,
                  due_at=due_at, claimed_at=None, attempts=0, sent_count=0, skipped=0, last_slot=None,
                  last_sent_at=None)
    return Due(nudge, "telegram", str(user_id), "id", "Asia/Jakarta", None, None)


def test_a_wave_goes_earliest_due_first_and_rotates_within_a_moment() -> None:
    rows = [due(u, 2000) for u in range(50)] + [due(u, 1000) for u in range(50, 100)]
    today = [d.nudge.user_id for d in wave_order(rows)]
    assert all(u >= 50 for u in today[:50])  # those due first go first
    tomorrow = [d.nudge.user_id for d in wave_order([due(d.nudge.user_id, d.nudge.due_at + 86400)  # type: ignore[operator]
                                                     for d in rows])]
    assert today[:50] != tomorrow[:50]  # not always the same users at the tail
    assert sorted(today) == sorted(tomorrow) == list(range(100))
