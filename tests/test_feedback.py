"""Feedback while answering (content/feedback.toml) and the negation-aware reputation guard (content/reputation.toml)."""
from __future__ import annotations

import copy
from typing import Any

import answers as A
import pytest
from conftest import PERSONA_EN, PERSONA_ID

from bot.core import Core
from bot.i18n import LANGUAGES, Catalog
from bot.storage import Storage
from bot.types import Inbound, Outbound, UserRef
from handlers import feedback as F
from handlers import reputation as R
from handlers import steps as S

ANA = UserRef("fake", "31", "Ana")
CATALOG = Catalog()

# (step, answer, earlier answers, the rule that must fire or None): weak answers in both languages, and good ones.
CASES: list[tuple[str, Any, dict[str, Any], str | None]] = [
    ("vision", "Terkenal", {}, "vision_fame"),  # fame-only before too-short: the stronger suggestion
    ("vision", "Famous", {}, "vision_fame"),
    ("vision", "Gitar", {}, "vision_short"),
    ("vision", "Aku ingin jadi orang yang terkenal dan viral", {}, "vision_fame"),
    ("vision", "I want to be famous and go viral everywhere", {}, "vision_fame"),
    ("vision", "Dikenal sebagai guru musik yang sabar oleh anak muda Bandung", {}, None),
    ("vision", "Known as the patient music teacher young people in Bandung trust", {}, None),
    ("goal_5y", "Punya banyak penggemar setia", {}, "goal_measure"),
    ("goal_10y", "Lots of loyal fans everywhere", {}, "goal_measure"),
    ("goal_5y", "Punya 100 ribu pendengar bulanan", {}, None),
    ("goal_5y", "Publish a book and open a second shop by 2030", {}, None),
    ("goal_10y", "Tur keliling Asia Tenggara", {}, None),
    ("segments", ["Semua orang"], {}, "audience_everyone"),
    ("segments", ["mahasiswa", "umum"], {}, "audience_everyone"),
    ("segments", ["Everyone"], {}, "audience_everyone"),
    ("segments", ["mahasiswa", "ibu muda di Surabaya"], {}, None),
    ("segments", ["small business owners in Medan"], {}, None),
    ("pillars", ["resep kue", "resep kue kering", "cerita pasar"], {"needs": "resep kue, cerita pasar"},
     "pillars_overlap"),
    ("pillars", ["data tips", "data tricks", "case studies"], {"needs": "sales data, case studies"},
     "pillars_overlap"),
    ("pillars", ["resep hemat", "tips dapur", "cerita pasar"],
     {"needs": "Mereka butuh resep cepat, bahan murah, dan langkah yang jelas tanpa alat mahal."}, None),
    ("pillars", ["fashion", "traveling", "music"], {"needs": "cheap recipes; parenting advice; school tips"},
     "needs_unserved"),
    ("pillars", ["outfit kerja", "jalan-jalan", "musik"], {"needs": "resep murah, info sekolah anak"},
     "needs_unserved"),
    ("pillars", ["data tips", "case studies", "tool reviews"],
     {"needs": "Simple, cheap ways to use their own sales data"}, None),
    ("pillars", ["project updates", "event calendar", "Q&A with residents"],  # 'roads and attractions': one need
     {"needs": "they want to know when roads and attractions are fixed, events, and job opportunities"}, None),
    ("pillars", ["fashion", "traveling", "music"], {"needs": "cheap recipes and school tips, parenting advice"},
     "needs_unserved"),
    ("pillars", ["proses melukis", "cerita kampung", "mural baru"],  # code-mixed: 'process' is 'proses'
     {"needs": "they want to see the process and buy prints"}, None),
    ("response_time", "1", {"daily_minutes": "15"}, "reply_budget"),
    ("daily_minutes", "15", {"response_time": "3"}, "reply_budget"),
    ("response_time", "12", {"daily_minutes": "15"}, None),
    ("response_time", "1", {"daily_minutes": "120"}, None),
]


@pytest.mark.parametrize(("step", "value", "earlier", "rule"), CASES)
def test_a_weak_answer_gets_its_one_suggestion(step: str, value: Any, earlier: dict[str, Any], rule: str | None) -> None:
    tip = F.review(step, value, earlier)
    assert (tip.rule if tip else None) == rule
    if tip is not None:
        for lang in LANGUAGES:
            text = F.render(tip, lambda key, **p: CATALOG.t(lang, key, **p))
            assert "{" not in text and text.startswith(CATALOG.t(lang, "fb.intro"))


def test_the_suggestion_does_not_repeat_on_a_similar_answer() -> None:
    assert F.review("vision", "Viral", {}) is not None
    assert F.review("vision", "Terkenal", {}, previous="Viral") is None  # heard it: a second weak answer is kept
    assert F.review("vision", "Terkenal", {}, previous="Dikenal sebagai koki oleh ibu-ibu di Medan") is not None


