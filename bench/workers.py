"""The multi-worker proof, full form: 1,000 simulated Telegram users through the whole questionnaire on 3 workers
sharing one PostgreSQL (a throwaway server started here), one worker SIGKILLed mid-run and again mid-nudge-wave;
then the same users on 1 worker, for the throughput of 3 workers vs 1.

    PYTHONPATH=$PWD python3 bench/workers.py [--users 1000]

Prints what tests/test_workers.py asserts (short form) and answers/s for each run. Needs PostgreSQL's server
binaries (tests/pgserver.py finds them). Replies are paced at Telegram's 30 messages a second shared by every
worker (about 17 answers/s), so 1,000 users take about 25 minutes per run; --users 200 about 5.
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
    print(f"{title}: {r.users} users, {r.workers} worker(s), {r.kills} SIGKILL(s)")
    print(f"  answers acknowledged {r.acknowledged} in {r.seconds:.1f}s = {r.answers_per_second:.0f}/s"
          f" (re-typed after a kill: {r.resent}; updates also handed to a 2nd worker: {r.redelivered})")
    print(f"  acknowledged answers lost: {r.lost}; updates answered twice: {r.answered_twice}")
    print(f"  nudge wave: {r.nudges_sent}/{r.nudges} sent, sent twice: {r.nudges_twice} (replies landing in the"
          f" wave, counted apart: {r.replies_in_wave}),"
          f" most in any 1 s: {r.max_per_second} (limit 30), least gap per chat:"
          f" {'-' if r.min_chat_gap == float('inf') else f'{r.min_chat_gap:.2f}s'} (limit 1 s)")
    for p in r.problems:
        print("  problem:", p)


async def main(users: int) -> int:
    bindir = pgserver.find_bin()
    if bindir is None:
        print("no PostgreSQL server binaries: install postgresql-15", file=sys.stderr)
        return 2
    server = pgserver.PgServer(bindir).start()
    try:
        runs = []
        for name, workers, kill in (("three", 3, True), ("one", 1, False)):
            with tempfile.TemporaryDirectory() as logs:
                report = await multiworker.prove(server.create_db(f"bench_{name}"), Path(logs), users, workers, kill)
            show(f"{workers} worker(s)", report)
            runs.append(report)
        print(f"throughput, 3 workers (one killed and restarted) vs 1: {runs[0].answers_per_second:.0f}/s vs"
              f" {runs[1].answers_per_second:.0f}/s = x{runs[0].answers_per_second / runs[1].answers_per_second:.2f}")
        ok = all(r.lost == 0 and r.answered_twice == 0 and r.nudges_twice == 0 and r.max_per_second <= 30
                 for r in runs)
        return 0 if ok else 1
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    raise SystemExit(asyncio.run(main(parser.parse_args().users)))
