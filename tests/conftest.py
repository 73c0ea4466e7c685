"""Shared fixtures: a core on a temporary database with an injected clock, and answer scripts."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import answers as A
from answers import SKIP
from bot.clock import FakeClock
from bot.core import Core
from bot.storage import Storage
from bot.types import Inbound, Outbound, UserRef

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
