"""Issue 22 (2, 6): what the plan, the card and the reminders show of a typed answer is the value itself, without the
fillers, address words, lead-ins and emoji around it; lists typed as prose are read as whole items and shown back
numbered with a one-message fix; /export keeps what was typed. The word lists come from content/lexicon.toml [clean],
so the generated answers below follow the content."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import answers as A
from bot.clock import FakeClock
from bot.core import Core
from bot.i18n import Catalog
from bot.storage import Flow, Storage, User, migrations
from conftest import PERSONA_ID
from handlers import lexicon as L
from handlers import steps as S
from handlers import values as V
from handlers.pictures import card as C
from handlers.plan import build_plan, render_text
from handlers.reminders import content as N
from nudge_helpers import cmd, keys, say, tap

CATALOG = Catalog()
STEPS = {s.id: s for s in S.all_steps()}
TEXT_STEPS = [s for s in S.all_steps() if s.kind == "text"]
LIST_STEPS = [s for s in S.all_steps() if s.kind == "list"]
EMOJI = ["🙏", "😅", "🔥🔥", "✨", "👍🏻", "🥰🥰🥰"]

# Real values, as a person means them: none starts or ends with a word of [clean].
NAMES = ["@nadiaglowup", "Pak Budi Santoso", "Kak Seto", "Rina Batik", "Sari Yoga Ubud", "Mas Andi Maumere", "Dong Hyun"]
TEXTS = {
    "id": ["Menjadi guru inspiratif yang dikenal di Sikka", "200 ribu pengikut di TikTok dan 50 brand deal",
           "Dikenal sebagai desainer batik modern dari Klaten", "Membantu 1.000 UMKM naik kelas lewat konten edukasi",
           "Punya kelas online dengan 5.000 murid.", "Ibu-ibu muda butuh resep cepat, murah, dan sehat",
           "Asisten membalas komentar tiap malam jam 8", "Konten saya harus bermanfaat bagi warga desa",
           "Baik hati dan jujur di setiap video"],
    "en": ["Become the go-to yoga teacher in Ubud", "200k followers and a waitlist for retreats",
           "Teach 10,000 students to cook at home", "Known as a calm, honest voice on local politics",
           "My assistant replies to DMs every evening", "Parents want short, practical tips they can trust.",
           "Run a sold-out retreat twice a year"],
}
ITEMS = {
    "id": ["guru SD hingga SMA", "orang tua murid", "panitia seminar dari dinas pendidikan dan PGRI", "ibu rumah tangga",
           "pelaku UMKM", "mahasiswa keguruan", "warga dapil 3", "edukasi skincare", "review produk", "tips hemat",
           "kehidupan sehari-hari", "proses kreatif", "resep murah meriah", "Pengikut saya yang loyal"],
    "en": ["young moms", "small business owners", "yoga students in Bali", "retreat guests from Australia", "recipes",
           "kitchen tips", "family stories", "behind the scenes", "local markets", "breathing exercises"],
}


def words(name: str) -> list[str]:
    return list(L.clean(name))


# -- generated answers: real values wrapped the way people type --------------------------------------------------

@st.composite
def opener(draw: st.DrawFn, *, strict: bool = False) -> str:
    """Words before a value: courtesy, openers, lead-ins, address words, emoji. A weak word (an opener or an address
    word, which may also begin a real value: 'Pak Budi', 'Jadi guru') is set apart by a comma or a colon, as people
    do; a name's whole opener ends at one."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["courtesy", "interjections", "lead_ins", "address", "particles", "emoji"]))
        if kind == "emoji":
            parts.append(draw(st.sampled_from(EMOJI)))
            continue
        word = draw(st.sampled_from(words(kind)))
        weak = kind in ("interjections", "address", "particles")
        parts.append(word + (draw(st.sampled_from([",", ":"])) if weak else draw(st.sampled_from(["", ",", "!"]))))
    text = " ".join(parts)
    if strict and text and text[-1] not in ",:!" and not any(text.endswith(e) for e in EMOJI):
        text += ","
    return f"{text} " if text else ""


