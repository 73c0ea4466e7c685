"""Garbage-collection pauses on the event loop, with and without bot/gcpolicy.py's freezing, in the same run.

What it measures: the core in process (Core.handle, SQLite, the drawing thread, as bench/core.py), --users users
answering the whole questionnaire and confirming, in --rounds rounds of users at once, after one user warmed every
lazy part (as the first users of a real process do). Each variant runs in a fresh process: 'shipped' freezes as
`brandcoach run` does (gcpolicy.settle() at start-up, then the lazily built data and the drawing libraries where
they are built); 'unfrozen' is the same code with gc.freeze() made a no-op. Printed per generation: collections,
their total and longest pause (wall time between gc's start and stop callbacks; on a busy machine a pause also holds
whatever the scheduler took), and the process's CPU for the rounds.

Leaves out: HTTP and the adapters (their objects are frozen at start-up in `brandcoach run`, not here), PostgreSQL,
a long-running process's own growth (caches fill up to their bounds).

Run: python bench/gc.py [--users 100] [--rounds 3]   (prints figures; never pass/fail)
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def child(users: int, rounds: int, frozen: bool) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT / "tests"))
    os.environ.setdefault("BRANDCOACH_DRAW_WORKERS", "0")
    if not frozen:
        gc.freeze = lambda: None  # the variant without the policy: everything else identical
    import core as B  # bench/core.py: its users' lines and null adapter

    from bot import gcpolicy
    from bot.core import Core
    from bot.storage import Storage
    from bot.types import Inbound

    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append((time.perf_counter() - started[0]) * 1000)

    folder = tempfile.mkdtemp()
    core = Core(Storage(os.path.join(folder, "gc.sqlite3")), throttle=False)
    core.add_adapter(B.NullAdapter())
    await core.start()
    gcpolicy.settle()

    async def user(i: int) -> None:
        who = B.UserRef("bench", str(i), f"u{i}")
        await core.handle(Inbound(who, "command", command="start", locale="en"))
        for line in B.SCRIPT:
            await core.handle(B.to_inbound(who, line))

    await user(10**6)  # the first user: every lazy part built
    await core.follow_ups.drain()
    gc.callbacks.append(timed)
    cpu = time.process_time()
    for r in range(rounds):
        await asyncio.gather(*(user(r * users + i) for i in range(users)))
        await core.follow_ups.drain()
    cpu = time.process_time() - cpu
    gc.callbacks.remove(timed)
    await core.stop()
    return {"pauses": pauses, "cpu": cpu, "tracked": len(gc.get_objects()), "frozen": gc.get_freeze_count()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=("shipped", "unfrozen"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args.users, args.rounds, args.child == "shipped"))))
        return
    print(f"gc pauses: {args.users} users at once x {args.rounds} rounds, questionnaire and confirm, each variant in "
          f"a fresh process (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    results = {}
    for variant in ("unfrozen", "shipped"):
        out = subprocess.run([sys.executable, __file__, "--child", variant, "--users", str(args.users),
                              "--rounds", str(args.rounds)], capture_output=True, text=True, check=True)
        results[variant] = r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{variant:>9}: objects the collector walks {r['tracked']:,}, frozen {r['frozen']:,}; "
              f"CPU {r['cpu']:.2f} s")
        for gen, times in sorted(r["pauses"].items()):
            times = sorted(times)
            print(f"{'':>11}gen{gen}: {len(times)} collections, {sum(times):.0f} ms in all, longest "
                  f"{max(times, default=0):.1f} ms")
    u, s = results["unfrozen"], results["shipped"]
    longest = {k: max(max(v, default=0) for v in r["pauses"].values()) for k, r in results.items()}
    print(f"shipped/unfrozen: longest pause {longest['shipped'] / max(longest['unfrozen'], 1e-9):.2f}x, "
          f"CPU {s['cpu'] / max(u['cpu'], 1e-9):.2f}x")


if __name__ == "__main__":
    main()
