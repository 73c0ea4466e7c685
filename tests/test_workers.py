"""The multi-worker proof, short form: 3 workers on one PostgreSQL database, simulated Telegram users through the
first questions of the questionnaire (webhooks behind a loopback round-robin load balancer, some updates handed to
two workers; multi-choice answers tapped, then Done at once; fast typists), one worker SIGKILLed and restarted
mid-run and again mid-nudge-wave; then long polling with an elected poller, the poller SIGKILLed mid-run
(tests/multiworker.py; the full form, every question and more users, is bench/workers.py). Skipped only where no
PostgreSQL server can be had (the pg_server fixture says so)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import multiworker

USERS, STEPS = 16, 8  # the first 8 questions: two multi-choice (tick+Done), two text ones typed back to back


def check(report: multiworker.Report, users: int, steps: int) -> None:
    assert report.kills >= 1, report
    assert report.acknowledged >= users * steps - report.resent, report
    assert report.lost == 0, report
    assert report.answered_twice == 0, report
    assert report.dropped == 0, report
    assert report.pairs > 0 and report.done_before_tick == 0, report
    assert report.typist_pairs > 0, report
    assert report.unanswered == 0, report
    assert report.max_sends_per_second <= 30, report
    assert report.max_chat_in_3s <= 3, report


async def test_three_workers_one_killed_keep_every_guarantee(pg_server: Any, tmp_path: Path) -> None:
    db = pg_server.create_db("workers_proof")
    report = await multiworker.prove(db, tmp_path, users=USERS, workers=3, kill=True, steps=STEPS, timeout=5.0)
    check(report, USERS, STEPS)
    assert report.kills == 2, report
    assert report.redelivered > 0, report  # some updates did reach two workers
    assert report.nudges == USERS * len(multiworker.WAVE_KINDS) and report.nudges_sent > 0, report
    assert report.nudges_twice == 0, report
    assert report.max_per_second <= 30, report
    assert report.min_chat_gap >= 1.0, report


async def test_long_polling_with_an_elected_poller_keeps_them_too(pg_server: Any, tmp_path: Path) -> None:
    db = pg_server.create_db("workers_polling")
    report = await multiworker.prove(db, tmp_path, users=8, workers=3, kill=True, steps=STEPS, timeout=5.0,
                                     polling=True, wave=False)
    check(report, 8, STEPS)
