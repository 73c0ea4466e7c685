"""SIGKILL the real Telegram bot (`python -m bot run`, long polling a fake Bot API on 127.0.0.1) at random points of
the questionnaire and of a nudge dispatch, restart it on the same database, and check what survived.

Kill points are chosen by a seeded random generator and placed by the fake server itself (its `intercept` hook runs
inside the request that marks the point), so no test waits on a timer: the only waits are bounded liveness waits for
the subprocess.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bot.core import Core
from bot.i18n import Catalog
from handlers.reminders.dispatch import Dispatcher
from bot.storage import Storage
from bot.types import Inbound, UserRef
from handlers import steps as S
from fake_telegram import Call, FakeTelegram
from nudge_helpers import done_user
from test_telegram import SCRIPT_ID

ROOT = Path(__file__).resolve().parent.parent
UID = 6101
LEASE = int(inspect.signature(Dispatcher.__init__).parameters["lease_seconds"].default)

# The questionnaire as a Telegram user answers it: the end-to-end suite's script, with multi-choice steps typed
# as option values (a typed answer is the kind a lost getUpdates confirmation re-delivers).
SCRIPT: list[tuple[str, Any]] = [
    (step, ", ".join(action[1]) if isinstance(action, tuple) and action[0] == "multi" else action)
    for step, action in SCRIPT_ID
]
TYPED = [isinstance(action, str) and S.step_by_id(step).kind not in ("choice", "multi")  # type: ignore[union-attr]
         for step, action in SCRIPT]  # free-text answers
CONFIRM = len(SCRIPT)  # index of the summary (answered by tapping c:yes)
MODES = ("now", "reply", "unconfirmed", "confirmed")


class BotProcess:
    """`python -m bot --db X run` with the Telegram adapter pointed at the fake server."""

    def __init__(self, tg: FakeTelegram, db: str, logfile: Path, pacing: str = "") -> None:
        drop = {"DISCORD_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL", "BRANDCOACH_DB"}
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env.update(PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_API_URL=tg.api_url,
                   BRANDCOACH_PACING=pacing)
        self.logfile = logfile
        with open(logfile, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "--db", db, "--log-level", "INFO", "run"],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=logfile.parent, env=env)

    @classmethod
    async def start(cls, tg: FakeTelegram, db: str, logfile: Path, pacing: str = "") -> BotProcess:
        """Start it and wait (bounded) until it long-polls."""
        mark = tg.mark()
        bot = cls(tg, db, logfile, pacing)
        try:
            await tg.wait_for(lambda c: c.method == "getupdates", after=mark, timeout=30)
        except AssertionError:
            bot.kill()
            raise AssertionError(logfile.read_text(errors="replace")[-3000:]) from None
        return bot

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)

    async def reap(self) -> None:
        await asyncio.to_thread(self.proc.wait, 30)


def ok_send(call: Call, chat: int) -> bool:
    return call.method == "sendmessage" and call.status == 200 and call.chat_id == chat


def db_rows(db: str, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def stored(db: str) -> dict[str, Any]:
    return {step: json.loads(value) for step, value in db_rows(db, "SELECT step, value FROM answers")}


def flow_status(db: str) -> str | None:
    rows = db_rows(db, "SELECT status FROM flows")
    return rows[0][0] if rows else None


async def reference(db: str) -> tuple[dict[str, Any], Catalog]:
    """The intended answers: the same script through the core in-process, with no crash."""
    core = Core(Storage(db))
    await core.start()
    try:
        ref = UserRef("telegram", str(UID), "Budi")
        await core.handle(Inbound(ref, "command", command="start", locale="id"))
        for _step, action in SCRIPT:
            if isinstance(action, str):
                await core.handle(Inbound(ref, "text", text=action, locale="id"))
            else:
                await core.handle(Inbound(ref, "choice", choice=action[1], locale="id"))
        await core.handle(Inbound(ref, "choice", choice="c:yes", locale="id"))
        user = await core.storage.find_user("telegram", str(UID))
        assert user is not None and (await core.storage.get_flow(user.id)).status == "done"  # type: ignore[union-attr]
        return dict(await core.storage.answers(user.id)), core.catalog
    finally:
        await core.stop()


class Questionnaire:
    """What the user has seen: which question (or the summary) each bot message shows."""

    def __init__(self, tg: FakeTelegram, catalog: Catalog) -> None:
        self.tg = tg
        self.prompts = [catalog.t("id", f"q.{step}.prompt") for step, _ in SCRIPT]
        self.summary = catalog.t("id", "summary.title")
        self.help = catalog.t("id", "help.title")
        self.user = tg.user(UID, "Budi", "id")

    def index(self, call: Call) -> int | None:
        """The question index a bot message shows (CONFIRM for the summary), None for anything else."""
        text = call.text
        if self.summary in text:
            return CONFIRM
        for i, prompt in enumerate(self.prompts):
            if prompt in text:
                return i
        return None

    def shown(self, after: int = 0) -> list[tuple[int, Call]]:
        return [(i, c) for c in self.tg.calls[after:] if ok_send(c, UID) and (i := self.index(c)) is not None]

    def highest(self) -> int:
        """The furthest question ever delivered: every answer before it had been acknowledged."""
        return max((i for i, _ in self.shown()), default=0)

    async def settle(self) -> int:
        """/start then /help: once /help is answered, the last question shown is where the user is."""
        mark = self.tg.mark()
        await self.tg.say(self.user, "/start")
        await self.tg.say(self.user, "/help")
        await self.tg.wait_for(lambda c: ok_send(c, UID) and self.help in c.text, after=mark, timeout=30)
        shown = self.shown(mark)
        return shown[-1][0] if shown else -1

    async def answer(self, j: int) -> int:
        """Send the answer to question j (a text or a tap on the latest message showing it)."""
        action: Any = ("tap", "c:yes") if j == CONFIRM else SCRIPT[j][1]
        if isinstance(action, str):
            return await self.tg.say(self.user, action)
        message = [c for i, c in self.shown() if i == j][-1]
        return await self.tg.tap(self.user, message.message_id or 0, action[1])


def arm(tg: FakeTelegram, bot: BotProcess, mode: str, update_id: int, mark: int, rnd: random.Random) -> asyncio.Event:
    """Make the fake server SIGKILL the bot at the chosen point around update `update_id`; returns 'killed'."""
    killed = asyncio.Event()
    drop_reply = rnd.random() < 0.5

    async def intercept(call: Call) -> bool:
        if killed.is_set():
            return False
        confirms = call.method == "getupdates" and int(call.params.get("offset") or 0) > update_id
        if mode == "reply" and call.method == "sendmessage" and call.chat_id == UID:
            # killed while sending the reply: the message is either lost with the bot or got through
            bot.kill()
            killed.set()
            return drop_reply
        if mode == "confirmed" and confirms:
            bot.kill()  # the update is confirmed, its handling may not have finished
            killed.set()
            return False
        if mode == "unconfirmed" and confirms:
            # the confirming getUpdates never reaches Telegram: the update was handled (and answered) but will
            # be delivered again to the next process
            try:
                await tg.wait_for(lambda c: ok_send(c, UID), after=mark, timeout=10)
            except AssertionError:
                pass
            bot.kill()
            killed.set()
            return True
        return False

    tg.intercept = intercept
    return killed


async def test_sigkill_telegram_bot_during_the_questionnaire(tmp_path: Path) -> None:
    rnd = random.Random(20261127)
    intended, catalog = await reference(str(tmp_path / "reference.sqlite3"))
    db = str(tmp_path / "telegram.sqlite3")
    logfile = tmp_path / "bot.log"
    tg = FakeTelegram()
    await tg.start()
    q = Questionnaire(tg, catalog)
    modes = list(MODES) * 2
    rnd.shuffle(modes)
    kills = 0
    try:
        while True:
            # the fake user answers at machine speed: the limits are counted on virtual time, not waited out
            bot = await BotProcess.start(tg, db, logfile, pacing="virtual")
            current = await q.settle()
            answers = stored(db)
            hi = q.highest()
            # every answer acknowledged so far (the next question reached the user) is stored, unchanged
            for step, _ in SCRIPT[:hi]:
                assert answers.get(step) == intended[step], (step, answers.get(step), kills)
            if flow_status(db) == "done":
                bot.kill()
                await bot.reap()
                break
            # the user resumes right after the last stored answer
            first_missing = next((i for i, (step, _) in enumerate(SCRIPT) if step not in answers), CONFIRM)
            assert current == first_missing, (current, first_missing, sorted(answers))
            mode = modes[kills] if kills < len(modes) else ""
            target = current + rnd.randint(0, 3) if mode else CONFIRM + 1
            if mode == "unconfirmed":  # where a second delivery could do harm: a typed answer before a typed step
                target = next((i for i in range(current, CONFIRM - 1) if TYPED[i] and TYPED[i + 1]), target)
            j = current
            while j <= CONFIRM:
                mark = tg.mark()
                if j == target:
                    killed = arm(tg, bot, mode, tg.next_update_id + 1, mark, rnd)
                    await q.answer(j)
                    if mode == "now":
                        bot.kill()
                        killed.set()
                    await asyncio.wait_for(killed.wait(), 30)
                    break
                await q.answer(j)
                if j == CONFIRM:
                    done = catalog.t("id", "plan.done")
                    await tg.wait_for(lambda c: ok_send(c, UID) and done in c.text, after=mark, timeout=30)
                else:
                    await tg.wait_for(lambda c: ok_send(c, UID) and q.index(c) == j + 1, after=mark, timeout=30)
                j += 1
            if mode and j == target:
                await bot.reap()
                tg.intercept = None
                kills += 1
                answers = stored(db)
                for step, _ in SCRIPT[:q.highest()]:
                    assert answers.get(step) == intended[step], (step, answers.get(step), mode)
            else:
                bot.kill()
                await bot.reap()
    finally:
        tg.intercept = None
        await tg.stop()
    assert stored(db) == intended
    assert kills >= 5


# -- nudge dispatch ------------------------------------------------------------------------------------------

USERS = 16
NUDGE_UID = 7100


async def build_due_nudges(db: str) -> dict[int, tuple[int, int]]:
    """Finished Telegram users, each with one (some two) nudge due a minute ago; nudge id -> (chat, slot)."""
    core = Core(Storage(db))
    await core.start()
    users = []
    try:
        for i in range(USERS):
            users.append(await done_user(core, uid=str(NUDGE_UID + i), platform="telegram"))
    finally:
        await core.stop()
    now = int(time.time())
    due: dict[int, tuple[int, int]] = {}
    con = sqlite3.connect(db)
    try:
        for i, user in enumerate(users):
            kinds = ("respond", "post") if i % 4 == 0 else ("respond",)
            for kind in kinds:
                slot = now - 60 - i
                (nid,) = con.execute("SELECT id FROM nudges WHERE user_id = ? AND kind = ? AND once = 0",
                                     (user.id, kind)).fetchone()
                con.execute("UPDATE nudges SET active = 1, enabled = 1, slot_at = ?, sched_at = ?, due_at = ?"
                            " WHERE id = ?", (slot, slot, slot, nid))
                due[nid] = (int(user.platform_user_id), slot)
        con.commit()
    finally:
        con.close()
    return due


def nudge_refs(call: Call) -> list[tuple[int, int]]:
    """(nudge id, slot) of each nudge a message carries, from its snooze buttons (n:<id>:<slot hex>:h): the nudges
    due together for one user share a message."""
    out = []
    for _label, data in call.buttons:
        parts = data.split(":")
        if parts[0] == "n" and len(parts) == 4 and parts[3] == "h":
            out.append((int(parts[1]), int(parts[2], 16)))
    return out


def handled(db: str, due: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int, Any]]:
    """nudge id -> (sent_count, skipped, claimed_at) for the nudges whose due occurrence is over."""
    out = {}
    for nid, sent_count, skipped, claimed_at, slot_at in db_rows(
            db, "SELECT id, sent_count, skipped, claimed_at, slot_at FROM nudges"):
        if nid in due and claimed_at is None and slot_at != due[nid][1]:
            out[nid] = (sent_count, skipped, claimed_at)
    return out


async def test_sigkill_telegram_bot_during_nudge_dispatch(tmp_path: Path) -> None:
    rnd = random.Random(20261128)
    db = str(tmp_path / "nudges.sqlite3")
    due = await build_due_nudges(db)
    logfile = tmp_path / "bot.log"
    tg = FakeTelegram()
    await tg.start()
    kills = 0
    try:
        while len(handled(db, due)) < len(due):
            bot = await BotProcess.start(tg, db, logfile)
            left = len(due) - len(handled(db, due))
            if kills < 5 and left > 1:
                k = rnd.randint(1, min(5, left))
                drop = rnd.random() < 0.5
                killed = asyncio.Event()
                seen = [0]

                async def intercept(call: Call, k: int = k, drop: bool = drop, killed: asyncio.Event = killed,
                                    seen: list[int] = seen, bot: BotProcess = bot) -> bool:
                    if killed.is_set() or call.method != "sendmessage" or not nudge_refs(call):
                        return False
                    seen[0] += 1
                    if seen[0] < k:
                        return False
                    bot.kill()  # in the middle of the k-th nudge's send: claimed, never marked
                    killed.set()
                    return drop  # the message got through, or died with the bot
                tg.intercept = intercept
                await asyncio.wait_for(killed.wait(), 30)
                await bot.reap()
                tg.intercept = None
                kills += 1
                # the restart comes after the lease: what the dead process had claimed may now be expired
                con = sqlite3.connect(db)
                con.execute("UPDATE nudges SET claimed_at = claimed_at - ? WHERE claimed_at IS NOT NULL",
                            (LEASE + 1,))
                con.commit()
                con.close()
            else:
                end = time.monotonic() + 30
                while len(handled(db, due)) < len(due) and time.monotonic() < end:
                    await asyncio.sleep(0.05)  # a bounded liveness wait on the subprocess
                bot.kill()
                await bot.reap()
                assert len(handled(db, due)) == len(due), (handled(db, due), logfile.read_text()[-3000:])
    finally:
        tg.intercept = None
        await tg.stop()
    delivered = Counter(ref for c in tg.calls if c.method == "sendmessage" and c.status == 200
                        for ref in nudge_refs(c))
    assert delivered and max(delivered.values()) == 1, [r for r, n in delivered.items() if n > 1]
    rows = handled(db, due)
    lost = 0
    for nid, (chat, slot) in due.items():
        sent_count, skipped, _ = rows[nid]
        copies = delivered.get((nid, slot), 0)
        to_chat = [c for c in tg.calls if c.method == "sendmessage" and (nid, slot) in nudge_refs(c)]
        assert all(c.chat_id == chat for c in to_chat)
        if sent_count == 1:
            assert skipped == 0 and copies == 1, (nid, copies)  # marked sent: delivered exactly once
        else:
            assert (sent_count, skipped) == (0, 1), (nid, sent_count, skipped)  # claimed by a killed process
            assert copies <= 1
            lost += 1
    assert kills >= 5 and lost >= kills  # each kill interrupted one claimed send: skipped by policy, never resent
