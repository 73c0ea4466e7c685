"""`brandcoach backup` and `brandcoach restore`: a consistent copy of a SQLite database while the bot runs, and
putting one back while it is stopped.

The copy uses SQLite's online backup API (sqlite3's `Connection.backup`) in one step: it reads the database under
one read transaction, so it is the database as of one commit, whatever the bot writes meanwhile (in WAL mode the
bot's writes go on beside the reader; its periodic WAL checkpoint only waits). The copy is written beside the target
under a temporary name, switched to a single self-contained file (journal_mode DELETE), checked with
`PRAGMA integrity_check`, then renamed into place: a backup file is either whole or absent.

A restore takes the database's process lock (bot/dblock.py) so that no bot runs on it meanwhile, checks the file is
a brandcoach database SQLite finds intact (and not from a newer brandcoach), copies it beside the database, and
renames the copy over it (the old database's WAL is checkpointed and removed first: a stale WAL applied to the
restored file would corrupt it). PostgreSQL has its own tools (pg_dump / pg_restore); both commands say so.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass

from bot.backends import is_postgres

EXIT_REFUSED = 2
# Tables every brandcoach database has since its first migrations (a file without them is something else).
CORE_TABLES = frozenset({"users", "flows", "answers"})


class BackupError(Exception):
    """A backup or restore refused or failed: `str(exc)` is one line for the operator (never a password)."""


@dataclass(frozen=True)
class Copied:
    """What a backup or a restore wrote."""

    path: str
    size: int       # bytes
    version: int    # the database's schema version (PRAGMA user_version)
    seconds: float


def _refuse_postgres(command: str, *places: str) -> None:
    if any(is_postgres(p) for p in places if p):
        tool = "pg_dump" if command == "backup" else "pg_restore"
        raise BackupError(f"this copies SQLite databases only; for PostgreSQL use {tool} "
                          "(e.g. pg_dump -Fc -f brandcoach.dump \"$BRANDCOACH_DB\", then pg_restore --clean -d ... "
                          "brandcoach.dump with the bot stopped)")


def latest_version() -> int:
    """The schema version this brandcoach brings a database to (its last migration's number)."""
    from bot.storage import migrations

    return max((number for number, _, _ in migrations()), default=0)


def check(path: str) -> int:
    """Check that `path` is an intact brandcoach SQLite database; returns its schema version. BackupError (saying
    what is wrong) if the file is missing, not SQLite, not brandcoach's, from a newer brandcoach, or damaged."""
    if not os.path.isfile(path):
        raise BackupError(f"{path}: no such file")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be opened as a SQLite database ({exc})") from exc
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        if not CORE_TABLES <= tables or version < 1:
            raise BackupError(f"{path}: not a brandcoach database (no users/flows/answers tables)")
        if version > latest_version():
            raise BackupError(f"{path}: made by a newer brandcoach (schema {version}, this one knows up to "
                              f"{latest_version()}); upgrade brandcoach first")
        problems = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"{path}: PRAGMA integrity_check failed ({len(problems)} problem(s), first: "
                              f"{problems[0][:120]})")
        return version
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a usable SQLite database ({exc})") from exc
    finally:
        con.close()


def _copy(src: sqlite3.Connection, tmp: str) -> None:
    """The whole of `src` into a new private file `tmp`, in one backup step (one read transaction), then made a
    single self-contained file."""
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # personal data: owner only
    os.close(fd)
    dst = sqlite3.connect(tmp)
    try:
        src.backup(dst, pages=-1)  # -1: every page in one step, so one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # no -wal/-shm beside a backup file
        dst.commit()
    finally:
        dst.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _tmp_beside(path: str) -> str:
    return f"{os.path.abspath(path)}.partial-{os.getpid()}"


def _remove(*paths: str) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def backup(db: str, dest: str) -> Copied:
    """Copy the SQLite database `db` (the bot may be running on it) to `dest`, atomically, checked."""
    _refuse_postgres("backup", db, dest)
    if not os.path.isfile(db):
        raise BackupError(f"{db}: no such database file")
    if os.path.isdir(dest):
        raise BackupError(f"{dest} is a folder: give the backup's file name (e.g. {dest}/brandcoach-backup.sqlite3)")
    if not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
        raise BackupError(f"{os.path.dirname(os.path.abspath(dest))}: no such folder")
    if os.path.exists(dest) and os.path.samefile(db, dest):
        raise BackupError("--to is the database itself")
    start = time.monotonic()
    tmp = _tmp_beside(dest)
    _remove(tmp)
    try:
        src = sqlite3.connect(db, timeout=30)  # read-write only so that its close tidies the WAL files it opened
        try:
            _copy(src, tmp)
        finally:
            src.close()
        version = check(tmp)
        os.replace(tmp, dest)
    except sqlite3.Error as exc:
        raise BackupError(f"the backup of {db} failed ({exc})") from exc
    finally:
        _remove(tmp, tmp + "-journal")
    _fsync_dir(dest)
    return Copied(dest, os.path.getsize(dest), version, time.monotonic() - start)


def restore(db: str, src: str) -> Copied:
    """Replace the SQLite database `db` with the backup `src`, with no bot running on it (its lock is taken and
    kept by this process): checked first, then renamed into place in one step."""
    from bot import dblock

    _refuse_postgres("restore", db, src)
    try:
        dblock.acquire(db)
    except dblock.DatabaseBusy as exc:
        raise BackupError(f"{exc}, then restore") from exc
    start = time.monotonic()
    check(src)
    if os.path.exists(db) and os.path.samefile(db, src):
        raise BackupError("--from is the database itself")
    tmp = _tmp_beside(db)
    _remove(tmp)
    try:
        source = sqlite3.connect(f"file:{os.path.abspath(src)}?mode=ro", uri=True)
        try:
            _copy(source, tmp)
        finally:
            source.close()
        version = check(tmp)
        _retire(db)
        os.replace(tmp, db)
    except sqlite3.Error as exc:
        raise BackupError(f"restoring {src} failed ({exc}); {db} is unchanged") from exc
    finally:
        _remove(tmp, tmp + "-journal")
    _fsync_dir(db)
    return Copied(db, os.path.getsize(db), version, time.monotonic() - start)


def _retire(db: str) -> None:
    """Before the rename: fold the old database's WAL into it and remove the WAL and its index, so that no stale
    WAL is ever applied to the restored file (the old file itself is then replaced in one rename)."""
    if os.path.exists(db + "-wal"):
        with contextlib.suppress(sqlite3.Error):
            con = sqlite3.connect(db)
            try:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                con.close()
    _remove(db + "-wal", db + "-shm", db + "-journal")


def run(command: str, db: str, path: str) -> int:
    """The command line's `backup` / `restore`: one line on stdout and 0, or one line on stderr and 2."""
    import sys

    try:
        done = backup(db, path) if command == "backup" else restore(db, path)
    except BackupError as exc:
        print(f"brandcoach {command}: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as exc:  # a folder that does not exist, a file it may not write: one line, never a traceback
        print(f"brandcoach {command}: {exc.strerror or type(exc).__name__}: {exc.filename or path}", file=sys.stderr)
        return EXIT_REFUSED
    what = f"backed up {db} to {done.path}" if command == "backup" else f"restored {path} into {done.path}"
    print(f"{what}: {done.size / 1024:,.0f} KB, schema {done.version}, integrity ok, {done.seconds:.2f} s")
    return 0
