"""What the operator's tools cost the bot: metrics on, and backups taken while users answer.

Three runs of the same work, alternated over rounds (so a machine's drift affects each alike): U users walking the
whole questionnaire at once through one core (in process, SQLite in WAL, every answer committed before its reply;
tests/answers.py drives them from the content):

- baseline: metrics off (every record call returns at once; prometheus-client not used);
- metrics: bot/metrics.py enabled, every update counted and timed, /metrics rendered every 0.5 s;
- backups: metrics off, `brandcoach backup` (bot/backup.py) run back to back in a thread for the whole run: the
  worst case of an operator's backup (one a night is the usual).

Printed: answers/s of each (median of the rounds) and as a ratio to the baseline, and the backups' count, size and
duration. Figures only, never pass/fail.

Run: python bench/ops.py [--users 100] [--rounds 3]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import answers as A  # noqa: E402

from bot import backup, metrics  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.storage import Storage  # noqa: E402
from bot.types import UserRef  # noqa: E402


async def one_run(kind: str, users: int, folder: str) -> tuple[float, list[float], int]:
    """(answers per second, backup durations, backup size) of one run."""
    db = os.path.join(folder, f"{kind}-{time.monotonic_ns()}.sqlite3")
    core = Core(Storage(db), throttle=False)
    await core.start()
    if kind == "metrics":
        metrics.enable()
    done = asyncio.Event()
    durations: list[float] = []
    size = 0

    async def backups() -> None:
        nonlocal size
        while not done.is_set():
            copied = await asyncio.to_thread(backup.backup, db, db + ".bak")
            durations.append(copied.seconds)
            size = copied.size

    async def scrapes() -> None:
        while not done.is_set():
            metrics.render()
            await asyncio.sleep(0.5)

    side = asyncio.ensure_future(backups() if kind == "backups" else scrapes() if kind == "metrics"
                                 else done.wait())
    try:
        started = time.perf_counter()
        walks = await asyncio.gather(*(A.walk(core, UserRef("bench", str(i), f"u{i}")) for i in range(users)))
        elapsed = time.perf_counter() - started
    finally:
        done.set()
        await side
        metrics.disable()
        await core.stop()
    answers = sum(len(w.asked) for w in walks)
    return answers / elapsed, durations, size


async def per_update_cost(n: int = 20000) -> tuple[float, float]:
    """Seconds the instrumentation adds to one update (the two decorators around a handling that does nothing, plus
    one send's outcome), metrics off and on: the part of the runs above that metrics can change."""
    from bot.types import Inbound

    class Bare:
        @metrics.in_progress
        async def handle(self, inbound: Inbound) -> list[str]:
            return await self._handle(inbound)

        @metrics.handling
        async def _handle(self, inbound: Inbound) -> list[str]:
            with metrics.sending("bench"):
                pass
            return ["reply"]

    bare, inbound = Bare(), Inbound(UserRef("bench", "1", "u"), "text", text="x")
    out = []
    for on in (False, True):
        if on:
            metrics.enable()
        started = time.perf_counter()
        for _ in range(n):
            await bare.handle(inbound)
        out.append((time.perf_counter() - started) / n)
        metrics.disable()
    return out[0], out[1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    kinds = ["baseline", "metrics", "backups"]
    rates: dict[str, list[float]] = {k: [] for k in kinds}
    durations: list[float] = []
    size = 0
    with tempfile.TemporaryDirectory() as folder:
        for r in range(args.rounds):
            for kind in kinds[r % 3:] + kinds[:r % 3]:  # each kind first in turn
                rate, took, got = await one_run(kind, args.users, folder)
                rates[kind].append(rate)
                durations += took
                size = got or size
    base = statistics.median(rates["baseline"])
    print(f"{args.users} users walking the questionnaire at once, {args.rounds} rounds (median answers/s):")
    for kind in kinds:
        rate = statistics.median(rates[kind])
        each = ", ".join(f"{x:.0f}" for x in rates[kind])
        print(f"  {kind:9s} {rate:8.0f} answers/s   x{rate / base:.2f} of the baseline   (rounds: {each})")
    off, on = await per_update_cost()
    print(f"  instrumentation per update: {off * 1e6:.1f} us with metrics off, {on * 1e6:.1f} us on; one update "
          f"takes {1e6 / base:.0f} us of the baseline's wall time at {args.users} users (x{on * base:.4f} of it)")
    if durations:
        print(f"  backups: {len(durations)} taken back to back, database up to {size / 1024:,.0f} KB, "
              f"median {statistics.median(durations) * 1000:.0f} ms, longest {max(durations) * 1000:.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
