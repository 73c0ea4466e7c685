"""Issue 23 (2, 6): a section for the main purpose, specific to every role x purpose, in the role's words; offline
advice that keeps funerals and worship free of promotion; no role-inappropriate word anywhere in the plan."""
from __future__ import annotations

import itertools
import re
from functools import partial
from typing import Any

import answers as A
from bot.content import load_content
from bot.i18n import LANGUAGES, Catalog
from handlers import playbook as P
from handlers import steps as S
from handlers.plan import build_plan

CAT = Catalog()
STEPS = {s.id: s for s in S.all_steps()}
ROLES = list(STEPS["role"].options)
PURPOSES = list(STEPS["purposes"].options)
DATA = load_content("playbooks")
QUIET = {lang: DATA["offline"]["quiet"][lang][0] for lang in LANGUAGES}  # a funeral, as the user may type it


def _answers(role: str, purposes: list[str], lang: str, **extra: Any) -> dict[str, Any]:
    answers = A.plan_answers({"role": role, "purposes": purposes}, lang)
    return {**answers, **extra}


def _sections(answers: dict[str, Any], lang: str) -> dict[str, list[str]]:
    t = partial(CAT.t, lang)
    return {s.title: s.lines for s in build_plan(answers, t)}


def _has_word(text: str, word: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(word.lower()), text.lower()) is not None


def test_every_role_and_purpose_gets_a_specific_purpose_section() -> None:
    """For every role x purpose (both languages): a section with three first steps that names something from the
    role's or the purpose's vocabulary (content/playbooks.toml), never the generic words of another role."""
    for role, purpose, lang in itertools.product(ROLES, PURPOSES, LANGUAGES):
        lines = _sections(_answers(role, [purpose], lang), lang).get(CAT.t(lang, "plan.sec.purpose"))
        assert lines, (role, purpose, lang)
        steps = [line for line in lines if re.match(r"\d\. ", line)]
        assert len(steps) == P.STEPS, (role, purpose, lang, lines)
        text = " ".join(lines)
        effective = P.effective_purpose(role, purpose)
        vocab = DATA["roles"][role]["vocab"][lang] + DATA["purposes"][effective]["vocab"][lang]
        assert any(_has_word(text, w) for w in vocab), (role, purpose, lang, text)
        assert "{" not in text


def test_the_main_purpose_is_the_goal_beyond_being_known() -> None:
    order = DATA["main_order"]
    for a, b in itertools.combinations(order, 2):
        assert P.main_purpose([b, a]) == a


def test_no_role_inappropriate_word_in_any_plan() -> None:
    """Voters are not buyers: each role's plan (every purpose, offline events with a funeral and worship) says none
    of the role's avoid words (content/playbooks.toml), in either language."""
    for role, purpose, lang in itertools.product(ROLES, PURPOSES, LANGUAGES):
        avoid = (DATA["roles"][role].get("avoid") or {}).get(lang, [])
        answers = _answers(role, [purpose], lang, controversy=STEPS["controversy"].warn_options[0],
                           offline=f"arisan, kerja bakti, {QUIET[lang]}")
        text = "\n".join(line for lines in _sections(answers, lang).values() for line in lines)
        found = [w for w in avoid if _has_word(text, w)]
        assert not found, (role, purpose, lang, found)


def test_offline_advice_keeps_funerals_and_worship_free_of_promotion() -> None:
    """A village-head candidate who meets people at gatherings, funerals and prayer meetings is asked to share the
    gatherings only; the funerals are named apart, with no promotion and no photos."""
    for role, lang in itertools.product(ROLES, LANGUAGES):
        t = partial(CAT.t, lang)
        funeral = QUIET[lang]
        offline = f"arisan dan kerja bakti, {funeral}"
        answers = _answers(role, ["exist"], lang, offline=offline)
        promo = P.role_text(t, lambda k: CAT.has(k, lang), "offline", role)
        lines = [line for lines in _sections(answers, lang).values() for line in lines if funeral in line]
        assert lines, (role, lang)
        for line in lines:  # the answer itself may be quoted as the line's label; the advice names the events
            share, _, rest = line.replace(f"({offline})", "").partition(promo)
            assert funeral not in share and funeral in rest, (role, lang, line)
        only = _answers(role, ["exist"], lang, offline=funeral)
        text = "\n".join(line for lines in _sections(only, lang).values() for line in lines)
        assert promo not in text, (role, lang)


def test_a_candidate_is_never_told_his_audience_wont_buy() -> None:
    """The article's point 9, in the role's words: the plan's warning, the questionnaire's and the weekly nudge."""
    for lang in LANGUAGES:
        t = partial(CAT.t, lang)
        for role in ROLES:
            stake = P.stake(t, role)
            for key in ("plan.rec.guard_warning", "warn.controversy", "nudge.reputation.c"):
                text = CAT.t(lang, key, stake=stake)
                avoid = (DATA["roles"][role].get("avoid") or {}).get(lang, [])
                assert stake in text and not [w for w in avoid if _has_word(text, w)], (lang, role, key)


def test_the_answers_fill_the_steps() -> None:
    """A booking link and a lead magnet the user named are used, not a generic 'make one'."""
    needs = "Yang mereka cari: jadwal kelas; booking lewat calendly.com/rina-yoga, dan ada e-book gratis 5 pose pagi"
    for lang in LANGUAGES:
        answers = _answers("professional", ["clients", "exist"], lang, needs=needs)
        lines = _sections(answers, lang)[CAT.t(lang, "plan.sec.purpose")]
        text = " ".join(lines)
        assert "calendly.com/rina-yoga" in text and "e-book gratis 5 pose pagi" in text, text
        assert str(answers["pillars"][0]) in text
