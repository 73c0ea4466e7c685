"""One process per database: an exclusive lock file next to it, held for the process's life.

The rate limits of every send (core.limiter, bot/ratelimit.py: each platform's messages a second per bot, per-chat
and per-group limits) are kept in memory by one process; two `brandcoach run` on one database would
each keep their own and together exceed them. So a second
process on the same database is refused at start-up instead (exit code 2, one line on stderr). The lock is
fcntl.flock on `<db>.lock`: the kernel drops it when the process exits, however it exits (no stale lock).
"""
from __future__ import annotations

import fcntl
import os
import sys
from typing import IO

EXIT_LOCKED = 2
_held: dict[str, IO[str]] = {}


class DatabaseBusy(Exception):
    """Another process holds the database."""


def lock_path(db_path: str) -> str:
    return os.path.abspath(db_path) + ".lock"


def acquire(db_path: str) -> None:
    """Take the database's lock for this process (idempotent); DatabaseBusy if another process holds it."""
    if db_path == ":memory:":
        return
    path = lock_path(db_path)
    if path in _held:
        return
    fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the process's life
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        fh.seek(0)
        holder = fh.read().strip()
        fh.close()
        raise DatabaseBusy(f"{db_path} is in use by another brandcoach process"
                           f"{f' (pid {holder})' if holder else ''}; stop it first") from exc
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    _held[path] = fh


def hold_or_exit(db_path: str) -> None:
    """For the command line: take the lock, or print one line and exit with code 2."""
    try:
        acquire(db_path)
    except DatabaseBusy as exc:
        print(f"brandcoach: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_LOCKED) from None
