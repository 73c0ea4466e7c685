"""/delete and /reset leave no bytes of the user's answers on disk (database, -wal, -shm, files written for them)."""
from __future__ import annotations

import asyncio
import io
import stat
from pathlib import Path

from conftest import ANSWERS_ID
from test_crash import Bot

from bot.adapters.console import ConsoleAdapter, user_prefix
from bot.clock import FakeClock
from bot.core import Core
from bot.storage import Storage

NAME = "Zqxw Penanda Nama Unik"
VISION = "Visi Qwvj rahasia tentang musik pagi"
# The name and vision answers replaced by texts found nowhere else, then up to the vision question.
LINES = [NAME, *ANSWERS_ID[1:6], VISION]


def traces(db: str, *texts: str) -> dict[str, list[str]]:
    """Which of the texts appear in the raw bytes of the database and its -wal and -shm files."""
    found: dict[str, list[str]] = {}
    for suffix in ("", "-wal", "-shm"):
        path = Path(db + suffix)
        if path.exists():
            raw = path.read_bytes()
            hits = [t for t in texts if t.encode() in raw]
            if hits:
                found[path.name] = hits
    return found


async def chat(core: Core, lines: list[str], files: Path, user: str = "local") -> str:
    out = io.StringIO()
    console = ConsoleAdapter(core, user_id=user, stdin=io.StringIO("".join(line + "\n" for line in lines)),
                             stdout=out, files_dir=str(files))
    core.add_adapter(console)
    await console.listen()
    return out.getvalue()


async def test_delete_scrubs_the_database_and_its_wal(tmp_path: Path) -> None:
    db = str(tmp_path / "d.sqlite3")
    clock = FakeClock()
    core = Core(Storage(db, clock=clock), clock=clock)
    await core.start()
    try:
        await chat(core, LINES, tmp_path / "files")
        assert traces(db, NAME, VISION)  # the scan does see the answers while they are stored
        out = await chat(core, ["/delete", "1"], tmp_path / "files")
        assert "Semua datamu sudah dihapus" in out
        assert traces(db, NAME, VISION) == {}  # the connection is still open: nothing in the WAL either
    finally:
        await core.stop()
    assert traces(db, NAME, VISION) == {}


async def test_reset_scrubs_the_answers(tmp_path: Path) -> None:
    db = str(tmp_path / "r.sqlite3")
    clock = FakeClock()
    core = Core(Storage(db, clock=clock), clock=clock)
    await core.start()
    try:
        await chat(core, LINES, tmp_path / "files")
        assert traces(db, VISION)
        out = await chat(core, ["/reset", "1"], tmp_path / "files")
        assert "Jawabanmu sudah dihapus" in out
        assert traces(db, NAME, VISION) == {}
    finally:
        await core.stop()


def test_delete_then_sigkill_leaves_nothing_on_disk(tmp_path: Path) -> None:
    db = str(tmp_path / "k.sqlite3")
    bot = Bot(db, tmp_path)
    try:
        assert bot.wait_for(r"Langkah 1/")
        for line in LINES:
            mark = bot.send(line)
            assert bot.wait_for(r"Langkah \d+/", mark), bot.out[mark:]
        assert traces(db, NAME, VISION)  # committed (in the WAL or the main file) before the delete
        assert bot.wait_for("Yakin mau menghapus", bot.send("/delete"))
        assert bot.wait_for("Semua datamu sudah dihapus", bot.send("1"))  # acknowledged: now crash
    finally:
        bot.kill()
    assert Path(db + "-wal").exists()  # the crash left the WAL behind, as it was
    assert traces(db, NAME, VISION) == {}

    async def reopen() -> None:
        storage = Storage(db)
        await storage.open()
        try:
            assert await storage.find_user("console", "local") is None
            assert traces(db, NAME, VISION) == {}
        finally:
            await storage.close()

    asyncio.run(reopen())
    assert traces(db, NAME, VISION) == {}


async def test_console_files_are_private_per_user_and_removed_by_delete(tmp_path: Path) -> None:
    db = tmp_path / "data" / "f.sqlite3"
    db.parent.mkdir()
    clock = FakeClock()
    core = Core(Storage(str(db), clock=clock), clock=clock)
    await core.start()
    try:
        for user in ("sari", "budi/../x"):
            console = ConsoleAdapter(core, user_id=user, stdin=io.StringIO("/export\n"), stdout=io.StringIO(),
                                     auto_start=False)
            core.add_adapter(console)
            await console.listen()
        folder = db.parent / "brandcoach-files"  # next to the database, not the current directory
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        names = sorted(p.name for p in folder.iterdir())
        assert len(names) == 2 and "brandcoach-sari-brandcoach-data.json" in names
        other = next(n for n in names if n != "brandcoach-sari-brandcoach-data.json")
        assert other.startswith(user_prefix("budi/../x")) and "/" not in other and ".." not in other
        for name in names:
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
        assert b"sari" in (folder / "brandcoach-sari-brandcoach-data.json").read_bytes()
        sari = ConsoleAdapter(core, user_id="sari", stdin=io.StringIO("/delete\n1\n"), stdout=io.StringIO(),
                              auto_start=False)
        core.add_adapter(sari)
        await sari.listen()
        assert sorted(p.name for p in folder.iterdir()) == [other]  # sari's gone, the other user's kept
    finally:
        await core.stop()


def test_user_prefixes_never_overlap() -> None:
    ids = ["a", "a_b", "a-b", "a.b", "A", "ab", "a_b_x", ""]
    prefixes = [user_prefix(i) for i in ids]
    assert len(set(prefixes)) == len(ids)
    for p in prefixes:
        assert "/" not in p and all(not q.startswith(p) for q in prefixes if q != p)


async def test_delete_and_reset_forget_the_plan_held_for_the_pictures(tmp_path: Path) -> None:
    """The plan just sent is held in memory for its pictures (handlers/plan JustSent): /delete and /reset drop it
    at once, not after 16 more plans."""
    from handlers.plan import JUST_SENT

    db = str(tmp_path / "p.sqlite3")
    clock = FakeClock()
    core = Core(Storage(db, clock=clock), clock=clock)
    await core.start()
    try:
        for command in ("/reset", "/delete"):
            await chat(core, ["/start"], tmp_path / "files")
            user = await core.storage.find_user(ConsoleAdapter.platform, "local")
            assert user is not None
            JUST_SENT.keep(user.id, {"name": "Sari"}, "id", "Rencana", [])
            assert user.id in JUST_SENT._items
            await chat(core, [command, "1"], tmp_path / "files")
            assert user.id not in JUST_SENT._items, command
    finally:
        await core.stop()