@st.composite
def topic_lead(draw: st.DrawFn, *, item: bool) -> str:
    """'audiens saya adalah', 'my audience is', 'pilar:' (a free-text answer needs a copula or a colon)."""
    topic = draw(st.sampled_from(words("topics")))
    owner = draw(st.sampled_from([o for o in words("owners") if o not in ("my", "our")]))
    copula = draw(st.sampled_from(words("copulas")))
    forms = [f"{topic} {owner} {copula} ", f"{topic}: ", f"my {topic} {copula} ", f"{topic} {owner}: "]
    if item:
        forms.append(f"{topic} {owner} ")
    return draw(st.sampled_from(forms))


@st.composite
def closer(draw: st.DrawFn) -> str:
    """Words after a value: particles, address and courtesy words, laughter, emoji, an exclamation."""
    parts = [draw(st.sampled_from(words(draw(st.sampled_from(["particles", "address", "courtesy"])))))
             if draw(st.booleans()) else draw(st.sampled_from(EMOJI)) for _ in range(draw(st.integers(0, 3)))]
    end = draw(st.sampled_from(["", "", "!", ".", " 🙏"])) if parts else ""
    return (" " + " ".join(parts) + end) if parts else ""


@st.composite
def typed_text(draw: st.DrawFn, lang: str, name: bool = False) -> tuple[str, str]:
    """(what is meant, what is typed)."""
    real = draw(st.sampled_from(NAMES if name else TEXTS[lang]))
    lead = draw(opener(strict=name))
    if not name and draw(st.booleans()):
        lead += draw(topic_lead(item=False))
    return real, f"{lead}{real}{draw(closer())}"


def _short(item: str) -> bool:
    tokens = [L.fold(t) for t in item.split()]
    return len(tokens) <= 4 and not any(t in {"dan", "and", "serta", "sama", "atau", "or", "plus", "&"} for t in tokens) \
        and not any(t in L.clean("prepositions") for t in tokens)


@st.composite
def typed_list(draw: st.DrawFn, lang: str, step: S.Step) -> tuple[list[str], str]:
    """(the items meant, the list typed): as prose with a lead-in and a joiner before the last item, one per line,
    or numbered on one line; items with a particle here and there, 'dll' at the end sometimes."""
    pool = [i for i in ITEMS[lang] if step.min_len <= len(i) <= step.max_len]
    n = draw(st.integers(max(step.min_items, 1), min(step.max_items or 5, 5)))
    items = draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n, unique=True))
    shown = [i + (" " + draw(st.sampled_from(words("particles"))) if draw(st.integers(0, 4)) == 0 else "")
             for i in items]
    lead = draw(opener()) + (draw(topic_lead(item=True)) if draw(st.booleans()) else "")
    form = draw(st.sampled_from(["prose", "prose", "lines", "numbered"]))
    if form == "lines":  # an introduction over bullets, or ending with a colon
        bullet = draw(st.sampled_from(['- ', '• ', '']))
        body = "\n".join(f"{bullet}{i}" for i in shown)
        intro = lead.strip() + (":" if not bullet and lead.strip() and lead.strip()[-1] not in ",:!" else "")
        return items, f"{intro}\n{body}{draw(closer())}" if intro else body + draw(closer())
    if form == "numbered":
        return items, lead + " ".join(f"{k}. {i}" for k, i in enumerate(shown, 1)) + draw(closer())
    text = shown[0]
    if len(shown) > 1:
        bare = len(shown) >= 3 and _short(items[-1]) and _short(items[-2]) and draw(st.booleans())
        last = f" {draw(st.sampled_from(['dan', 'and', '&']))} " if bare else \
            f", {draw(st.sampled_from(words('joiners')))} "
        text = ", ".join(shown[:-1]) + last + shown[-1]
    tail = draw(st.sampled_from(["", "", ", dll", ", etc", " dll."]))
    return items, lead + text + tail + draw(st.sampled_from(["", ".", "!"])) + draw(closer())


