"""The drafts and answers a careful Indonesian media coach would stop, as people write them (dialect, slang, long
formal sentences, English in Bali), and their safe look-alikes: /check's verdict, the words it quotes, and the same
judgement in the questionnaire and the plan."""
from __future__ import annotations

from typing import Any

import pytest

from bot.core import Core
from bot.i18n import Catalog
from handlers import steps as S
from handlers.check.review import review, risks
from handlers.understand.risk import assess, severity_of
from nudge_helpers import ANSWERS, cmd, done_user

CATALOG = Catalog()

RISKY: list[tuple[str, set[str]]] = [
    ("Kabarnya, kurikulum baru ini adalah titipan pihak asing dan golongan tertentu… Para guru muslim harus waspada! "
     "Mohon disebarluaskan ke grup WA sekolah", {"hoax", "sara"}),
    ("bapa Frans itu dulu makan dana desa 200 juta, org2 di pasar su bilang. Jang pilih dia, dia bukan orang kita, dia "
     "pendatang dari Ende. Share skarang sblm dihapus!!", {"defamation", "sara", "hoax"}),
    ("Yang datang kampanye hari Sabtu dapat sembako gratis 1 paket + uang bensin 50rb", {"vote_buying"}),
    ("GIVEAWAY iPhone 15 Pro!! Caranya: follow, like, tag 5 temen di komen. Pemenang diumumin kalo udah tembus 50k "
     "followers", {"deceptive_promo", "bait"}),
    ("Nyepi is the best day to sneak out for a sunrise session on the beach while the island is quiet! 50% off TODAY "
     "ONLY!!", {"observance", "deceptive_promo"}),
    ("My client said this breathwork cured my insomnia and she finally came off her sleeping pills 🙏", {"health_money"}),
    ("Pak Frans itu koruptor dana desa", {"defamation"}),
]

SAFE = [
    "Inhale for 4, hold for 4, exhale for 6. Try it tonight before bed. #breathwork #burnout",
    "Kerja bakti bersihkan saluran air, datang jam 7 pagi di balai desa ya bapa mama semua",
    "Tolak serangan fajar! Suara kita tidak dijual, pilih karena program.",
    "Info yang beredar soal kurikulum titipan asing itu hoaks. Cek dulu di situs resmi sebelum dibagikan ya.",
    "Turut berduka cita atas berpulangnya Bapak Yohanes. Semoga keluarga diberi kekuatan.",
    "Selamat Hari Raya Nyepi bagi yang merayakan. Studio tutup sehari, buka lagi Jumat jam 9.",
]


@pytest.mark.parametrize(("draft", "want"), RISKY, ids=[d[:30] for d, _ in RISKY])
def test_the_issues_drafts_are_flagged_with_their_words(draft: str, want: set[str]) -> None:
    found = assess(draft)
    assert {f.risk for f in found} == want
    for f in found:
        assert f.quote and f.quote in draft  # the words that showed it, as typed


@pytest.mark.parametrize("draft", SAFE, ids=[d[:30] for d in SAFE])
def test_safe_look_alikes_pass(draft: str) -> None:
    assert risks(draft) == ()


def test_a_stop_item_gets_no_praise_and_no_call_to_action() -> None:
    answers = {**ANSWERS, "pillars": ["kurikulum baru", "tips guru"]}
    r = review(RISKY[0][0], answers)
    assert r.severity == "stop" and r.withheld and not r.cta and r.pillar is not None  # it does name the pillar...
    giveaway = review(RISKY[3][0], ANSWERS)
    assert giveaway.severity == "stop" and not giveaway.cta and giveaway.bait_cta


async def test_the_reply_never_says_safe_or_on_brand_for_a_stop_item(core: Core) -> None:
    for uid, lang in (("s1", "id"), ("s2", "en")):
        user = await done_user(core, uid=uid, lang=lang, answers={**ANSWERS, "pillars": ["kurikulum baru"]})
        text = (await cmd(core, user, "check", *RISKY[0][0].split()))[0].text
        t = core.catalog.t
        assert t(lang, "check.verdict_stop") in text
        assert t(lang, "check.no_risk") not in text and t(lang, "check.cta_yes") not in text
        assert t(lang, "check.on_brand", pillar="kurikulum baru") not in text
        for risk in ("hoax", "sara"):
            assert t(lang, f"check.risk.{risk}") in text and t(lang, f"check.fix.{risk}") in text
        ask = next(t(lang, k) for k in ("check.cta_withheld", "check.cta_no") if t(lang, k) in text)
        assert text.index(t(lang, "check.fix.hoax")) < text.index(ask)  # the risks first, polish after


def test_a_pillar_in_other_words_is_on_brand_and_an_invitation_with_a_time_is_a_call_to_action() -> None:
    answers = {**ANSWERS, "pillars": ["breathwork for stress", "sleep hygiene"]}
    r = review(SAFE[0], answers)
    assert r.findings == () and r.pillar == "breathwork for stress"
    assert review(SAFE[1], ANSWERS).cta


def test_severities_come_from_the_content() -> None:
    for draft, want in RISKY:
        for f in assess(draft):
            assert f.severity == severity_of(f.risk)


# ---- the same judgement in the questionnaire and the plan --------------------------------------------------

PLANNED: list[tuple[str, Any, str]] = [
    ("get_noticed", "sa mau kasi tau warga kalo bapa Frans dulu makan dana desa, org2 bilang begitu", "smear"),
    ("get_noticed", "bagi sembako ke warga yang datang kampanye, plus uang bensin", "vote_buying"),
    ("get_noticed", "ingatkan warga jangan pilih pendatang, dia bukan orang kita", "sara"),
]


@pytest.mark.parametrize(("step_id", "value", "tactic"), PLANNED)
def test_a_typed_answer_that_plans_harm_is_warned(step_id: str, value: Any, tactic: str) -> None:
    step = S.step_by_id(step_id)
    assert step is not None
    assert tactic in S.tactics_in(step, value)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_plan_never_lists_a_harmful_answer_as_strategy(lang: str) -> None:
    from handlers.plan import build_plan

    answers = {**ANSWERS, "role": "politician", "get_noticed": PLANNED[0][1]}
    t = lambda key, **kw: CATALOG.t(lang, key, **kw)  # noqa: E731
    text = "\n".join(line for s in build_plan(answers, t) for line in s.lines)
    assert "Frans" not in text and "dana desa" not in text
    from handlers.reputation import role_key
    assert t(role_key("rep.smear.plan", "politician")) in text  # the alternative instead, in the role's words
