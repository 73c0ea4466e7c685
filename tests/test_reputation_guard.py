"""The reputation guard reads every typed step of the plan (content/reputation.toml [read]), once per tactic, in both
languages, with chat spellings, rejections after a word and refuting a hoax as good; and the QA's misses."""
from __future__ import annotations

from typing import Any

import pytest

import answers as A
from bot.core import Core
from bot.i18n import Catalog
from bot.types import Inbound, Outbound, UserRef
from handlers import steps as S

CATALOG = Catalog()

# (step, answer, tactics): a politician's plan as the QA typed it, and English twins.
PLANNED: list[tuple[str, Any, list[str]]] = [
    ("vision", "saya akan bikin sensasi biar viral dan dikenal seluruh warga jatim", ["stunt"]),
    ("mission", "serang lawan politik tiap hari, bongkar kebusukan mereka", ["attack"]),
    ("pillars", ["program kerja", "kegiatan blusukan", "tanggapi isu", "sindir lawan"], ["attack"]),
    ("creative_angle", "blak-blakan, suka bikin panas lawan biar rame", ["provoke"]),
    ("team_replier", "Dimas, yg nyerang lawan politik juga mereka", ["attack"]),
    ("offline", "sebar isu ttg lawan di warung kopi", ["hoax"]),
    ("vision", "I'll pull publicity stunts until the whole province knows me", ["stunt"]),
    ("mission", "Attack my opponents every day and dig up their dirt", ["attack"]),
    ("pillars", ["my programme", "village visits", "trolling my rivals"], ["provoke"]),
    ("creative_angle", "outrage and rage bait so people keep talking", ["provoke"]),
    ("team_replier", "Sam, who also trash talks the other candidates", ["attack"]),
    ("get_noticed", "sebar gosip soal lawan", ["hoax"]),
    ("get_noticed", "pakai buzzer buat giring opini", ["buzzer"]),
    ("get_noticed", "sebar isu ttg lawan", ["hoax"]),
    ("get_noticed", "spread rumours on my rival, buy followers", ["hoax", "buzzer"]),
]

# Answers that must get no warning: rejections, refuting a hoax, innocent phrases, describing others.
CLEAN: list[tuple[str, Any]] = [
    ("get_noticed", "saya bukan tipe yang suka bikin sensasi"),
    ("get_noticed", "sensasi? no way. kerja nyata aja"),
    ("get_noticed", "ikut debat publik dan bantah hoaks yang beredar soal saya"),
    ("get_noticed", "Stunts? Not my style. Real work only"),
    ("get_noticed", "join public debates and refute the hoaxes about me"),
    ("vision", "Dikenal warga Jatim sebagai pemimpin yang kerja nyata, tanpa sensasi"),
    ("mission", "Edukasi bahaya serangan jantung untuk warga desa"),
    ("pillars", ["review drama korea", "resep rumahan", "proses roasting kopi"]),
    ("pillars", ["program kerja", "kegiatan blusukan", "tanggapi isu"]),
    ("competitors", "Calon lain suka bikin sensasi dan menyerang, aku beda"),
    ("offline", "Prevent bullying workshops at schools"),
]


@pytest.mark.parametrize(("step_id", "value", "want"), PLANNED)
def test_every_typed_step_is_read_for_risky_tactics(step_id: str, value: Any, want: list[str]) -> None:
    step = S.step_by_id(step_id)
    assert step is not None
    assert S.tactics_in(step, value) == want


@pytest.mark.parametrize(("step_id", "value"), CLEAN)
def test_no_warning_for_rejections_refutations_and_innocent_phrases(step_id: str, value: Any) -> None:
    step = S.step_by_id(step_id)
    assert step is not None
    assert S.tactics_in(step, value) == []