@st.composite
def answer_pairs(draw: st.DrawFn) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(language, the real values, what was typed for each typed step)."""
    lang = draw(st.sampled_from(["id", "en"]))
    real: dict[str, Any] = {}
    typed: dict[str, str] = {}
    for step in TEXT_STEPS:
        value, text = draw(typed_text(lang, name=step.asks_name))
        real[step.id], typed[step.id] = value[:step.max_len], text
    for step in LIST_STEPS:
        items, text = draw(typed_list(lang, step))
        real[step.id], typed[step.id] = items, text
    return lang, real, typed


def _t(lang: str) -> Any:
    return lambda key, **kw: CATALOG.t(lang, key, **kw)


# -- the values themselves --------------------------------------------------------------------------------------------

def test_real_values_are_left_as_they_are() -> None:
    for value in NAMES:
        assert V.clean_value(value, name=True) == value
    for lang in ("id", "en"):
        for value in TEXTS[lang]:
            assert V.clean_value(value) == value
        assert list(V.read_list("\n".join(ITEMS[lang])).items) == ITEMS[lang]


def test_a_topic_label_before_a_value_that_starts_with_a_topic_word_goes() -> None:
    """Found by the property below: 'pilar: Konten saya...' kept its label (the phrase 'pilar konten' was read across
    the colon)."""
    for lead in ("pilar: ", "Tema: ", "target: ", "visi saya: "):
        for value in ("Konten saya harus bermanfaat bagi warga desa", "Target pasar anak muda", "Tema lokal Sikka"):
            assert V.clean_value(lead + value) == value, lead + value


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["id", "en"]).flatmap(lambda lang: typed_text(lang, name=False)))
def test_a_typed_answer_is_stored_as_the_value_meant(pair: tuple[str, str]) -> None:
    real, typed = pair
    assert V.clean_value(typed) == real, typed


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["id", "en"]).flatmap(lambda lang: typed_text(lang, name=True)))
def test_a_typed_name_is_stored_as_the_name(pair: tuple[str, str]) -> None:
    real, typed = pair
    assert V.clean_value(typed, name=True) == real, typed


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([(lang, s) for lang in ("id", "en") for s in LIST_STEPS])
       .flatmap(lambda pair: typed_list(pair[0], pair[1])))
def test_a_typed_list_is_read_as_the_items_meant(pair: tuple[list[str], str]) -> None:
    items, typed = pair
    assert list(V.read_list(typed).items) == items, typed


# -- what the plan, the card and the reminders show ---------------------------------------------------------------

def _wrappers(typed: dict[str, str], real: dict[str, Any]) -> set[str]:
    """The words typed around the values (folded): whatever the typed text holds beyond the real values."""
    found: set[str] = set()
    for sid, text in typed.items():
        rest = L.fold(text)
        values = real[sid] if isinstance(real[sid], list) else [real[sid]]
        for v in sorted(values, key=len, reverse=True):
            rest = f" {rest} ".replace(f" {L.fold(v)} ", " ")
        found |= set(rest.split())
    return found


def _shown(lang: str, answers: dict[str, Any]) -> str:
    """Every text the user is shown from these answers: the plan, the card's texts and each reminder's text."""
    t = _t(lang)
    parts = [render_text(t("plan.title", name=answers.get("name", "")), build_plan(answers, t))]
    facts = C.card_facts(answers, t)
    parts += [facts.name, facts.role, facts.vision, facts.audience, *facts.pillars, facts.platforms, facts.cadence]
    for kind in N.kinds().values():
        for sent in range(max(1, len(kind.variants))):
            idea = N.pick_idea(answers, [], f"seed-{sent}") if kind.idea else None
            out = N.render(CATALOG, lang, kind, nudge_id=1, slot=0, sent_count=sent, answers=answers,
                           times=["09:00"], days=[0, 2, 4], week="2026-W01", idea=idea)
            parts.append(out.text)
    return "\n".join(parts)


def _count(folded: str, word: str) -> int:
    return f" {folded} ".count(f" {word} ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_pairs())
def test_no_filler_or_lead_in_reaches_the_plan_card_or_reminders(case: tuple[str, dict[str, Any], dict[str, str]]
                                                                  ) -> None:
    lang, real, typed = case
    base = A.plan_answers(PERSONA_ID, lang)
    meant = {**base, **real, "priority_segment": real["segments"][0]}
    stored = dict(base)
    for sid, text in typed.items():
        value, problem = S.validate_text(STEPS[sid], text)  # what the bot stores for this message
        assert problem is None, (sid, text, problem)
        stored[sid] = value
    stored["priority_segment"] = stored["segments"][0]
    shown, clean = L.fold(_shown(lang, stored)), L.fold(_shown(lang, meant))
    for word in _wrappers(typed, real):
        assert _count(shown, word) <= _count(clean, word), (word, typed)
    assert shown == clean


def test_card_layout_draws_the_clean_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """The card as laid out (each drawn line), from answers typed with fillers."""
    drawn: list[str] = []

    class Recording(C.Canvas):
        def text(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> Any:
            drawn.append(text)
            return super().text(x, y, text, *args, **kwargs)

    monkeypatch.setattr(C, "Canvas", Recording)
    answers = A.plan_answers(PERSONA_ID, "id")
    answers["name"] = S.validate_text(STEPS["name"], "@nadiaglowup aja kak")[0]
    answers["pillars"] = S.validate_text(STEPS["pillars"], "Pilar saya: edukasi, review produk sih, serta tips hemat.")[0]
    C.render_card(C.card_facts(answers, _t("id")))
    assert "@nadiaglowup" in drawn and not any("aja kak" in line for line in drawn)
    assert "tips hemat" in drawn and not any("Pilar saya" in line or "serta" in line for line in drawn)


# -- the examples of the issue, through the bot ----------------------------------------------------------------------

PROSE = ("Menurut hemat saya, audiens saya adalah para guru SD hingga SMA, orang tua murid, mahasiswa keguruan, serta "
         "panitia seminar dari dinas pendidikan dan PGRI.")
PROSE_ITEMS = ["guru SD hingga SMA", "orang tua murid", "mahasiswa keguruan",
               "panitia seminar dari dinas pendidikan dan PGRI"]


def test_the_issue_list_is_read_as_four_whole_items() -> None:
    reading = V.read_list(PROSE)
    assert list(reading.items) == PROSE_ITEMS and reading.prose
    assert list(V.read_list("guru, dosen dan mahasiswa").items) == ["guru", "dosen", "mahasiswa"]
    assert list(V.read_list("mahasiswa dan ibu muda").items) == ["mahasiswa dan ibu muda"]  # no series: one item
    assert list(V.read_list("I think my audience is mostly young moms, small business owners, and students.").items) \
        == ["young moms", "small business owners", "students"]
    assert list(V.read_list("kalau aku sih anak kuliahan, fresh graduate, sama pekerja kantoran deh kak").items) \
        == ["anak kuliahan", "fresh graduate", "pekerja kantoran"]
    assert list(V.read_list("ibu muda, terutama yang bekerja, pelaku UMKM (kuliner, fashion)").items) \
        == ["ibu muda, terutama yang bekerja", "pelaku UMKM (kuliner, fashion)"]
    assert not V.read_list("edukasi, hiburan, tips").prose and not V.read_list("- a\n- b\n- c").prose


@pytest.mark.parametrize("typed, value", [
    ("@nadiaglowup aja kak", "@nadiaglowup"), ("Pak Budi Santoso", "Pak Budi Santoso"), ("Kak Seto", "Kak Seto"),
    ("Halo kak, @rinabatik ya", "@rinabatik"),
])
def test_names(typed: str, value: str) -> None:
    assert S.validate_text(STEPS["name"], typed) == (value, None)


@pytest.mark.parametrize("typed, value", [
    ("oke deh: 200k followers di TikTok", "200k followers di TikTok"),
    ("hmm, kayaknya 100 ribu pengikut sih hehe 🙏", "100 ribu pengikut"),
    ("Target saya adalah 1 juta views per bulan ya kak", "1 juta views per bulan"),
    ("I think, honestly, 10k subscribers lol", "10k subscribers"),
    ("Konten saya harus bermanfaat bagi warga", "Konten saya harus bermanfaat bagi warga"),
])
def test_goals(typed: str, value: str) -> None:
    assert S.validate_text(STEPS["goal_5y"], typed) == (value, None)


def test_only_fillers_is_no_answer() -> None:
    assert S.validate_text(STEPS["vision"], "ya kak 🙏") == (None, S.Problem("value.only_fillers"))
    assert S.validate_text(STEPS["vision"], "🔥🔥🔥")[0] is None


async def at(core: Core, step_id: str, uid: str, lang: str = "id") -> User:
    """A user waiting at `step_id`, the earlier steps answered."""
    user = await core.storage.get_or_create_user("fake", uid, "Sari")
    await core.storage.update_user(user.id, language=lang, language_pinned=1)
    for step, value in A.script(PERSONA_ID, lang):
        if step.id == step_id:
            break
        await core.storage.save_answer(user.id, step.id, A.stored(value))
    await core.storage.save_flow(Flow(user.id, "active", step_id, None, [], None))
    return user


async def exported(core: Core, user: User) -> dict[str, Any]:
    out = await cmd(core, user, "export")
    blob = next(m.file for m in out if m.file is not None)
    return {r["step"]: r for r in json.loads(blob.data)["answers"]}


async def test_a_prose_list_is_shown_numbered_and_fixed_in_one_message(core: Core) -> None:
    user = await at(core, "segments", "list-1")
    out = await say(core, user, PROSE)
    stored = (await core.storage.answers(user.id))["segments"]
    assert stored == PROSE_ITEMS
    shown = next(m for m in out if m.key == "list.understood")
    assert "1. guru SD hingga SMA" in shown.text and "4. panitia seminar dari dinas pendidikan dan PGRI" in shown.text
    assert "Menurut" not in shown.text and any(c.value.startswith("k:") for c in shown.choices)
    flow = await core.storage.get_flow(user.id)
    assert flow is not None and flow.step == "segments"  # held until it is right
    out = await say(core, user, "hapus 3")
    assert "list.fixed" in keys(out)
    assert (await core.storage.answers(user.id))["segments"] == [PROSE_ITEMS[0], PROSE_ITEMS[1], PROSE_ITEMS[3]]
    flow = await core.storage.get_flow(user.id)
    assert flow is not None and flow.step == "priority_segment"
    rows = await exported(core, user)
    assert PROSE in rows["segments"]["typed"] and "hapus 3" in rows["segments"]["typed"]


@pytest.mark.parametrize("lang, fix, want", [
    ("id", "gabung 1 2", ["guru SD hingga SMA dan orang tua murid", "mahasiswa keguruan",
                          "panitia seminar dari dinas pendidikan dan PGRI"]),
    ("en", "2 = parents; delete 3", ["guru SD hingga SMA", "parents", "panitia seminar dari dinas pendidikan dan PGRI"]),
    ("id", "tambah kepala sekolah", [*PROSE_ITEMS, "kepala sekolah"]),
])
async def test_other_fixes(core: Core, lang: str, fix: str, want: list[str]) -> None:
    user = await at(core, "segments", f"fix-{lang}-{len(fix)}", lang)
    await say(core, user, PROSE)
    await say(core, user, fix)
    assert (await core.storage.answers(user.id))["segments"] == want


async def test_a_yes_or_the_button_keeps_the_list_and_a_bad_number_is_refused(core: Core) -> None:
    user = await at(core, "segments", "list-yes")
    await say(core, user, PROSE)
    out = await say(core, user, "hapus 9")
    assert keys(out) == ["list.fix_bad"] and "1. guru SD hingga SMA" in out[0].text
    out = await say(core, user, "iya kak")
    flow = await core.storage.get_flow(user.id)
    assert flow is not None and flow.step == "priority_segment"
    assert (await core.storage.answers(user.id))["segments"] == PROSE_ITEMS
    other = await at(core, "segments", "list-button")
    out = await say(core, other, PROSE)
    button = next(c for m in out if m.key == "list.understood" for c in m.choices)
    await tap(core, other, button.value)
    flow = await core.storage.get_flow(other.id)
    assert flow is not None and flow.step == "priority_segment"


async def test_a_plain_list_moves_on_at_once(core: Core) -> None:
    user = await at(core, "segments", "list-plain", "en")
    out = await say(core, user, "young moms, small business owners, students")
    assert "list.understood" not in keys(out)
    flow = await core.storage.get_flow(user.id)
    assert flow is not None and flow.step == "priority_segment"
    assert (await exported(core, user))["segments"]["typed"] is None  # nothing to keep beyond the value


async def test_the_name_is_clean_on_the_card_and_typed_in_the_export(core: Core) -> None:
    user = await at(core, "name", "nadia")
    await say(core, user, "@nadiaglowup aja kak")
    answers = await core.storage.answers(user.id)
    assert answers["name"] == "@nadiaglowup"
    assert C.card_facts(answers, _t("id")).name == "@nadiaglowup"
    row = (await exported(core, user))["name"]
    assert row["value"] == "@nadiaglowup" and row["typed"] == "@nadiaglowup aja kak"


async def test_a_goal_with_an_opener_and_a_skip_phrase(core: Core) -> None:
    user = await at(core, "goal_5y", "goal-5y")
    await say(core, user, "oke deh: 200k followers di TikTok")
    assert (await core.storage.answers(user.id))["goal_5y"] == "200k followers di TikTok"
    other = await at(core, "goal_10y", "goal-10y")
    await say(core, other, "skip dulu deh, belum kepikiran")
    assert (await core.storage.answers(other.id)).get("goal_10y") is None  # skipped (a meta-reply), never a goal


# -- the database: rows from before answers.typed -------------------------------------------------------------------

async def test_rows_from_before_the_typed_column_read_as_before(tmp_path: Path) -> None:
    path = str(tmp_path / "old.sqlite3")
    con = sqlite3.connect(path)
    for number, _name, sql in migrations():
        if number >= 11:
            break
        con.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version={number};\nCOMMIT;")
    now = "2025-06-01T08:00:00+00:00"
    con.execute("INSERT INTO users (id, platform, platform_user_id, display_name, language, created_at, updated_at)"
                " VALUES (1, 'telegram', '42', 'Nadia', 'id', ?, ?)", (now, now))
    old = {"name": "@nadiaglowup aja kak", "segments": ["guru", "dosen"]}
    con.executemany("INSERT INTO answers (user_id, step, value, updated_at) VALUES (1, ?, ?, ?)",
                    [(k, json.dumps(v), now) for k, v in old.items()])
    con.commit()
    con.close()
    storage = Storage(path, clock=FakeClock())
    await storage.open()
    try:
        assert await storage.answers(1) == old  # read as they were stored
        assert await storage.typed_answer(1, "name") is None
        rows = {r["step"]: r for r in (await storage.export_user(1))["answers"]}
        assert rows["name"]["typed"] is None and json.loads(rows["name"]["value"]) == old["name"]
        await storage.save_answer(1, "name", "@nadiaglowup", typed="@nadiaglowup aja kak")
        assert (await storage.answers(1))["name"] == "@nadiaglowup"
        assert await storage.typed_answer(1, "name") == "@nadiaglowup aja kak"
    finally:
        await storage.close()
