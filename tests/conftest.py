"""Shared fixtures: a core on a temporary database with an injected clock, and answer scripts."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

import answers as A
from answers import SKIP
from bot.clock import FakeClock
from bot.core import Core
from bot.backends import open_storage
from bot.types import Inbound, Outbound, UserRef

ROOT = Path(__file__).resolve().parent.parent


def fresh_python(code: str, cwd: Path) -> list[str]:
    """The lines `code` prints when run by a fresh interpreter on this checkout (what it imports, nothing else of
    the test process has); the test fails if it exits with an error."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


# Two users' answers to the questions the tests look at; every other step gets a generated valid answer
# (tests/answers.py), so adding or removing a question in content/ does not break the scripts.
PERSONA_ID: dict[str, Any] = {
    "name": "Sari Musik",
    "role": "artist",
    "platforms_now": ["instagram", "tiktok"],
    "team": "team",
    "team_replier": "Dina, manajer media sosialku",
    "purposes": ["engage", "explain"],
    "vision": "Musisi indie yang menemani perjalanan anak muda",
    "mission": "Merilis satu lagu tiap bulan dan manggung di kota kecil",
    "goal_5y": "Punya 100 ribu pendengar bulanan",
    "goal_10y": "Tur keliling Asia Tenggara",
    "segments": ["mahasiswa", "pekerja muda", "komunitas musik"],
    "priority_segment": "mahasiswa",
    "competitors": "Band indie lain di Bandung, aku lebih akustik",
    "needs": "Lagu yang jujur dan cerita di balik lagunya",
    "focus_platforms": ["instagram", "tiktok"],
    "pillars": ["proses kreatif lagu", "kehidupan sehari-hari", "kolaborasi"],
    "formats": ["short_video", "photo"],
    "cadence": "3",
    "creative_angle": "Cerita lagu lewat sketsa tangan",
    "quality": "Audio jernih, teks dicek dulu",
    "daily_minutes": "30",
    "response_time": "3",
    "offline": "Manggung akustik di kafe tiap bulan",
    "criticism": "calm",
    "controversy": "never",
    "get_noticed": SKIP,
}

PERSONA_EN: dict[str, Any] = {
    "name": "Alex Rivera",
    "role": "professional",
    "platforms_now": ["linkedin"],
    "team": "alone",
    "purposes": ["exist", "engage"],
    "vision": "The go-to data coach for small businesses",
    "mission": "Teach one practical data trick every week",
    "goal_5y": "Run workshops for 500 small businesses",
    "goal_10y": SKIP,
    "segments": ["small business owners", "freelancers"],
    "priority_segment": "small business owners",
    "competitors": SKIP,
    "needs": "Simple, cheap ways to use their own sales data",
    "focus_platforms": ["linkedin", "threads"],
    "pillars": ["data tips", "case studies", "tool reviews"],
    "formats": ["photo", "text"],
    "cadence": "5",
    "creative_angle": "Plain words, no jargon, real numbers",
    "quality": "Every chart sourced and readable on a phone",
    "daily_minutes": "15",
    "response_time": "24",
    "offline": "Monthly meetups at the local chamber of commerce",
    "criticism": "calm",
    "controversy": "never",
    "get_noticed": "Guest posts and podcasts",
}

# Console lines that complete the questionnaire and confirm the summary (numbers answer the numbered choices).
ANSWERS_ID = A.lines(PERSONA_ID, "id")
ANSWERS_EN = A.lines(PERSONA_EN, "en")


@pytest.fixture(autouse=True)
def exact_nudge_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nudges at their exact times in tests (no per-user jitter); tests/test_nudge_jitter.py turns it back on."""
    from handlers.reminders import schedule

    monkeypatch.setattr(schedule, "JITTER_MAX", 0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# A test module that sets BACKENDS = ("sqlite", "postgresql") runs each test using `db_path` (or `core`) on both:
# SQLite in a temporary file, PostgreSQL in a fresh database of a throwaway server started once per session.
_pg: dict[str, Any] = {}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", getattr(metafunc.module, "BACKENDS", ("sqlite",)), indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A PostgreSQL server for the session (skips the PostgreSQL runs where no server binaries exist)."""
    import pgserver

    bindir = pgserver.find_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (install postgresql-15, or run .ci/run which installs them)")
    server = pgserver.PgServer(bindir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def db_path(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> str:
    """The database of one test: a SQLite file, or (backend postgresql) the URL of a new PostgreSQL database."""
    if backend == "postgresql":
        server = request.getfixturevalue("pg_server")
        _pg["n"] = _pg.get("n", 0) + 1
        return str(server.create_db(f"t{os.getpid()}_{_pg['n']}"))
    return str(tmp_path / "brandcoach.sqlite3")


@pytest.fixture
async def core(db_path: str, clock: FakeClock) -> AsyncIterator[Core]:
    c = Core(open_storage(db_path, clock=clock), clock=clock)
    await c.start()
    try:
        yield c
    finally:
        await c.stop()


async def table_names(storage: Any) -> list[str]:
    """Every table of the test's database, on either backend."""
    sql = ("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
           if storage.dialect == "postgresql" else "SELECT name FROM sqlite_master WHERE type = 'table'")
    return [r[0] for r in await storage.fetch_all(sql)]


class RecordingAdapter:
    """A fake platform: records what the core sends unprompted; can be told to fail."""

    def __init__(self, platform: str = "fake") -> None:
        self.platform = platform
        self.sent: list[tuple[str, list[Outbound]]] = []
        self.fail: Exception | None = None

    async def connect(self) -> None:
        return None

    async def listen(self) -> None:
        return None

    async def send(self, user_id: str, messages: list[Outbound]) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append((user_id, list(messages)))

    async def disconnect(self) -> None:
        return None


@pytest.fixture
def recorder() -> RecordingAdapter:
    return RecordingAdapter()


def inbound_text(user: UserRef, text: str, locale: str | None = None) -> Inbound:
    return Inbound(user, "text", text=text, locale=locale)


@pytest.fixture
async def harness(core: Core) -> AsyncIterator[Any]:
    """A Discord adapter on the test core, prepared offline (no login), driven by raw payloads (discord_fakes)."""
    from discord_fakes import GUILD_ID, Harness

    from bot.adapters.discord import DiscordAdapter
    from bot.config import Config

    adapter = DiscordAdapter(core, Config(discord_guild_id=GUILD_ID))
    core.add_adapter(adapter)
    h = await Harness.create(adapter)
    try:
        yield h
    finally:
        await adapter.disconnect()


@pytest.fixture
async def tg() -> AsyncIterator[Any]:
    """A strict local fake Bot API on 127.0.0.1 (tests/fake_telegram.py), started and stopped around the test."""
    from fake_telegram import FakeTelegram

    server = FakeTelegram()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