def test_every_tactic_has_its_texts_in_both_languages() -> None:
    from handlers import reputation as R
    for tactic in R.tactic_ids():
        for lang in ("id", "en"):
            for kind in ("alt", "plan"):
                assert CATALOG.has(f"rep.{tactic}.{kind}", lang), (tactic, lang, kind)


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_vision_and_mission_warn_once_per_tactic(core: Core, lang: str) -> None:
    user = UserRef("fake", f"pol-{lang}", "Rina")
    persona = {"role": "politician"}
    await A.walk(core, user, persona, lang=lang, stop_at="vision", locale=lang)

    async def say(text: str) -> list[Outbound]:
        return await core.handle(Inbound(user, "text", text=text, locale=lang))

    vision = ("saya akan bikin sensasi biar viral dan dikenal seluruh warga jatim" if lang == "id"
              else "I'll pull publicity stunts until the whole province knows me")
    out = await say(vision)
    warns = [m for m in out if m.key == "warn.controversy"]
    assert len(warns) == 1 and CATALOG.t(lang, "rep.stunt.alt") in warns[0].text
    mission = ("serang lawan politik tiap hari, bongkar kebusukan mereka" if lang == "id"
               else "Attack my opponents every day and dig up their dirt")
    out = await say(mission)
    assert not any(m.key == "warn.controversy" for m in out)  # the reasoning once; then each new tactic's alternative
    assert [m.key for m in out if m.key.startswith("rep.")] == ["rep.attack.alt"]
    assert CATALOG.t(lang, "rep.attack.alt") in " ".join(m.text for m in out)


# --- a pillar that is itself a risky tactic is never scheduled; the plan says to replace it ---

RISKY_PILLARS: dict[str, Any] = {"role": "politician", "pillars": ["program kerja", "kegiatan blusukan", "sindir lawan"]}


@pytest.mark.parametrize(("lang", "risky"), [("id", "sindir lawan"), ("en", "trolling my rivals")])
def test_a_risky_pillar_gets_no_posts_ideas_collaborations_or_hashtags(lang: str, risky: str) -> None:
    from datetime import date

    from handlers import reputation as R
    from handlers.calendar.build import CalendarSettings, build_calendar
    from handlers.check.review import review
    from handlers.ideas import user_pillars
    from handlers.plan import build_plan
    from handlers.reminders import content as NC
    from nudge_helpers import ANSWERS

    answers = {**ANSWERS, "role": "politician", "pillars": ["program kerja", "kegiatan blusukan", risky]}
    assert R.held_back(answers) == [risky]
    assert user_pillars(answers) == ["program kerja", "kegiatan blusukan"]
    entries = build_calendar(answers, CalendarSettings(), date(2026, 3, 2))
    assert entries and all(e.pillar != risky for e in entries)
    assert all(NC.pick_idea(answers, [], f"seed{n}")[1] != risky for n in range(30))  # type: ignore[index]
    tag = "#" + risky.replace(" ", "")
    assert tag not in review("Blusukan ke pasar pagi ini.", answers).suggestions
    t = lambda key, **kw: CATALOG.t(lang, key, **kw)  # noqa: E731
    sections = build_plan(answers, t)
    lines = [line for s in sections for line in s.lines]
    replace = t("plan.held_back", item=risky)
    assert replace in lines
    assert [line for line in lines if risky in line] == [replace]  # no pillar line, no collaboration, nothing else
    assert t("rep.attack.plan" if lang == "id" else "rep.provoke.plan") in "\n".join(lines)  # the alternative


def test_every_pillar_risky_still_gives_one_stakeholder_line_per_segment() -> None:
    from handlers.plan import build_plan
    from nudge_helpers import ANSWERS

    answers = {**ANSWERS, "needs": "jalan desa", "segments": ["warga desa", "anak muda"], "priority_segment": "anak muda",
               "pillars": ["sindir lawan", "serang balik"]}
    lines = [line for s in build_plan(answers, lambda k, **kw: CATALOG.t("id", k, **kw)) for line in s.lines]
    assert sum(1 for line in lines if line.startswith(("warga desa", "anak muda"))) == 2
    assert not any("sindir lawan" in line and "plan" not in line and "⛔" not in line for line in lines)


# --- the guard's alternatives in the role's own words (issue 23 item 6) ---

# One answer per tactic that plans it (both languages): the plan's guard lines are read for every role from these.
SAMPLES: dict[str, tuple[str, str]] = {
    "stunt": ("saya akan bikin sensasi biar viral", "I'll pull publicity stunts until everyone knows me"),
    "provoke": ("outrage dan rage bait biar rame", "outrage and rage bait so people keep talking"),
    "hoax": ("sebar gosip soal saingan", "spread rumours about my rivals"),
    "attack": ("serang saingan tiap hari", "attack my rivals every day"),
    "buzzer": ("pakai buzzer buat giring opini", "use buzzers and buy followers"),
    "hit_back": ("balas keras setiap kritik", "hit back at every critic"),
    "smear": ("kasi tau warga kalo bapa Frans makan dana desa", "tell everyone Frans stole the village funds"),
    "sara": ("jangan pilih dia, bukan orang kita, pendatang", "Don't vote for newcomers, they are not one of us"),
    "vote_buying": ("bagi sembako buat yang datang dan nyoblos", "give groceries to everyone who comes and votes for me"),
}
LANGS = ("id", "en", "id-formal")


