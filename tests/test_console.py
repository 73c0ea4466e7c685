"""The whole questionnaire through the console adapter, in-process and as a piped subprocess."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.clock import FakeClock
from bot.core import Core
from bot.storage import Storage
import answers as A
from conftest import ANSWERS_EN, ANSWERS_ID, PERSONA_EN, PERSONA_ID

ROOT = Path(__file__).resolve().parent.parent
PLAN_ID = A.plan_answers(PERSONA_ID, "id")
PLAN_EN = A.plan_answers(PERSONA_EN, "en")


def typed_through(step_id: str, persona: dict[str, Any], lang: str = "id") -> int:
    """How many typed lines answer every step up to and including `step_id`."""
    return [s.id for s, _ in A.script(persona, lang)].index(step_id) + 1


async def chat(core: Core, lines: list[str], tmp_path: Path, user: str = "local", locale: str | None = None) -> str:
    out = io.StringIO()
    console = ConsoleAdapter(core, user_id=user, stdin=io.StringIO("".join(line + "\n" for line in lines)), stdout=out,
                             files_dir=str(tmp_path), locale=locale)
    await console.listen()
    return out.getvalue()


async def test_whole_questionnaire_in_indonesian(core: Core, tmp_path: Path) -> None:
    out = await chat(core, ANSWERS_ID, tmp_path)
    before, after = A.total({}), A.total(PLAN_ID)
    assert after == before + 1  # "with a team" adds the team-replier question
    assert f"Langkah 1/{before}" in out
    assert f"Langkah {A.position(PLAN_ID, 'team_replier')}/{after}" in out
    assert f"Langkah {after}/{after}" in out
    assert "Rencana Personal Branding: Sari Musik" in out
    assert "Audiens prioritas: mahasiswa" in out
    # purpose "explain" -> video recommendation; team -> named replier; 3h target -> a reply routine
    assert "YouTube" in out and "Dina, manajer media sosialku" in out
    assert "5 kali sehari" in out
    user = await core.storage.find_user("console", "local")
    assert user is not None and user.language == "id"
    answers = await core.storage.answers(user.id)
    assert answers["role"] == "artist"
    assert answers["platforms_now"] == ["instagram", "tiktok"]
    assert answers["segments"] == ["mahasiswa", "pekerja muda", "komunitas musik"]
    assert answers["priority_segment"] == "mahasiswa"
    assert answers["get_noticed"] is None  # skipped
    assert (await core.storage.get_flow(user.id)).status == "done"  # type: ignore[union-attr]
    md = (tmp_path / "brandcoach-local-rencana-personal-branding.md").read_text(encoding="utf-8")
    assert md.startswith("# Rencana Personal Branding: Sari Musik")
    assert "## Peta pemangku kepentingan" in md


async def test_whole_questionnaire_in_english(core: Core, tmp_path: Path) -> None:
    out = await chat(core, ANSWERS_EN, tmp_path, user="alex", locale="en-US")
    n = A.total(PLAN_EN)
    assert n == A.total({}) and f"Step 1/{n}" in out and f"Step {n}/{n}" in out
    assert "Personal Branding Plan: Alex Rivera" in out
    # 15 minutes a day for two platforms -> focus on one platform
    assert "Focus platform: LinkedIn. With 15 minutes a day, start with one platform" in out
    assert "Reply routine: once a day, around 19:00" in out
    assert "Batch your content" in out and "How you will get noticed: Guest posts and podcasts" in out
    md = (tmp_path / "brandcoach-alex-personal-branding-plan.md").read_text(encoding="utf-8")
    assert "## Content pillars" in md and "data tips" in md
    user = await core.storage.find_user("console", "alex")
    answers = await core.storage.answers(user.id)  # type: ignore[union-attr]
    assert answers["pillars"] == ["data tips", "case studies", "tool reviews"]
    assert answers["goal_10y"] is None and answers["cadence"] == "5"
    assert "team_replier" not in answers


def test_subprocess_piped_reaches_the_plan(tmp_path: Path) -> None:
    env = {**os.environ, "BRANDCOACH_DB": str(tmp_path / "pipe.sqlite3"), "PYTHONPATH": str(ROOT)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("DISCORD_BOT_TOKEN", None)
    proc = subprocess.run([sys.executable, "-m", "bot"], input="".join(line + "\n" for line in ANSWERS_ID),
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Rencana Personal Branding: Sari Musik" in proc.stdout
    assert (tmp_path / "brandcoach-files" / "brandcoach-local-rencana-personal-branding.md").exists()
    assert "Traceback" not in proc.stderr
    # The plan's card and PDF are written before piped input ends the chat (they were lost), and shown before the
    # question the plan's turn ends with, never inside its numbered menu.
    files = sorted(p.suffix for p in (tmp_path / "brandcoach-files").iterdir())
    assert ".pdf" in files and ".png" in files
    out = proc.stdout
    plan_file = out.index(".md\n")
    pictures = max(out.index(".png\n"), out.index(".pdf\n"))
    assert "  1. " not in out[plan_file:pictures]
    assert "  1. " in out[pictures:]


def test_restart_mid_questionnaire_resumes_at_the_same_step(tmp_path: Path) -> None:
    db = str(tmp_path / "restart.sqlite3")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cut = typed_through("vision", PERSONA_ID)
    first = ANSWERS_ID[:cut]   # up to and including the vision
    rest = ANSWERS_ID[cut:]
    total = A.total(PLAN_ID)
    mission, after = A.position(PLAN_ID, "mission"), A.position(PLAN_ID, "mission") + 1
    run = lambda lines: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "bot", "chat", "--db", db], input="".join(line + "\n" for line in lines),
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    p1 = run(first)
    assert p1.returncode == 0, p1.stderr
    assert f"Langkah {mission}/{total}" in p1.stdout  # the mission question was shown last
    p2 = run(rest)
    assert p2.returncode == 0, p2.stderr
    head = p2.stdout.split("Langkah", 2)
    assert p2.stdout.index(f"Langkah {mission}/{total}") < p2.stdout.index(f"Langkah {after}/{total}")
    assert "Selamat datang kembali" in head[0]
    assert "Rencana Personal Branding: Sari Musik" in p2.stdout


async def test_answers_survive_a_new_core_on_the_same_database(db_path: str, tmp_path: Path) -> None:
    clock = FakeClock()
    c1 = Core(Storage(db_path, clock=clock), clock=clock)
    await c1.start()
    await chat(c1, ANSWERS_ID[:typed_through("goal_10y", PERSONA_ID)], tmp_path)
    await c1.stop()
    c2 = Core(Storage(db_path, clock=clock), clock=clock)
    await c2.start()
    try:
        user = await c2.storage.find_user("console", "local")
        answers = await c2.storage.answers(user.id)  # type: ignore[union-attr]
        assert answers["vision"].startswith("Musisi indie") and answers["goal_10y"] == "Tur keliling Asia Tenggara"
        flow = await c2.storage.get_flow(user.id)  # type: ignore[union-attr]
        expected = A.S.next_step(PLAN_ID, "goal_10y")
        assert expected is not None and flow is not None and flow.step == expected.id
    finally:
        await c2.stop()


@pytest.mark.parametrize("line", ["", "   ", "\t"])
async def test_empty_lines_are_reasked(core: Core, tmp_path: Path, line: str) -> None:
    out = await chat(core, [line], tmp_path)
    assert "Jawabannya masih kosong" in out
    assert out.count("Langkah 1/") == 2
