"""`brandcoach backup` while users answer, and `brandcoach restore` with the bot stopped (issue 25, item 4)."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import answers as A
from bot import backup
from bot.core import Core
from bot.types import Inbound, Outbound, UserRef

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # a guard against a hang, not a timing assertion


def _rows(path: str) -> dict[tuple[str, str], Any]:
    """(platform user id, step) -> stored answer, read with plain sqlite3."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT u.platform_user_id, a.step, a.value FROM answers a JOIN users u ON u.id = a.user_id")
        return {(uid, step): json.loads(value) for uid, step, value in rows}
    finally:
        con.close()


def await_sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


def _cli(*args: str, cwd: Path, stdin: Any = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BRANDCOACH_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True, text=True,
                          stdin=stdin, timeout=TIMEOUT)


async def test_a_backup_taken_while_100_users_answer_holds_every_acknowledged_answer(
        core: Core, db_path: str, tmp_path: Path) -> None:
    users = [UserRef("load", str(i), f"u{i}") for i in range(100)]
    handled = 0
    midway = len(users) * len(A.script()) // 2  # about half of every answer the users will give
    acknowledged: dict[tuple[str, str], Any] = {}
    dest = str(tmp_path / "backup.sqlite3")
    taken: list[backup.Copied] = []
    plain = core.handle

    async def handle(inbound: Inbound, *args: Any, **kwargs: Any) -> list[Outbound]:
        nonlocal handled
        out = await plain(inbound, *args, **kwargs)
        handled += 1
        if handled == midway:  # what is stored (committed: the cache follows the commits) before the copy begins
            for u in users:
                found = await core.storage.find_user(u.platform, u.user_id)
                if found is not None:
                    acknowledged.update({(u.user_id, step): value
                                         for step, value in (await core.storage.answers(found.id)).items()})
            taken.append(await asyncio.to_thread(backup.backup, db_path, dest))  # the others keep answering
        return out

    core.handle = handle  # type: ignore[method-assign]
    await asyncio.gather(*(A.walk(core, u) for u in users))
    await core.stop()
    final = _rows(db_path)
    assert taken and taken[0].path == dest
    assert acknowledged and len(acknowledged) < len(final)

    restored = str(tmp_path / "restored.sqlite3")
    done = backup.restore(restored, dest)
    assert backup.check(restored) == done.version  # PRAGMA integrity_check: ok
    in_backup = _rows(restored)
    missing = {key for key in acknowledged if in_backup.get(key) != acknowledged[key]}
    assert not missing, sorted(missing)[:5]
    assert len(in_backup) < len(final)  # taken in the middle ...
    assert all(final.get(key) == value for key, value in in_backup.items())  # ... and nothing that never was


async def test_restore_replaces_a_crashed_database_and_its_stale_wal(core: Core, db_path: str, tmp_path: Path) -> None:
    """A database left by a crash (its WAL still holding commits) is replaced whole: its WAL is not applied to the
    restored file."""
    await A.walk(core, UserRef("load", "1", "one"))
    await core.stop()
    dest = str(tmp_path / "b.sqlite3")
    backup.backup(db_path, dest)
    crashed = str(tmp_path / "crashed.sqlite3")
    shutil.copy(db_path, crashed)
    con = sqlite3.connect(crashed)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("UPDATE answers SET value = '\"from the crashed WAL\"'")
    con.commit()
    shutil.copy(crashed, crashed + ".img")
    shutil.copy(crashed + "-wal", crashed + "-wal.img")
    con.close()
    os.replace(crashed + ".img", crashed)
    os.replace(crashed + "-wal.img", crashed + "-wal")
    assert "from the crashed WAL" in _rows(crashed).values()
    backup.restore(crashed, dest)
    assert not os.path.exists(crashed + "-wal")
    assert _rows(crashed) == _rows(db_path)
    backup.check(crashed)


