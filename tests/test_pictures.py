"""The plan card, the plan PDF and the progress chart: drawn within their canvas for short and long answers in both
languages, sent by /plan, /card and /progress, written by `brandcoach render`; --help loads no imaging library."""
from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import answers as A
from bot.core import Core
from bot.i18n import Catalog
from bot.types import Inbound, Outbound, UserRef
from conftest import PERSONA_EN, PERSONA_ID, fresh_python
from handlers.pictures import card_file, chart_file
from handlers.pictures.card import HEIGHT, WIDTH, card_facts, render_card
from handlers.pictures.chart import chart_weeks, render_chart, weeks_back
from handlers.pictures.fonts import safe
from handlers.pictures.layout import Picture
from handlers.pictures.pdf import MAX_PAGES, render_pdf_pages
from handlers.plan import Section, build_plan
from handlers.reminders import schedule as S
from handlers.reminders.store import NudgeStore

ROOT = Path(__file__).resolve().parent.parent
CATALOG = Catalog()
RTL_NAME = "Dr. Muhammad Abdurrahman Wahyudi Kusumaningrat 🌸 محمد عبد الرحمن שלום"
PILLAR_40 = ["Keuangan pribadi untuk pekerja muda kota", "Cerita jujur 🔥 di balik layar usaha kecil",
             "Wawancara singkat dengan pelaku UMKM kita", "Tips produktivitas harian tanpa burnout!",
             "W" * 40]


def tr(lang: str) -> Any:
    return lambda key, **params: CATALOG.t(lang, key, **params)


def long_persona() -> dict[str, Any]:
    """Every field at its longest: a name with emoji and right-to-left text, 5 pillars of 40 characters."""
    return {"name": RTL_NAME, "vision": "Menjadi suara yang jujur dan berguna bagi jutaan anak muda " * 8,
            "segments": ["Pekerja muda di kota besar yang baru mulai berkarier dan bingung mengatur uang " * 1,
                         "mahasiswa"],
            "priority_segment": "Pekerja muda di kota besar yang baru mulai berkarier dan bingung mengatur uang ",
            "pillars": PILLAR_40, "focus_platforms": ["instagram", "tiktok", "youtube", "x", "facebook", "linkedin",
                                                      "threads"],
            "cadence": "7", "response_time": "12", "criticism": "fight"}


def short_persona() -> dict[str, Any]:
    return {"name": "Ri", "pillars": ["ab", "cd", "ef"], "focus_platforms": ["x"], "cadence": "1"}


CASES = [(lang, tag, persona) for lang in ("id", "en")
         for tag, persona in (("short", short_persona()), ("long", long_persona()),
                              ("persona", PERSONA_ID if lang == "id" else PERSONA_EN))]


def assert_inside(pic: Picture, width: int, height: int) -> None:
    """Every drawn line's ink inside the canvas and inside the box its field allows."""
    assert (pic.width, pic.height) == (width, height)
    assert pic.boxes
    for box in pic.boxes:
        assert 0 <= box.left and 0 <= box.top and box.right <= width and box.bottom <= height, box
        assert box.right <= box.max_right + 0.5 and box.bottom <= box.max_bottom + 0.5, box
    assert len(pic.png) < 1024 * 1024
    from PIL import Image

    assert Image.open(io.BytesIO(pic.png)).size == (width, height)