def test_generated_and_persona_answers_draw_no_suggestion() -> None:
    for persona, lang in ((None, "id"), (None, "en"), (PERSONA_ID, "id"), (PERSONA_EN, "en")):
        known: dict[str, Any] = {}
        for step, value in A.script(persona, lang):
            assert F.review(step.id, A.stored(value), known) is None, (step.id, value)
            known[step.id] = A.stored(value)


def test_content_checks_catch_mistakes() -> None:
    from bot.content import load_content

    data = copy.deepcopy(load_content("feedback"))
    steps = [s.id for s in S.all_steps()]
    assert F.findings(data, steps) == []
    data["rules"][0]["steps"] = ["no_such_step"]
    data["rules"][1]["test"] = "vibes"
    found = F.findings(data, steps)
    assert any("test" in path for path, _ in found)
    data = copy.deepcopy(load_content("feedback"))
    data["rules"][0]["steps"] = ["no_such_step"]
    assert any("no_such_step" in message for _, message in F.findings(data, steps))
    rep = copy.deepcopy(load_content("reputation"))
    raws = load_content("questionnaire")["steps"]
    assert R.findings(rep, raws) == []
    rep["tactics"][0]["options"] = []  # a warned option no tactic explains
    assert any("maps to no tactic" in message for _, message in R.findings(rep, raws))


# --- the reputation guard reads negation and context ---

NOTICED = S.step_by_id("get_noticed")
TACTICS: list[tuple[str, list[str]]] = [
    ("bikin sensasi biar viral", ["stunt"]),
    ("Kadang settingan drama sama pacar", ["stunt"]),
    ("publicity stunts and a scandal or two", ["stunt"]),
    ("rage bait dan clickbait", ["provoke"]),
    ("Provocative hot takes every day", ["provoke"]),
    ("sebar hoaks soal lawan", ["hoax"]),
    ("share fake news if it trends", ["hoax"]),
    ("nyinyirin artis lain", ["attack"]),
    ("roasting and insulting other creators", ["attack"]),
    ("balas keras semua kritik", ["hit_back"]),
    ("no drama, tapi sensasi boleh", ["stunt"]),
    ("Aku tidak mau pakai sensasi", []),
    ("konten edukasi tentang hoaks", []),
    ("Saya bukan tipe yang suka kontroversi", []),
    ("tanpa clickbait, tanpa drama", []),
    ("I will never use clickbait", []),
    ("videos debunking fake news", []),
    ("Avoid controversy, just honest stories", []),
    ("kolaborasi dengan teman dan konsisten posting", []),
    ("Guest posts and podcasts", []),
]


@pytest.mark.parametrize(("text", "want"), TACTICS)
def test_tactics_are_read_with_negation_and_context(text: str, want: list[str]) -> None:
    assert NOTICED is not None
    assert S.tactics_in(NOTICED, text) == want
    assert S.courts_controversy(NOTICED, text) == bool(want)


# --- in the conversation: stored first, the question held, Improve / Keep / a new answer ---

async def _to(core: Core, step: str) -> dict[str, Any]:
    await A.walk(core, ANA, stop_at=step)
    u = await core.storage.find_user(ANA.platform, ANA.user_id)
    return await core.storage.answers(u.id)  # type: ignore[union-attr]


async def _flow_step(core: Core) -> str | None:
    u = await core.storage.find_user(ANA.platform, ANA.user_id)
    flow = await core.storage.get_flow(u.id)  # type: ignore[union-attr]
    return flow.step if flow else None


async def _say(core: Core, text: str) -> list[Outbound]:
    return await core.handle(Inbound(ANA, "text", text=text))


async def _tap(core: Core, value: str) -> list[Outbound]:
    return await core.handle(Inbound(ANA, "choice", choice=value))


async def test_a_weak_vision_is_stored_and_held_for_improve_or_keep(core: Core) -> None:
    await _to(core, "vision")
    out = await _say(core, "Aku ingin terkenal dan viral di mana-mana")
    tips = [m for m in out if m.key.startswith("fb.")]
    assert len(tips) == 1 and tips[0].key == "fb.vision_fame" and tips[0].step == "vision"
    assert [c.value for c in tips[0].choices] == ["fb:i:vision", "k:vision"]
    assert not any(m.key == "q.mission.prompt" for m in out)  # held: the next question waits
    assert (await _answers(core))["vision"] == "Aku ingin terkenal dan viral di mana-mana"  # stored first
    assert await _flow_step(core) == "vision"
    again = await _tap(core, "fb:i:vision")
    assert again[0].key == "q.vision.prompt"
    out = await _say(core, "Dikenal sebagai penyanyi akustik oleh mahasiswa di Bandung")
    assert [m.key for m in out] == ["q.mission.prompt"]
    assert (await _answers(core))["vision"].startswith("Dikenal sebagai")