def _roles() -> list[str]:
    step = S.step_by_id("role")
    assert step is not None and step.options
    return list(step.options)


def _shown(role: str, tactic: str, kind: str) -> str:
    from handlers import reputation as R
    return R.role_key(f"rep.{tactic}.{kind}", role)


@pytest.mark.parametrize("role", _roles())
def test_each_role_gets_its_own_guard_texts_else_the_general_ones_never_an_avoided_word(role: str) -> None:
    from bot.i18n import base_language
    from handlers import playbook
    from handlers import reputation as R

    avoid = playbook.avoided(role)
    for tactic in R.tactic_ids():
        for kind in R.KINDS:
            own, general = f"rep.{tactic}.{role}.{kind}", f"rep.{tactic}.{kind}"
            key = _shown(role, tactic, kind)
            assert key == (own if CATALOG.has(own, "id") else general), (role, tactic, kind)
            for lang in LANGS:
                text = CATALOG.t(lang, key)
                assert text != key and not playbook.says_avoided(text, avoid[base_language(lang)]), \
                    (role, tactic, kind, lang, text)


def test_some_roles_have_their_own_wording_and_a_role_without_keeps_the_general_text() -> None:
    from handlers import reputation as R
    assert R.role_key("rep.buzzer.alt", "") == "rep.buzzer.alt"
    assert R.role_key("rep.buzzer.alt", "no_such_role") == "rep.buzzer.alt"
    assert R.role_key("plan.held_back", "seller") == "plan.held_back"  # only the guard's texts have role wording
    owned = [(r, t, k) for r in _roles() for t in R.tactic_ids() for k in R.KINDS if
             _shown(r, t, k) != f"rep.{t}.{k}"]
    assert owned and all(_shown(r, t, k) == f"rep.{t}.{r}.{k}" for r, t, k in owned)


def test_a_typo_in_a_roles_wording_is_reported() -> None:
    from handlers import reputation as R
    keys = ["rep.buzzer.seller.alt", "rep.buzzer.sellr.alt", "rep.buzer.seller.plan", "rep.buzzer.alt",
            "rep.buzzer.seller.note"]
    assert R.stray_role_texts(keys, R.tactic_ids(), _roles()) == ["rep.buzzer.sellr.alt", "rep.buzer.seller.plan"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", _roles())
def test_the_plans_guard_lines_are_the_roles_own(role: str, lang: str) -> None:
    from handlers import playbook
    from handlers.plan import build_plan
    from nudge_helpers import ANSWERS

    t = lambda key, **kw: CATALOG.t(lang, key, **kw)  # noqa: E731
    vision = S.step_by_id("vision")
    assert vision is not None
    checked = 0
    for tactic, samples in SAMPLES.items():
        sample = samples[0 if lang.startswith("id") else 1]
        if tactic not in S.tactics_in(vision, sample):  # the lexicon was reworded: this sample no longer plans it
            continue
        checked += 1
        text = "\n".join(line for s in build_plan({**ANSWERS, "role": role, "vision": sample}, t) for line in s.lines)
        shown, general = t(_shown(role, tactic, "plan")), t(f"rep.{tactic}.plan")
        assert shown in text, (role, tactic)
        assert shown == general or general not in text
        assert not playbook.says_avoided(shown, playbook.avoided(role)[lang[:2]])
    assert checked >= len(SAMPLES) // 2


@pytest.mark.parametrize("role", _roles())
async def test_the_questionnaires_warning_is_the_roles_own(core: Core, role: str) -> None:
    lang = "id"
    user = UserRef("fake", f"warn-{role}", "Rina")
    await A.walk(core, user, {"role": role}, lang=lang, stop_at="vision", locale=lang)
    out = await core.handle(Inbound(user, "text", text=SAMPLES["buzzer"][0], locale=lang))
    text = " ".join(m.text for m in out)
    shown, general = CATALOG.t(lang, _shown(role, "buzzer", "alt")), CATALOG.t(lang, "rep.buzzer.alt")
    assert shown in text
    assert shown == general or general not in text