@pytest.mark.parametrize("lang,tag,persona", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_card_stays_inside_its_canvas(lang: str, tag: str, persona: dict[str, Any]) -> None:
    answers = A.plan_answers(persona, lang)
    facts = card_facts(answers, tr(lang))
    pic = render_card(facts)
    assert_inside(pic, WIDTH, HEIGHT)
    shown = " ".join(b.text for b in pic.boxes)
    assert len(facts.pillars) == len(answers["pillars"])
    for pillar in facts.pillars:
        if pillar != "W" * 40:  # 40 characters of words fit on one line, uncut
            assert pillar in shown
        else:  # 40 of the widest letter make one word wider than the line: it alone is broken, never past the edge
            assert "".join(b.text for b in pic.boxes if b.text.startswith("WWW")) == pillar
    assert CATALOG.t(lang, "pic.card.kicker").upper() in shown
    if tag == "long":
        assert "🌸" not in facts.name and "محمد" in facts.name  # emoji left out, right-to-left text kept
        assert any("…" in b.text for b in pic.boxes)  # the long vision (no sentence or clause to keep) was shortened


def test_safe_drops_what_the_font_cannot_draw() -> None:
    assert safe("Rina 🌸 ✨") == "Rina"
    assert safe("Budi ❤ ★ 👩‍💻\u200d") == "Budi ❤ ★"
    assert safe("שלום  عالم") == "שלום عالم"


def checkins_for(weeks: list[str]) -> list[dict[str, Any]]:
    buckets = ["0", "1-2", "3-4", "5+", None]
    return [{"week": w, "posts": buckets[i % 5], "on_time": [1, 0, None][i % 3], "win": None}
            for i, w in enumerate(weeks) if i % 4 != 1]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("target,streak", [(7, 0), (1, 12), (None, 3)])
def test_chart_stays_inside_its_canvas(lang: str, target: int | None, streak: int) -> None:
    weeks = weeks_back("2026-W03", 12, S.prev_week)
    assert weeks[0] == "2025-W44" and weeks[-1] == "2026-W03" and len(set(weeks)) == 12  # across the new year
    data = chart_weeks(checkins_for(weeks), weeks)
    assert [w.posts for w in data][:4] == ["0", None, "3-4", "5+"]
    pic = render_chart(data, target, streak, tr(lang))
    assert_inside(pic, 1080, 1080)
    shown = [b.text for b in pic.boxes]
    assert ("W03" in shown) and ("W44" in shown)
    expected = CATALOG.t(lang, "pic.chart.streak", streak=streak) if streak else CATALOG.t(lang, "pic.chart.streak_zero")
    assert expected in shown
    assert (CATALOG.t(lang, "pic.chart.target", n=target) in shown) == (target is not None)


def squash(text: str) -> str:
    return re.sub(r"[\s,]+", "", text)  # commas too: pypdf places a comma next to right-to-left text oddly


def pdf_text(data: bytes) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


@pytest.mark.parametrize("lang,tag,persona", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_pdf_has_every_line_of_the_markdown_plan_as_text(lang: str, tag: str, persona: dict[str, Any]) -> None:
    answers = A.plan_answers(persona, lang)
    sections = build_plan(answers, tr(lang))
    title = CATALOG.t(lang, "plan.title", name=answers["name"])
    data, pages = render_pdf_pages(title, "2026-04-01", sections, "brandcoach")
    text, read_pages = pdf_text(data)
    assert pages == read_pages and 1 <= pages <= MAX_PAGES
    assert len(data) < 1024 * 1024
    flat = squash(text)
    assert squash(safe(title)) in flat
    for section in sections:
        assert squash(safe(section.title)) in flat
        for line in section.lines:
            assert squash(safe(line)) in flat, line
    for step in ("vision", "mission", "pillars"):
        for item in answers[step] if isinstance(answers[step], list) else [answers[step]]:
            assert squash(safe(str(item))) in flat


def test_pdf_prints_a_calendar_section_like_any_other() -> None:
    """A section another feature adds (a 30-day calendar) is printed, and the plan still fits two pages."""
    answers = A.plan_answers(PERSONA_ID, "id")
    sections = build_plan(answers, tr("id"))
    calendar = Section("Kalender 30 hari", [f"Hari {d}: posting tentang {answers['pillars'][d % 3]}"
                                            for d in range(1, 31)])
    data, pages = render_pdf_pages("Rencana", "2026-04-01", [*sections, calendar], "brandcoach")
    text, _ = pdf_text(data)
    assert pages <= MAX_PAGES
    assert all(squash(line) in squash(text) for line in calendar.lines)


# -- in the conversation ---------------------------------------------------------------

USER = UserRef("console", "pic-user", "Sari")


async def cmd(core: Core, name: str, user: UserRef = USER) -> list[Outbound]:
    return await core.handle(Inbound(user, "command", command=name))


def files_of(out: list[Outbound]) -> list[tuple[str, str]]:
    return [(m.file.mime, m.key) for m in out if m.file is not None]


class Recorder:
    """A console adapter that records what is sent unprompted (the follow-ups)."""

    platform = "console"

    def __init__(self) -> None:
        self.sent: list[Outbound] = []

    async def send(self, user_id: str, messages: list[Outbound]) -> None:
        assert user_id == USER.user_id
        self.sent.extend(messages)


async def confirm(core: Core) -> tuple[list[Outbound], Recorder]:
    """Walk the questionnaire and confirm it; the replies, and a recorder that gets the follow-ups."""
    recorder = Recorder()
    core.add_adapter(recorder)  # type: ignore[arg-type]
    await A.walk(core, USER, PERSONA_ID)
    return await core.handle(Inbound(USER, "choice", choice=A.CONFIRM_TAP)), recorder


async def test_plan_sends_card_and_pdf_and_card_alone(core: Core) -> None:
    assert [m.key for m in await cmd(core, "card")] == ["pic.no_plan"]
    out, recorder = await confirm(core)
    assert files_of(out) == [("text/markdown", "plan.file_caption")]
    caption = next(m.text for m in out if m.key == "plan.file_caption")
    assert CATALOG.t("id", "pic.coming") in caption  # says the pictures follow, and how to get them again
    assert await core.follow_ups.drain() == 0
    assert files_of(recorder.sent) == [("image/png", "pic.card.caption"), ("application/pdf", "pic.pdf.caption")]
    again = await cmd(core, "plan")
    assert files_of(again) == files_of(out)
    await core.follow_ups.drain()
    assert files_of(recorder.sent[2:]) == files_of(recorder.sent[:2])
    card = await cmd(core, "card")
    assert files_of(card) == [("image/png", "pic.card.caption")]
    assert card[0].file is not None and card[0].file.data.startswith(b"\x89PNG")


async def test_the_plan_text_does_not_wait_for_its_pictures(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the pictures are being drawn, the plan's text is already answered, and the same user (and others) are
    answered too: the drawing holds no one's turn. The pictures arrive after, once drawn."""
    from handlers.pictures import pool

    drawing = asyncio.Event()
    release = asyncio.Event()
    real = pool.run

    async def slow(fn: Any, *args: Any) -> Any:
        drawing.set()
        await release.wait()
        return await real(fn, *args)

    monkeypatch.setattr(pool, "run", slow)
    out, recorder = await confirm(core)
    keys = [m.key for m in out]
    assert "plan.title" in keys and "plan.file_caption" in keys
    await asyncio.wait_for(drawing.wait(), 60)   # the drawing has started and is held...
    assert recorder.sent == []                   # ...nothing of it was sent yet
    assert [m.key for m in await cmd(core, "help")]  # the same user goes on meanwhile
    other = UserRef("console", "someone-else", "Budi")
    assert await cmd(core, "start", other)
    assert recorder.sent == [] and len(core.follow_ups) == 1
    release.set()
    assert await core.follow_ups.drain() == 0
    assert files_of(recorder.sent) == [("image/png", "pic.card.caption"), ("application/pdf", "pic.pdf.caption")]


def held_drawing(monkeypatch: pytest.MonkeyPatch) -> tuple[asyncio.Event, asyncio.Event]:
    """The first drawing (the plan's card and PDF) waits for `release`; `drawing` is set once it started. Any
    later drawing goes through at once."""
    from handlers.pictures import pool

    drawing, release = asyncio.Event(), asyncio.Event()
    real = pool.run
    calls: list[Any] = []

    async def slow(fn: Any, *args: Any) -> Any:
        calls.append(fn)
        if len(calls) <= 2:
            drawing.set()
            await release.wait()
        return await real(fn, *args)

    monkeypatch.setattr(pool, "run", slow)
    return drawing, release


async def test_card_and_plan_while_the_pictures_are_coming_do_not_draw_them_again(
        core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """/card (and /plan) typed while the plan's pictures are still being drawn say they are on the way; the card
    and the PDF arrive once each; afterwards /card draws the card as before."""
    drawing, release = held_drawing(monkeypatch)
    _, recorder = await confirm(core)
    await asyncio.wait_for(drawing.wait(), 60)
    card = await cmd(core, "card")
    assert [m.key for m in card] == ["pic.on_the_way"] and files_of(card) == []
    again = await cmd(core, "plan")
    caption = next(m.text for m in again if m.key == "plan.file_caption")
    assert CATALOG.t("id", "pic.on_the_way") in caption and CATALOG.t("id", "pic.coming") not in caption
    assert len(core.follow_ups) == 1  # nothing new is being drawn
    release.set()
    assert await core.follow_ups.drain() == 0
    assert files_of(recorder.sent) == [("image/png", "pic.card.caption"), ("application/pdf", "pic.pdf.caption")]
    assert files_of(await cmd(core, "card")) == [("image/png", "pic.card.caption")]


async def test_the_pictures_count_as_coming_until_they_are_sent(core: Core) -> None:
    """Drawn but not yet delivered (the chat's turn, the send limits): /card waits for them, then sends the card."""
    held = asyncio.Event()

    class Slow(Recorder):
        async def send(self, user_id: str, messages: list[Outbound]) -> None:
            await held.wait()
            await super().send(user_id, messages)

    await A.walk(core, USER, PERSONA_ID)
    slow = Slow()
    core.add_adapter(slow)  # type: ignore[arg-type]
    await core.handle(Inbound(USER, "choice", choice=A.CONFIRM_TAP))
    assert await core.follow_ups.drain(timeout=5) == 1  # drawn; the first send is held
    # The pictures' delivery holds the chat's turn (issue 26: a follow-up takes the turn before its sending slot,
    # so nothing lands between them); /card waits for it instead of drawing them again or overtaking them.
    asking = asyncio.create_task(cmd(core, "card"))
    for _ in range(50):
        await asyncio.sleep(0)
    assert not asking.done() and slow.sent == []
    held.set()
    assert await core.follow_ups.drain() == 0
    assert [m.key for m in slow.sent] == ["pic.card.caption", "pic.pdf.caption"]
    answer = await asking
    assert [m.key for m in answer] == ["pic.on_the_way"] or files_of(answer) == [("image/png", "pic.card.caption")]
    assert files_of(await cmd(core, "card")) == [("image/png", "pic.card.caption")]


async def test_pictures_stuck_on_their_way_stop_blocking_card(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """A drawing that never ends does not make /card refuse for good: past its time it counts as gone."""
    from bot.followups import UNDER_WAY_AT_MOST

    drawing, release = held_drawing(monkeypatch)
    await confirm(core)
    await asyncio.wait_for(drawing.wait(), 60)
    assert [m.key for m in await cmd(core, "card")] == ["pic.on_the_way"]
    core.clock.advance(seconds=UNDER_WAY_AT_MOST + 1)  # type: ignore[attr-defined]
    assert files_of(await cmd(core, "card")) == [("image/png", "pic.card.caption")]
    release.set()
    await core.follow_ups.drain()


async def test_progress_adds_the_chart_when_there_are_check_ins(core: Core) -> None:
    await A.walk(core, USER, PERSONA_ID)
    await core.handle(Inbound(USER, "choice", choice=A.CONFIRM_TAP))
    assert files_of(await cmd(core, "progress")) == []  # nothing to draw yet: the text says how to start
    user = await core.storage.find_user("console", USER.user_id)
    assert user is not None
    week = S.iso_week(core.clock.now(), S.zone(S.DEFAULT_ZONE))
    await NudgeStore(core.storage).save_checkin(user.id, week, posts="3-4", on_time=1)
    out = await cmd(core, "progress")
    assert [m.key for m in out] == ["progress.title", "pic.chart.caption"]
    assert out[1].file is not None and out[1].file.mime == "image/png"


async def test_a_failed_drawing_keeps_the_text(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    import handlers.pictures as P

    def broken(*args: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(P, "card_facts", broken)
    out, recorder = await confirm(core)
    keys = [m.key for m in out]
    assert "plan.title" in keys and "plan.file_caption" in keys
    assert "error.apology" not in keys
    assert await core.follow_ups.drain() == 0
    assert [m.key for m in recorder.sent] == ["pic.plan_failed"]  # said after the text, with /card to try again
    assert "/card" in recorder.sent[0].text
    assert not any(m.file is not None for m in recorder.sent)
    assert [m.key for m in await cmd(core, "plan")].count("plan.title") == 1  # the text once, never again


async def test_a_follow_up_without_a_way_to_send_it_is_dropped(core: Core) -> None:
    """No adapter for the user's platform (or one that refuses): the follow-up is logged and dropped, no crash."""
    await A.walk(core, USER, PERSONA_ID)
    out = await core.handle(Inbound(USER, "choice", choice=A.CONFIRM_TAP))
    assert "plan.title" in [m.key for m in out]
    assert await core.follow_ups.drain() == 0


async def test_console_writes_pictures_owner_only_and_delete_removes_them(core: Core, tmp_path: Path) -> None:
    from bot.adapters.console import ConsoleAdapter, user_prefix

    out = io.StringIO()
    console = ConsoleAdapter(core, user_id=USER.user_id, stdout=out, files_dir=str(tmp_path / "files"))
    core.add_adapter(console)
    await A.walk(core, USER, PERSONA_ID)
    shown = console.render(await core.handle(Inbound(USER, "choice", choice=A.CONFIRM_TAP)))
    await core.follow_ups.drain()  # the pictures follow, written by the console's send
    shown += out.getvalue()
    names = sorted(os.listdir(tmp_path / "files"))
    expected = [CATALOG.t("id", k) for k in ("plan.file_name", "pic.card.file_name", "pic.pdf.file_name")]
    assert names == sorted(user_prefix(USER.user_id) + name for name in expected)
    for name in names:
        assert (tmp_path / "files" / name).stat().st_mode & 0o777 == 0o600
        assert name in shown
    await console.forget(USER.user_id)
    assert os.listdir(tmp_path / "files") == []


def test_fake_telegram_refuses_a_photo_that_is_no_image() -> None:
    from fake_telegram import _image_size

    png = card_file(A.plan_answers(short_persona(), "en"), tr("en")).data
    assert _image_size(png) == (WIDTH, HEIGHT)
    assert _image_size(b"%PDF-1.4 not a picture") is None


def test_chart_file_reads_the_cadence_as_target() -> None:
    weeks = weeks_back("2026-W14", 12, S.prev_week)
    file = chart_file(checkins_for(weeks), "2026-W14", S.prev_week, "5", 2, tr("id"))
    assert file.mime == "image/png" and file.name == CATALOG.t("id", "pic.chart.file_name")


# -- command line --------------------------------------------------------------------

def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("DISCORD_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=120)


async def test_render_command_writes_the_three_files(core: Core, db_path: str, tmp_path: Path) -> None:
    await A.walk(core, USER, PERSONA_EN, lang="en")
    await core.handle(Inbound(USER, "choice", choice=A.CONFIRM_TAP))
    other = UserRef("telegram", USER.user_id, "Same id elsewhere")
    await core.handle(Inbound(other, "command", command="start"))
    await core.stop()
    out = tmp_path / "out"
    clash = run_cli("render", "--db", db_path, "--user", USER.user_id, "--out", str(out), cwd=tmp_path)
    assert clash.returncode == 1 and "--platform" in clash.stderr
    done = run_cli("render", "--db", db_path, "--user", USER.user_id, "--platform", "console", "--out", str(out),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = sorted(os.listdir(out))
    assert names == sorted([CATALOG.t("en", k) for k in ("pic.card.file_name", "pic.pdf.file_name",
                                                          "pic.chart.file_name")])
    for name in names:
        assert (out / name).stat().st_mode & 0o777 == 0o600 and (out / name).stat().st_size > 1000
    missing = run_cli("render", "--db", db_path, "--user", "nobody", "--out", str(out), cwd=tmp_path)
    assert missing.returncode == 1 and "no user nobody" in missing.stderr
    await core.start()  # the fixture stops it again


def test_help_loads_no_imaging_library(tmp_path: Path) -> None:
    code = ("import sys\nfrom bot import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('PIL', 'fpdf', 'fontTools', 'handlers.pictures.card') if m in sys.modules))")
    assert fresh_python(code, tmp_path)[-1] == "[]"


async def test_a_plan_deleted_while_its_drawing_waits_is_not_drawn(core: Core,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The pictures' drawing builds the plan when its turn comes: a user who deleted their data meanwhile gets
    nothing drawn or sent (and no drawing waiting for its turn holds a plan)."""
    from handlers.pictures import pool

    turn = asyncio.Semaphore(1)
    await turn.acquire()  # every drawing turn is taken: the plan's pictures wait
    monkeypatch.setattr(pool, "turn", lambda: turn)
    out, recorder = await confirm(core)
    assert "plan.file_caption" in [m.key for m in out] and len(core.follow_ups) == 1
    yes = next(c for c in (await cmd(core, "delete"))[-1].choices if c.role == "danger")
    gone = await core.handle(Inbound(USER, "choice", choice=yes.value))
    assert "privacy.deleted" in [m.key for m in gone], [m.key for m in gone]
    turn.release()
    assert await core.follow_ups.drain() == 0
    assert recorder.sent == []


async def test_the_pdf_of_a_later_plan_shows_the_same_calendar_as_its_text(core: Core,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """/plan days after confirming: the PDF (built when its drawing's turn comes) counts the calendar's weeks from
    the plan's date, as the plan's text does."""
    from handlers.pictures import pool

    await confirm(core)
    await core.follow_ups.drain()
    core.clock.advance(days=3)  # type: ignore[attr-defined]
    drawn: list[Any] = []
    real = pool.run

    async def record(fn: Any, *args: Any) -> Any:
        drawn.append(args)
        return await real(fn, *args)

    monkeypatch.setattr(pool, "run", record)
    text = next(m.text for m in await cmd(core, "plan") if m.key == "plan.title")
    await core.follow_ups.drain()
    sections = next(args[2] for args in drawn if len(args) == 3)  # pdf_bytes(title, made, sections)
    lines = [line for section in sections for line in section.lines]
    assert lines and all(line in text for line in lines), [line for line in lines if line not in text][:3]


def test_a_plan_in_latin_letters_is_written_with_the_small_faces() -> None:
    """The faces cut once per process to what plans are written in hold every character of the catalogs the font
    draws; a plan in them reads the same as with the whole faces (same text, same pages), in a smaller file."""
    from handlers.pictures.fonts import covered
    from handlers.pictures.pdf import small_chars

    from bot.i18n import load_language

    catalog_chars = {ord(c) for lang in ("id", "en") for text in load_language(lang).values() for c in safe(text)}
    assert catalog_chars & covered() <= small_chars()
    answers = A.plan_answers(PERSONA_ID, "id")
    sections = build_plan(answers, tr("id"))
    small, pages = render_pdf_pages("Rencana", "2026-04-01", sections, "brandcoach", small=True)
    whole, whole_pages = render_pdf_pages("Rencana", "2026-04-01", sections, "brandcoach", small=False)
    assert pdf_text(small) == pdf_text(whole) and pages == whole_pages
    assert len(small) < len(whole)


# -- the card's layout: words kept whole, long answers summarised, the card filled ----------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from handlers.pictures.card import CardFacts, MAX_PILLARS, name_and_handle  # noqa: E402
from handlers.pictures.layout import ELLIPSIS, summaries  # noqa: E402

_EDGES = "“”" + ELLIPSIS + ",.;:!?()"
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüñçøåßğışžąłőЖжЯяΩωΣσ"
word = st.text(_LETTERS, min_size=1, max_size=18)  # up to the longest words of the languages a card is in


@st.composite
def phrase(draw: Any, low: int, high: int) -> str:
    """Words, with now and then a comma or a full stop after one (clauses and sentences to summarise by)."""
    words = draw(st.lists(word, min_size=low, max_size=high))
    marks = draw(st.lists(st.sampled_from(["", "", "", ",", ".", " -"]), min_size=len(words), max_size=len(words)))
    return " ".join(w + m for w, m in zip(words, marks)).strip(" -") or "ab"


@st.composite
def card_answers(draw: Any) -> tuple[str, dict[str, Any]]:
    lang = draw(st.sampled_from(["id", "en"]))
    answers = A.plan_answers(PERSONA_ID if lang == "id" else PERSONA_EN, lang)
    answers["name"] = draw(phrase(1, 9))
    if draw(st.booleans()):
        answers["name"] += " (@" + draw(st.text("abcdefghij_0123", min_size=2, max_size=20)) + ")"
    answers["vision"] = draw(phrase(1, 70))
    answers["priority_segment"] = draw(phrase(1, 30))
    answers["pillars"] = draw(st.lists(phrase(1, 14), min_size=3, max_size=MAX_PILLARS))
    return lang, answers


def tokens(text: str) -> list[str]:
    return [w.strip(_EDGES) for w in text.split() if w.strip(_EDGES)]


def assert_whole_words(pic: Picture, facts: CardFacts) -> None:
    """Every word drawn is a whole word of what the card shows (nothing cut inside a word), and no two drawn lines
    overlap."""
    texts = [facts.kicker, facts.name, facts.handle, facts.role, facts.vision, facts.audience, *facts.pillars,
             facts.platforms, facts.cadence, facts.reply, facts.rule, *facts.labels.values(), "brandcoach"]
    known = {w for text in texts for w in tokens(text)} | {w.upper() for text in texts for w in tokens(text)}
    known |= {str(n) for n in range(1, MAX_PILLARS + 1)}
    for box in pic.boxes:
        for w in tokens(box.text):
            assert w in known, (w, box.text)
    for i, a in enumerate(pic.boxes):
        for b in pic.boxes[i + 1:]:
            apart = a.right <= b.left or b.right <= a.left or a.bottom <= b.top or b.bottom <= a.top
            assert apart, (a, b)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(card_answers())
def test_no_text_on_the_card_is_cut_inside_a_word_or_leaves_its_box(case: tuple[str, dict[str, Any]]) -> None:
    lang, answers = case
    facts = card_facts(answers, tr(lang))
    pic = render_card(facts)
    assert_inside(pic, WIDTH, HEIGHT)
    assert_whole_words(pic, facts)
    drawn = " ".join(b.text for b in pic.boxes)
    for n in range(1, len(facts.pillars) + 1):
        assert str(n) in [b.text for b in pic.boxes]  # every pillar has its line(s)
    assert tokens(facts.pillars[0])[0] in drawn


def test_long_answers_are_summarised_by_sentence_then_clause() -> None:
    text = "Menjadi suara jujur bagi anak muda, terutama pekerja baru. Lalu membangun komunitas yang besar sekali."
    assert summaries(text) == ["Menjadi suara jujur bagi anak muda, terutama pekerja baru.",
                               "Menjadi suara jujur bagi anak muda"]
    answers = A.plan_answers(PERSONA_ID, "id")
    answers["vision"] = text + " " + "Kami juga ingin menulis buku dan mengajar di banyak kota setiap tahun. " * 4
    pic = render_card(card_facts(answers, tr("id")))
    vision = " ".join(b.text for b in pic.boxes if b.text.startswith("“") or "”" in b.text)
    assert vision.startswith("“Menjadi suara jujur bagi anak muda") and vision.endswith("”")
    assert "Kami juga" not in vision and ELLIPSIS not in vision


@pytest.mark.parametrize("pillars", range(3, MAX_PILLARS + 1))
@pytest.mark.parametrize("tag", ["short", "persona", "long"])
def test_three_to_six_pillars_fill_the_card(pillars: int, tag: str) -> None:
    """Whatever the number of pillars, the body reaches down to the footer: no large empty space under it."""
    persona = {"short": short_persona(), "persona": PERSONA_ID, "long": long_persona()}[tag]
    answers = A.plan_answers(persona, "id")
    answers["pillars"] = [f"{p} {n}" for n, p in zip(range(pillars), ["Edukasi keuangan", "Cerita harian",
                          "Tips kerja", "Review produk lokal", "Tanya jawab mingguan", "Kolaborasi"])]
    facts = card_facts(answers, tr("id"))
    pic = render_card(facts)
    assert_inside(pic, WIDTH, HEIGHT)
    assert_whole_words(pic, facts)
    body = [b for b in pic.boxes if b.text != "brandcoach"]
    footer = next(b for b in pic.boxes if b.text == "brandcoach")
    assert footer.top - max(b.bottom for b in body) < 170  # the rule's box and its padding, then the footer
    assert sum(1 for b in pic.boxes if b.text in {str(n) for n in range(1, pillars + 1)}) == pillars


def test_the_card_has_a_handle_line_from_the_name_answer_or_the_chat_name() -> None:
    assert name_and_handle("Sari Dewi (@saricooks)") == ("Sari Dewi", "@saricooks")
    assert name_and_handle("@nadiaglowup") == ("@nadiaglowup", "")  # the name is the handle: said once
    assert name_and_handle("Kopi Senja - kopisenja.id") == ("Kopi Senja", "kopisenja.id")
    assert name_and_handle("Sari Dewi", "Sari") == ("Sari Dewi", "")  # the chat's name says nothing more
    assert name_and_handle("Kopi Senja", "sari_d") == ("Kopi Senja", "sari_d")
    answers = A.plan_answers(PERSONA_ID, "id")
    answers["name"] = "Sari Dewi (@saricooks)"
    pic = render_card(card_facts(answers, tr("id")))
    drawn = [b.text for b in pic.boxes]
    assert "Sari Dewi" in drawn and "@saricooks" in drawn


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_new_users_chart_says_how_it_fills_up(lang: str) -> None:
    """No check-in yet: the chart says how it fills up instead of being empty; with one, a shorter line says so
    beside it; with a few weeks in, the chart speaks for itself."""
    weeks = weeks_back("2026-W14", 12, S.prev_week)

    def shown(checkins: list[dict[str, Any]]) -> str:
        pic = render_chart(chart_weeks(checkins, weeks), 3, 0, tr(lang))
        assert_inside(pic, 1080, 1080)
        return " ".join(b.text for b in pic.boxes)

    words = lambda key: " ".join(CATALOG.t(lang, key).split())  # noqa: E731
    assert squash(shown([])) .find(squash(words("pic.chart.empty"))) >= 0
    one = shown([{"week": weeks[-1], "posts": "1-2", "on_time": 1}])
    assert squash(words("pic.chart.filling")) in squash(one) and squash(words("pic.chart.empty")) not in squash(one)
    some = shown([{"week": w, "posts": "3-4", "on_time": 1} for w in weeks[-4:]])
    assert squash(words("pic.chart.filling")) not in squash(some)
