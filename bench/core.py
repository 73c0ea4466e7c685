"""The core alone, in process: answers per second and handling latency, beside a python-telegram-bot baseline.

What it measures, and what it does not: ours is `Core.handle` alone (no Telegram update parsing, no rendering of
keyboards, no HTTP); every answer is committed to SQLite (WAL) before the reply is returned. The baseline, in the
same run, is the same number of questions as a PTB ConversationHandler driven through `Application.process_update`
(update objects, handler dispatch, reply_text building a request) with a request object that sends nothing, and
PicklePersistence written after every update (`update_persistence()`), so its answers are on disk too. Neither side
does any HTTP: for the real bot's throughput see bench/e2e.py.

Each user answers every step (the questionnaire phase, timed for answers/s), then confirms, timed apart. Our
confirm answers with the plan's text; its card and PDF are drawn after, in the drawing process pool
(handlers/pictures/pool.py, one worker by default), and handed to a null adapter: the time until all of them are done
is printed beside the confirm's latency. The baseline's confirm is one more text answer.

Run: python bench/core.py [--users 1,100,1000] [--min-users 200]   (prints figures; never pass/fail)
A size smaller than --min-users runs in rounds.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core import Core  # noqa: E402
from bot.storage import Storage  # noqa: E402
from bot.types import Inbound, UserRef, parse_command  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import answers as A  # noqa: E402

# One user's lines, in English, answering every step of the questionnaire and confirming (numbers answer
# choices): generated from content/questionnaire.toml by tests/answers.py, so the bench follows the content.
SCRIPT = A.lines(None, "en", confirm=False) + ["c:yes"]


def to_inbound(user: UserRef, line: str) -> Inbound:
    cmd = parse_command(line)
    if cmd:
        return Inbound(user, "command", command=cmd[0], args=cmd[1], locale="en")
    if line.startswith("c:"):
        return Inbound(user, "choice", choice=line)
    return Inbound(user, "text", text=line, locale="en")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


class NullAdapter:
    """Takes what the core sends unprompted (the plan's pictures) and drops it."""

    platform = "bench"

    async def send(self, user_id: str, messages: list[object]) -> None:
        return None


async def run_ours(users: int, folder: str, rounds: int = 1) -> dict[str, float]:
    core = Core(Storage(os.path.join(folder, f"ours-{users}.sqlite3")), throttle=False)
    core.add_adapter(NullAdapter())  # the plan's pictures follow its text through an adapter's send
    await core.start()
    latencies: list[float] = []
    confirms: list[float] = []

    def user_of(i: int) -> UserRef:
        return UserRef("bench", str(i), f"u{i}")

    async def one(i: int) -> None:
        user = user_of(i)
        await core.handle(Inbound(user, "command", command="start", locale="en"))
        for line in SCRIPT[:-1]:
            t0 = time.perf_counter()
            await core.handle(to_inbound(user, line))
            latencies.append(time.perf_counter() - t0)

    async def confirm(i: int) -> None:
        t0 = time.perf_counter()
        await core.handle(to_inbound(user_of(i), SCRIPT[-1]))
        confirms.append(time.perf_counter() - t0)

    wall = pictures = 0.0
    for r in range(rounds):
        t0 = time.perf_counter()
        await asyncio.gather(*(one(r * users + i) for i in range(users)))
        wall += time.perf_counter() - t0
        t1 = time.perf_counter()
        await asyncio.gather(*(confirm(r * users + i) for i in range(users)))
        await core.follow_ups.drain()  # the pictures, drawn after the texts went
        pictures = max(pictures, time.perf_counter() - t1)
    stored = 0
    async with core.storage.db.execute("SELECT COUNT(*) FROM answers") as cur:
        stored = (await cur.fetchone())[0]
    await core.stop()
    return {"answers": len(latencies), "wall": wall, "rate": len(latencies) / wall,
            "p50": statistics.median(latencies) * 1000, "p99": pct(latencies, 99) * 1000, "stored": stored,
            "c50": statistics.median(confirms) * 1000, "c99": pct(confirms, 99) * 1000, "pictures": pictures * 1000}


async def run_baseline(users: int, folder: str, rounds: int = 1) -> dict[str, float]:
    from telegram import Update
    from telegram.ext import (Application, CommandHandler, ContextTypes, ConversationHandler, MessageHandler,
                              PicklePersistence, filters)
    from telegram.request import BaseRequest, RequestData

    class NoSend(BaseRequest):
        """Answers every Bot API call locally with a plausible result; nothing leaves the process."""

        async def initialize(self) -> None: ...
        async def shutdown(self) -> None: ...

        @property
        def read_timeout(self) -> float | None:
            return None

        async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                             read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                             pool_timeout: Any = None) -> tuple[int, bytes]:
            if url.endswith("/getMe"):
                result: Any = {"id": 1, "is_bot": True, "first_name": "bench", "username": "bench_bot"}
            else:
                params = request_data.parameters if request_data else {}
                result = {"message_id": 1, "date": 0, "chat": {"id": int(params.get("chat_id", 1)),
                                                                 "type": "private"}, "text": "ok"}
            return 200, json.dumps({"ok": True, "result": result}).encode()

    steps = len(SCRIPT)

    def make_state(n: int):  # type: ignore[no-untyped-def]
        async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
            context.user_data[f"step{n}"] = update.message.text  # type: ignore[index,union-attr]
            await update.message.reply_text(f"Step {n + 2}/{steps}")  # type: ignore[union-attr]
            return n + 1 if n + 1 < steps else ConversationHandler.END
        return answer

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        await update.message.reply_text("Step 1")  # type: ignore[union-attr]
        return 0

    persistence = PicklePersistence(os.path.join(folder, f"baseline-{users}.pickle"), update_interval=10**6)
    app = (Application.builder().token("123456:bench").request(NoSend()).get_updates_request(NoSend())
           .persistence(persistence).build())
    app.add_handler(ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={n: [MessageHandler(filters.TEXT, make_state(n))] for n in range(steps)},
        fallbacks=[], name="brand", persistent=True))
    await app.initialize()
    latencies: list[float] = []
    confirms: list[float] = []
    counter = iter(range(10**9))

    def update_for(uid: int, text: str) -> Update:
        msg: dict[str, Any] = {"message_id": next(counter), "date": 0, "text": text,
                               "chat": {"id": uid, "type": "private"},
                               "from": {"id": uid, "is_bot": False, "first_name": f"u{uid}"}}
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return Update.de_json({"update_id": next(counter), "message": msg}, app.bot)

    async def handled(upd: Update) -> None:
        """One update handled and the persistence written (as bench/e2e_ptb.py's conv bot does)."""
        await app.process_update(upd)
        await app.update_persistence()

    async def one(uid: int) -> None:
        await handled(update_for(uid, "/start"))
        for line in SCRIPT[:-1]:
            upd = update_for(uid, line if not line.startswith("/") else "skip")
            t0 = time.perf_counter()
            await handled(upd)
            latencies.append(time.perf_counter() - t0)

    async def confirm(uid: int) -> None:
        t0 = time.perf_counter()
        await handled(update_for(uid, "yes"))
        confirms.append(time.perf_counter() - t0)

    wall = 0.0
    for r in range(rounds):
        t0 = time.perf_counter()
        await asyncio.gather(*(one(r * users + i + 1) for i in range(users)))
        wall += time.perf_counter() - t0
        await asyncio.gather(*(confirm(r * users + i + 1) for i in range(users)))
    stored = sum(len(d) for d in app.user_data.values())
    await app.shutdown()
    return {"answers": len(latencies), "wall": wall, "rate": len(latencies) / wall,
            "p50": statistics.median(latencies) * 1000, "p99": pct(latencies, 99) * 1000, "stored": stored,
            "c50": statistics.median(confirms) * 1000, "c99": pct(confirms, 99) * 1000}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", default="1,100,1000", help="concurrent users per run")
    parser.add_argument("--min-users", type=int, default=200,
                        help="repeat a run in rounds until this many users have answered (default 200)")
    args = parser.parse_args()
    print("the core alone (Core.handle, SQLite commit per answer) vs PTB process_update + PicklePersistence written "
          "per update; no HTTP on either side; answers/s of the questionnaire phase, confirms timed apart")
    print(f"{'users':>6} {'who':<9} {'answers':>8} {'ans/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'confirm p50/p99 ms':>19}")
    with tempfile.TemporaryDirectory() as folder:
        for users in [int(u) for u in args.users.split(",")]:
            rounds = max(1, args.min_users // users)  # small sizes repeat, one group after another, for steadier figures
            ours = await run_ours(users, folder, rounds)
            base = await run_baseline(users, folder, rounds)
            print(f"{users:>6} {'ours':<9} {ours['answers']:>8} {ours['rate']:>9.0f} {ours['p50']:>8.2f} "
                  f"{ours['p99']:>8.2f} {ours['c50']:>9.0f}/{ours['c99']:<9.0f} (the plan's text; its pictures, "
                  f"drawn after, all done {ours['pictures']:.0f} ms after the first confirm)")
            print(f"{users:>6} {'baseline':<9} {base['answers']:>8} {base['rate']:>9.0f} {base['p50']:>8.2f} "
                  f"{base['p99']:>8.2f} {base['c50']:>9.1f}/{base['c99']:<9.1f} (one more text)")
            print(f"{users:>6} ratio ours/baseline answers/s: {ours['rate'] / base['rate']:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
