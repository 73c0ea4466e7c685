"""The multi-worker proof, short form: 3 workers on one PostgreSQL database, simulated Telegram users through the
whole questionnaire (webhooks behind a loopback load balancer, some updates handed to two workers), one worker
SIGKILLed and restarted mid-run and again mid-nudge-wave (tests/multiworker.py; the full form is bench/workers.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import multiworker


async def test_three_workers_one_killed_keep_every_guarantee(pg_server: Any, tmp_path: Path) -> None:
    db = pg_server.create_db("workers_proof")
    report = await multiworker.prove(db, tmp_path, users=30, workers=3, kill=True)
    assert report.kills == 2
    assert report.acknowledged >= 30 * len(multiworker.TYPED) - report.resent
    assert report.lost == 0, report.problems
    assert report.redelivered > 0  # some updates did reach two workers
    assert report.answered_twice == 0
    assert report.nudges == 30 and report.nudges_sent > 0
    assert report.nudges_twice == 0
    assert report.max_per_second <= 30
    assert report.min_chat_gap >= 1.0
