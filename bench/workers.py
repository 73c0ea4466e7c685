"""The multi-worker proof, full form: simulated Telegram users through the whole questionnaire on 3 workers sharing
one PostgreSQL (a throwaway server started here), webhooks behind a round-robin balancer (multi-choice answers
tapped then Done at once, fast typists), one worker SIGKILLed mid-run and again mid-nudge-wave; then the same with
long polling and an elected poller (the poller SIGKILLed mid-run); then the same users on 1 worker (webhook), for
the throughput of 3 workers vs 1 in the same run.

    PYTHONPATH=$PWD python3 bench/workers.py [--users 80] [--runs 1] [--modes webhook,polling,one]

Prints what tests/test_workers.py asserts (short form) and answers/s for each run; exit status 0 only when every
guarantee held in every run. Needs PostgreSQL's server binaries (tests/pgserver.py finds them). Replies are paced
at Telegram's 30 messages a second shared by every worker (about 17 answers/s), so 80 users take about 2 minutes
per run, 1,000 about 25.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import multiworker  # noqa: E402
import pgserver  # noqa: E402


def show(title: str, r: multiworker.Report) -> None:
    print(f"{title}: {r.users} users, {r.workers} worker(s), {r.mode}, {r.kills} SIGKILL(s)")
    print(f"  answers acknowledged {r.acknowledged} in {r.seconds:.1f}s = {r.answers_per_second:.1f}/s"
          f" (re-typed after a kill: {r.resent}; updates also handed to a 2nd worker: {r.redelivered})")
    print(f"  updates accepted {r.accepted}: handled twice {r.answered_twice}, dropped {r.dropped};"
          f" acknowledged answers lost {r.lost}")
    print(f"  tick+Done pairs {r.pairs}: Done before its tick {r.done_before_tick}; fast-typist pairs"
          f" {r.typist_pairs}; actions not answered {r.unanswered} (cut off by a kill: {r.cut_by_kill})")
    print(f"  sends over all workers: most in any 1 s {r.max_sends_per_second} (limit 30), most to one chat in"
          f" any 3 s {r.max_chat_in_3s} (limit 3)")
    if r.nudges:
        print(f"  nudge wave: {r.nudges_sent}/{r.nudges} sent, sent twice: {r.nudges_twice} (replies landing in the"
              f" wave, counted apart: {r.replies_in_wave}), most in any 1 s: {r.max_per_second} (limit 30), least"
              f" gap per chat: {'-' if r.min_chat_gap == float('inf') else f'{r.min_chat_gap:.2f}s'} (limit 1 s)")
    for p in r.problems:
        print("  problem:", p)
    print(f"  guarantees held: {'yes' if multiworker.holds(r) else 'NO'}", flush=True)


async def main(users: int, runs: int, modes: list[str]) -> int:
    bindir = pgserver.find_bin()
    if bindir is None:
        print("no PostgreSQL server binaries: install postgresql-15", file=sys.stderr)
        return 2
    server = pgserver.PgServer(bindir).start()
    ok = True
    try:
        n = 0
        for run in range(1, runs + 1):
            done: dict[str, multiworker.Report] = {}
            for mode in modes:
                workers, kill, polling = {"webhook": (3, True, False), "polling": (3, True, True),
                                          "one": (1, False, False)}[mode]
                n += 1
                with tempfile.TemporaryDirectory() as logs:
                    report = await multiworker.prove(server.create_db(f"bench_{mode}_{n}"), Path(logs), users,
                                                     workers, kill, polling=polling, wave=not polling)
                show(f"run {run}, {mode}", report)
                ok = ok and multiworker.holds(report)
                done[mode] = report
            if "webhook" in done and "one" in done and done["one"].answers_per_second:
                a, b = done["webhook"].answers_per_second, done["one"].answers_per_second
                print(f"run {run}: throughput, 3 workers (one killed and restarted) vs 1: {a:.1f}/s vs {b:.1f}/s"
                      f" = x{a / b:.2f}", flush=True)
        return 0 if ok else 1
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=80)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--modes", default="webhook,polling,one")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.users, args.runs, args.modes.split(","))))
