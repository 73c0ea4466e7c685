"""Shared fixtures: a core on a temporary database with an injected clock, and answer scripts."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.core import Core
from bot.storage import Storage
from bot.types import Inbound, Outbound, UserRef

# Console lines that complete the questionnaire (numbers answer the numbered choices).
ANSWERS_ID = [
    "Sari Musik",                                  # name
    "2",                                           # role: artist
    "1,2",                                         # platforms now: Instagram, TikTok
    "2",                                           # team
    "Dina, manajer media sosialku",                # team replier
    "3,4",                                         # purposes: engage, explain
    "Musisi indie yang menemani perjalanan anak muda",
    "Merilis satu lagu tiap bulan dan manggung di kota kecil",
    "Punya 100 ribu pendengar bulanan",
    "Tur keliling Asia Tenggara",
    "mahasiswa, pekerja muda, komunitas musik",
    "1",                                           # priority segment: mahasiswa
    "Band indie lain di Bandung, aku lebih akustik",
    "Lagu yang jujur dan cerita di balik lagunya",
    "1,2",                                         # focus: Instagram, TikTok
    "proses kreatif, kehidupan sehari-hari, kolaborasi",
    "1,3",                                         # formats
    "3",                                           # cadence 3x/week
    "Cerita lagu lewat sketsa tangan",
    "Audio jernih, teks dicek dulu",
    "2",                                           # 30 minutes
    "2",                                           # 3 hours
    "Manggung akustik di kafe tiap bulan",
    "1",                                           # criticism calm
    "1",                                           # controversy never
    "/skip",                                       # get noticed (optional)
    "1",                                           # confirm summary
]

ANSWERS_EN = [
    "Alex Rivera",
    "6",                                           # professional
    "6",                                           # LinkedIn
    "1",                                           # alone
    "1,3",                                         # exist, engage
    "The go-to data coach for small businesses",
    "Teach one practical data trick every week",
    "Run workshops for 500 small businesses",
    "/skip",                                       # 10-year goal
    "small business owners; freelancers",
    "1",
    "/skip",                                       # competitors
    "Simple, cheap ways to use their own sales data",
    "6,7",                                         # LinkedIn, Threads
    "data tips; case studies; tool reviews",
    "3,5",                                         # photo, text
    "2",                                           # 5x a week
    "Plain words, no jargon, real numbers",
    "Every chart sourced and readable on a phone",
    "1",                                           # 15 minutes
    "4",                                           # 24 hours
    "Monthly meetups at the local chamber of commerce",
    "1",
    "1",
    "Guest posts and podcasts",
    "1",
]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "brandcoach.sqlite3")


@pytest.fixture
async def core(db_path: str, clock: FakeClock) -> AsyncIterator[Core]:
    c = Core(Storage(db_path, clock=clock), clock=clock)
    await c.start()
    try:
        yield c
    finally:
        await c.stop()


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