def test_restore_refuses_while_the_bot_holds_the_database(tmp_path: Path) -> None:
    db = tmp_path / "live.sqlite3"
    setup = _cli("chat", "--db", str(db), cwd=tmp_path)  # creates the database, then ends (no input)
    assert setup.returncode == 0, setup.stderr
    assert _cli("backup", "--db", str(db), "--to", str(tmp_path / "b.sqlite3"), cwd=tmp_path).returncode == 0
    before = db.read_bytes()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BRANDCOACH_"))}
    env["PYTHONPATH"] = str(ROOT)
    bot = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--db", str(db)], env=env, cwd=tmp_path,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lock = Path(str(db) + ".lock")
        for _ in range(2000):  # bounded wait until the bot has taken the lock (it writes its pid after taking it)
            if lock.read_text(encoding="utf-8").strip() == str(bot.pid):
                break
            await_sleep(0.01)
        refused = _cli("restore", "--db", str(db), "--from", str(tmp_path / "b.sqlite3"), cwd=tmp_path)
        live = _cli("backup", "--db", str(db), "--to", str(tmp_path / "copy.sqlite3"), cwd=tmp_path)
    finally:
        bot.communicate("", timeout=TIMEOUT)
    assert refused.returncode == backup.EXIT_REFUSED
    assert f"is in use by another brandcoach process (pid {bot.pid})" in refused.stderr
    assert "then restore" in refused.stderr and "Traceback" not in refused.stderr
    assert db.read_bytes()[:100] == before[:100]
    assert live.returncode == 0 and "integrity ok" in live.stdout, live.stderr  # a backup needs no bot stopped
    again = _cli("restore", "--db", str(db), "--from", str(tmp_path / "b.sqlite3"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # stopped: restored
    assert "integrity ok" in again.stdout


@pytest.mark.parametrize("command,option", [("backup", "--to"), ("restore", "--from")])
def test_both_refuse_postgresql_and_name_its_tools(tmp_path: Path, command: str, option: str) -> None:
    url = "postgresql://coach:s3cret-pw@db.example/brandcoach"
    out = _cli(command, "--db", url, option, str(tmp_path / "x.sqlite3"), cwd=tmp_path)
    assert out.returncode == backup.EXIT_REFUSED
    assert ("pg_dump" if command == "backup" else "pg_restore") in out.stderr
    assert "s3cret-pw" not in out.stderr + out.stdout and out.stderr.count("\n") == 1
    with pytest.raises(backup.BackupError, match="PostgreSQL"):
        (backup.backup if command == "backup" else backup.restore)(str(tmp_path / "a.sqlite3"), url)


async def test_restore_refuses_what_is_not_an_intact_brandcoach_database(core: Core, db_path: str,
                                                                         tmp_path: Path) -> None:
    await core.handle(Inbound(UserRef("load", "1", "one"), "command", command="start"))
    await core.stop()
    good = str(tmp_path / "good.sqlite3")
    backup.backup(db_path, good)
    before = Path(db_path).read_bytes()
    other = str(tmp_path / "other.sqlite3")
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    damaged = str(tmp_path / "damaged.sqlite3")
    data = bytearray(Path(good).read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for at in range(2 * page, len(data), page):  # scribble over every page after the schema's
        data[at + 8:at + 40] = b"\xff" * 32
    Path(damaged).write_bytes(bytes(data))
    newer = str(tmp_path / "newer.sqlite3")
    shutil.copy(good, newer)
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version = {backup.latest_version() + 1}")
    con.close()
    for path, said in ((str(tmp_path / "nothing.sqlite3"), "no such file"), (other, "not a brandcoach database"),
                       (damaged, "integrity_check failed|not a usable SQLite"), (newer, "newer brandcoach")):
        with pytest.raises(backup.BackupError, match=said):
            backup.restore(db_path, path)
        assert Path(db_path).read_bytes() == before  # untouched


def test_a_folder_that_does_not_exist_is_one_line_not_a_traceback(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-folder"
    assert backup.run("restore", str(missing / "x.sqlite3"), str(tmp_path / "b.sqlite3")) == backup.EXIT_REFUSED
    assert backup.run("backup", str(tmp_path / "a.sqlite3"), str(missing / "b.sqlite3")) == backup.EXIT_REFUSED
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith(("brandcoach restore: ", "brandcoach backup: ")) for line in err)
    assert "no-such-folder" in err[0], err
