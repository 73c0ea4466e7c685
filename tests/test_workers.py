"""The multi-worker proof, short form: 3 workers on one PostgreSQL database, simulated Telegram users through the
first questions of the questionnaire (webhooks behind a loopback load balancer, some updates handed to two
workers), one worker SIGKILLed and restarted mid-run and again mid-nudge-wave (tests/multiworker.py; the full
form, every question and 1,000 users, is bench/workers.py). Skipped only where no PostgreSQL server can be had
(the pg_server fixture says so)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import multiworker

USERS, STEPS = 20, 10


async def test_three_workers_one_killed_keep_every_guarantee(pg_server: Any, tmp_path: Path) -> None:
    db = pg_server.create_db("workers_proof")
    report = await multiworker.prove(db, tmp_path, users=USERS, workers=3, kill=True, steps=STEPS, timeout=5.0)
    assert report.kills == 2, report
    assert report.acknowledged >= USERS * STEPS - report.resent, report
    assert report.lost == 0, report
    assert report.redelivered > 0, report  # some updates did reach two workers
    assert report.answered_twice == 0, report
    assert report.nudges == USERS * len(multiworker.WAVE_KINDS) and report.nudges_sent > 0, report
    assert report.nudges_twice == 0, report
    assert report.max_per_second <= 30, report
    assert report.min_chat_gap >= 1.0, report