async def test_keep_moves_on_and_survives_a_restart(db_path: str, clock: Any) -> None:
    core = Core(Storage(db_path, clock=clock), clock=clock)
    await core.start()
    try:
        await _to(core, "goal_5y")
        out = await _say(core, "Jadi panutan anak muda")
        assert [m.key for m in out] == ["fb.goal_measure"]
    finally:
        await core.stop()
    core = Core(Storage(db_path, clock=clock), clock=clock)  # a restart: the hold is the flow's step
    await core.start()
    try:
        out = await _tap(core, "k:goal_5y")
        assert any(m.key == "q.goal_10y.prompt" for m in out)
        assert (await _answers(core))["goal_5y"] == "Jadi panutan anak muda"
    finally:
        await core.stop()


async def test_typing_a_new_answer_replaces_the_weak_one(core: Core) -> None:
    await _to(core, "goal_5y")
    await _say(core, "Jadi panutan anak muda")
    out = await _say(core, "Jadi panutan 10 ribu anak muda pada 2030")
    assert any(m.key == "q.goal_10y.prompt" for m in out) and not any(m.key.startswith("fb.") for m in out)
    assert (await _answers(core))["goal_5y"] == "Jadi panutan 10 ribu anak muda pada 2030"


async def test_a_second_weak_answer_is_not_nagged_again(core: Core) -> None:
    await _to(core, "goal_5y")
    await _say(core, "Jadi panutan anak muda")
    out = await _say(core, "Jadi inspirasi anak muda")
    assert any(m.key == "q.goal_10y.prompt" for m in out) and not any(m.key.startswith("fb.") for m in out)


async def test_the_reply_budget_suggestion_on_a_tap(core: Core) -> None:
    answers = await _to(core, "response_time")
    assert answers["daily_minutes"] in S.step_by_id("daily_minutes").options  # type: ignore[union-attr]
    await _tap(core, "e:daily_minutes")
    await _tap(core, "a:daily_minutes:15")  # back to where /edit came from: the response-time question
    assert await _flow_step(core) == "response_time"
    out = await _tap(core, "a:response_time:1")
    tip = next(m for m in out if m.key == "fb.reply_budget")
    assert "15" in tip.text and "7" in tip.text
    assert await _flow_step(core) == "response_time"
    out = await _tap(core, "a:response_time:12")
    assert not any(m.key.startswith("fb.") for m in out) and await _flow_step(core) != "response_time"


async def test_each_reputation_warning_is_said_once(core: Core) -> None:
    await _to(core, "criticism")
    first = await _tap(core, "a:criticism:fight")
    warns = [m for m in first if m.key == "warn.controversy"]
    assert len(warns) == 1 and CATALOG.t("id", "rep.hit_back.alt") in warns[0].text
    out = await _tap(core, "a:controversy:yes")
    assert not any(m.key == "warn.controversy" for m in out)  # the reasoning once; then only the new tactic
    assert [m.key for m in out if m.key.startswith("rep.")] == ["rep.stunt.alt"]
    out = await _say(core, "bikin sensasi dan settingan")  # the same tactic again: nothing more
    assert not any(m.key.startswith(("rep.", "warn.")) for m in out)


async def test_a_negated_tactic_gets_no_warning(core: Core) -> None:
    await _to(core, "get_noticed")
    out = await _say(core, "Aku tidak mau pakai sensasi, cukup konten edukasi tentang hoaks")
    assert not any(m.key.startswith(("rep.", "warn.")) for m in out)


async def _answers(core: Core) -> dict[str, Any]:
    u = await core.storage.find_user(ANA.platform, ANA.user_id)
    return await core.storage.answers(u.id)  # type: ignore[union-attr]


async def test_on_the_console_a_number_keeps_the_weak_answer(core: Core, tmp_path: Any) -> None:
    import io

    from bot.adapters.console import ConsoleAdapter

    script = A.lines(None, "id", confirm=False)
    at = [s.id for s, _ in A.script(None, "id")].index("vision")
    lines = [*script[:at], "Aku mau terkenal", "2", *script[at + 1:], "1"]  # "2": the second choice, Keep
    out = io.StringIO()
    console = ConsoleAdapter(core, user_id="c1", stdin=io.StringIO("".join(x + "\n" for x in lines)), stdout=out,
                             files_dir=str(tmp_path))
    await console.listen()
    text = out.getvalue()
    assert CATALOG.t("id", "fb.intro") in text and CATALOG.t("id", "fb.btn_keep") in text
    u = await core.storage.find_user("console", "c1")
    assert (await core.storage.answers(u.id))["vision"] == "Aku mau terkenal"  # type: ignore[union-attr]
    assert CATALOG.t("id", "plan.title", name=A.plan_answers()["name"]) in text  # and on to the finished plan
