"""The plan's rules as content: the condition language, the checks on content/plan.toml, and plans built from them."""
from __future__ import annotations

import copy
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ANSWERS_ID

from bot.content import load_content
from bot.i18n import LANGUAGES, Catalog
from handlers import steps as S
from handlers.plan import build_plan, plan_rules, render_markdown
from handlers.plan.build import Schedule, build_sections, computed
from handlers.plan.rules import check_condition, holds
from handlers.plan.spec import CALCS, Line, parse_rules

ROOT = Path(__file__).resolve().parent.parent
CATALOG = Catalog()
STEPS = {s.id: s for s in S.all_steps()}


def translator(lang: str, extra: dict[str, str] | None = None) -> Callable[..., str]:
    messages = {**CATALOG.messages[lang], **(extra or {})}
    return lambda key, **p: messages[key].format(**p) if key in messages else key


def marker(key: str, **params: Any) -> str:
    """A translator that shows which key a line came from and with what values."""
    return key + "|" + json.dumps(params, sort_keys=True, default=str)


def keys_of(sections: list[Any]) -> list[str]:
    return [line.split("|", 1)[0] for sec in sections for line in sec.lines]


OFFICE_PHRASES = tuple(load_content("office_hours")["words"]["phrases"])


def random_answers(rng: random.Random, steps: tuple[S.Step, ...] = S.all_steps()) -> dict[str, Any]:
    """A complete, valid set of answers for the questionnaire (optional ones sometimes skipped)."""
    answers: dict[str, Any] = {}
    for step in steps:
        if not S.applies(step, answers):
            continue
        if not step.required and rng.random() < 0.25:
            answers[step.id] = None
        elif step.options_from:
            answers[step.id] = rng.choice(answers[step.options_from])
        elif step.kind == "choice":
            answers[step.id] = rng.choice(step.options)
        elif step.kind == "multi":
            answers[step.id] = rng.sample(step.options, rng.randint(max(1, step.min_items), len(step.options)))
        elif step.kind == "list":
            count = rng.randint(step.min_items, step.max_items or step.min_items + 3)
            answers[step.id] = [f"{step.id} item {i}" for i in range(count)]
        elif step.warn and rng.random() < 0.3:  # a way to get noticed the reputation guard warns about, or denies
            answers[step.id] = rng.choice(RISKY_TEXTS)
        elif rng.random() < 0.15:  # events as people list them, some where nobody promotes (funerals, worship)
            answers[step.id] = rng.choice(EVENT_TEXTS)
        elif rng.random() < 0.1:  # replies kept to office hours, in the content's own words
            answers[step.id] = f"balas di {rng.choice(OFFICE_PHRASES)} saja"
        else:
            answers[step.id] = f"{step.id} text {rng.randint(0, 99)}"
    return answers


EVENT_TEXTS = ["arisan, kerja bakti dan melayat warga", "pengajian", "markets, funerals and school fairs"]


RISKY_TEXTS = ["bikin sensasi biar viral", "Aku tidak mau pakai sensasi", "konten edukasi tentang hoaks",
               "rage bait and clickbait", "I will never use clickbait"]
PROFILES = [random_answers(random.Random(seed)) for seed in range(400)]


def random_schedule(rng: random.Random) -> Schedule | None:
    """The reminder settings a user may have stored (or none): their own reply times and posting days."""
    if rng.random() < 0.5:
        return None
    times = sorted(rng.sample([f"{h:02d}:00" for h in range(6, 23)], rng.randint(1, 8)))
    return Schedule(tuple(times), tuple(sorted(rng.sample(range(7), rng.randint(1, 7)))))


SCHEDULES = [random_schedule(random.Random(1000 + seed)) for seed in range(400)]


# --- the condition language (pure) ---

def test_step_tests() -> None:
    a = {"daily_minutes": "30", "focus_platforms": ["x", "tiktok", "youtube"], "team": "team", "vision": "v"}
    assert holds({"step": "daily_minutes", "max": 30}, a) is True
    assert holds({"step": "daily_minutes", "max": 15}, a) is False
    assert holds({"step": "daily_minutes", "min": 30, "max": 60}, a) is True
    assert holds({"step": "focus_platforms", "count_min": 3}, a) is True
    assert holds({"step": "focus_platforms", "count_max": 2}, a) is False
    assert holds({"step": "focus_platforms", "has": "youtube"}, a) is True
    assert holds({"step": "focus_platforms", "in": ["instagram", "linkedin"]}, a) is False
    assert holds({"step": "team", "is": "team"}, a) is True
    assert holds({"step": "team", "in": ["alone"]}, a) is False
    assert holds({"step": "vision", "answered": True}, a) is True
    assert holds({"calc": "reply_count", "max": 1}, a, {"reply_count": 1}) is True
    assert holds({"calc": "warned", "is": True}, a, {"warned": False}) is False


def test_missing_answers_make_a_condition_unknown_and_combinators_are_three_valued() -> None:
    a = {"team": "alone", "goal_10y": None, "segments": []}
    missing = {"step": "purposes", "has": "explain"}
    assert holds(missing, a) is None
    assert holds({"not": missing}, a) is None
    assert holds({"step": "goal_10y", "answered": True}, a) is False
    assert holds({"step": "segments", "answered": False}, a) is True
    assert holds({"all": [missing, {"step": "team", "is": "team"}]}, a) is False
    assert holds({"all": [missing, {"step": "team", "is": "alone"}]}, a) is None
    assert holds({"any": [missing, {"step": "team", "is": "alone"}]}, a) is True
    assert holds({"any": [missing, {"step": "team", "is": "team"}]}, a) is None
    assert holds({"calc": "reply_minutes", "min": 2}, a, {}) is None


@pytest.mark.parametrize("cond, problem", [
    ({"step": "no_such_step", "is": "x"}, "unknown step id 'no_such_step'"),
    ({"step": "cadence", "is": "2"}, "unknown option value '2'"),
    ({"step": "purposes", "has": "explain", "colour": "red"}, "unknown condition key"),
    ({"step": "vision", "count_min": 2}, "needs a list or multi step"),
    ({"step": "vision", "min": 2}, "numeric options"),
    ({"step": "purposes", "is": "explain"}, "use 'has'"),
    ({"step": "purposes"}, "has no test"),
    ({"calc": "no_such_value", "min": 1}, "unknown computed value"),
    ({"all": [{"step": "team", "is": "team"}, {"step": "team", "is": "crew"}]}, "unknown option value 'crew'"),
    ({"not": {"step": "x_y", "answered": True}}, "unknown step id 'x_y'"),
    ({"step": "team", "all": []}, "exactly one of"),
])
def test_the_checker_names_what_is_wrong(cond: dict[str, Any], problem: str) -> None:
    problems = check_condition(cond, STEPS, CALCS)
    assert problems and any(problem in p for p in problems), problems


def test_the_checker_accepts_every_condition_in_the_content() -> None:
    conds = [line.when for line in all_lines() if line.when is not None]
    assert conds
    for cond in conds:
        assert check_condition(cond, STEPS, CALCS) == []


# --- content/plan.toml is checked when loaded ---

def broken(change: Callable[[dict[str, Any]], None]) -> str:
    data = copy.deepcopy(load_content("plan"))
    change(data)
    with pytest.raises(ValueError) as err:
        parse_rules(data, S.all_steps(), CATALOG.messages)
    assert "content/plan.toml" in str(err.value)
    return str(err.value)


def first_when_line(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for sec in data["sections"]:
        for line in sec["lines"]:
            if "when" in line:
                return sec["id"], line
    raise AssertionError("no rule with a condition")


def test_content_errors_name_the_file_and_the_rule() -> None:
    sid, line = first_when_line(load_content("plan"))
    msg = broken(lambda d: first_when_line(d)[1].update(when={"step": "favourite_colour", "is": "red"}))
    assert "favourite_colour" in msg and f"section {sid!r}" in msg and line["text"] in msg
    msg = broken(lambda d: first_when_line(d)[1].update(when={"step": "cadence", "is": "9"}))
    assert "unknown option value '9'" in msg
    msg = broken(lambda d: first_when_line(d)[1].update(when={"step": "cadence", "above": 3}))
    assert "unknown condition key" in msg and "above" in msg
    msg = broken(lambda d: first_when_line(d)[1].update(text="plan.rec.no_such_tip"))
    assert "missing catalog key 'plan.rec.no_such_tip'" in msg
    msg = broken(lambda d: first_when_line(d)[1].update(colour="red"))
    assert "unknown key" in msg
    msg = broken(lambda d: d["reply_windows"]["options"].update({"2": ["10:00"]}))
    assert "unknown option value '2'" in msg
    msg = broken(lambda d: d["reply_windows"]["options"].pop(d["reply_windows"]["default"]))
    assert "reply_windows" in msg
    msg = broken(lambda d: d["posting_days"]["options"].update({d["posting_days"]["default"]: [7]}))
    assert "posting_days" in msg
    msg = broken(lambda d: d["sections"][0]["lines"].append({"text": "plan.rec.batch", "each": "vision"}))
    assert "'vision' is text" in msg


def test_a_template_placeholder_must_name_a_step_or_value() -> None:
    messages = {lang: dict(table) for lang, table in CATALOG.messages.items()}
    messages["en"]["plan.vision"] = "Vision: {visoin}"
    with pytest.raises(ValueError, match=r"content/plan\.toml: .*plan\.vision.*visoin"):
        parse_rules(load_content("plan"), S.all_steps(), messages)


# --- the rules from content drive the plan ---

def all_lines() -> list[Line]:
    out = []
    for sec in plan_rules().sections:
        for line in sec.lines:
            out.extend(line.one_of or (line,))
    return out


def expected_alternative(line: Line, answers: dict[str, Any], calcs: dict[str, Any]) -> str | None:
    for alt in line.one_of:
        if alt.when is None or holds(alt.when, answers, calcs) is True:
            return alt.text
    return None


def test_each_recommendation_shows_exactly_when_its_condition_holds() -> None:
    fired: dict[str, set[bool]] = {}
    for answers, schedule in zip(PROFILES, SCHEDULES, strict=True):
        shown = set(keys_of(build_plan(answers, marker, schedule)))
        calcs = computed(plan_rules(), STEPS, answers, marker, schedule)
        for sec in plan_rules().sections:
            for line in sec.lines:
                if line.one_of:
                    chosen = expected_alternative(line, answers, calcs)
                    for alt in line.one_of:
                        assert (alt.text in shown) == (alt.text == chosen), (alt.where, answers)
                        fired.setdefault(alt.text, set()).add(alt.text == chosen)
                elif line.when is not None and line.each is None:
                    want = holds(line.when, answers, calcs) is True
                    assert (line.text in shown) == want, (line.where, answers)
                    fired.setdefault(line.text, set()).add(want)
    never = [key for key, seen in fired.items() if seen != {True, False}]
    assert not never, f"rules that always or never show in {len(PROFILES)} plans: {never}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plans_have_no_repeats_and_no_unfilled_placeholders(lang: str) -> None:
    t = translator(lang)
    for answers in PROFILES[:150]:
        answers = {**answers, "segments": answers["segments"] + answers["segments"][:1]}  # typed twice
        lines = [line for sec in build_plan(answers, t) for line in sec.lines]
        assert len(lines) == len(set(lines)), [line for line in lines if lines.count(line) > 1]
        assert not [line for line in lines if "{" in line or re.search(r"\bNone\b(?! \w)", line)]  # not "None yet"


def test_every_answer_reaches_the_plan() -> None:
    t = translator("en")
    for answers in PROFILES[:100]:
        text = "\n".join(line for sec in build_plan(answers, t) for line in sec.lines)
        for step in S.all_steps():
            value = answers.get(step.id)
            if value is None:
                continue
            if step.id not in plan_rules().shown:  # no rule uses it: listed as "short: answer"
                assert f"{t(f'q.{step.id}.short')}: " in text, step.id
            if step.kind in ("text", "list") or step.options_from:  # what the user typed is never lost
                for item in value if isinstance(value, list) else [value]:
                    assert item in text, (step.id, item)


@pytest.mark.parametrize("step_id", [s.id for s in S.all_steps()])
def test_a_missing_answer_leaves_its_rules_out_cleanly(step_id: str) -> None:
    for answers in PROFILES[:20]:
        partial = {k: v for k, v in answers.items() if k != step_id}
        for lang in LANGUAGES:
            lines = [line for sec in build_plan(partial, translator(lang)) for line in sec.lines]
            assert lines and not [line for line in lines if "{" in line]
        assert not [k for k in keys_of(build_plan(partial, marker)) if f'"{step_id}"' in k]
    assert build_plan({}, translator("en")) is not None


def test_a_tip_written_under_two_sections_shows_once() -> None:
    data = copy.deepcopy(load_content("plan"))
    tip = next(line for sec in data["sections"] for line in sec["lines"] if "when" in line)
    data["sections"][-1]["lines"] = [*data["sections"][-1].get("lines", []), dict(tip)]
    rules = parse_rules(data, S.all_steps(), CATALOG.messages)
    for answers in PROFILES[:50]:
        keys = keys_of(build_sections(rules, S.all_steps(), answers, marker))
        assert keys.count(tip["text"]) <= 1


# --- time budget and platform advice do not contradict the plan ---

def test_the_reply_routine_fits_the_interaction_minutes() -> None:
    t_en = CATALOG.messages["en"]
    for minutes in STEPS["daily_minutes"].options:
        for target in STEPS["response_time"].options:
            answers = {**PROFILES[0], "daily_minutes": minutes, "response_time": target}
            calcs = computed(plan_rules(), STEPS, answers, marker)
            assert calcs["create"] + calcs["interact"] == int(minutes)
            routine = [line for line in keys_of(build_plan(answers, marker)) if line.startswith("plan.reply_routine")]
            assert len(routine) == 1, routine
            template = t_en[routine[0]]
            if "{reply_minutes}" in template:
                assert calcs["reply_minutes"] >= 1
                assert calcs["reply_minutes"] * calcs["reply_count"] <= calcs["interact"], (minutes, target)
            else:
                assert "{interact}" in template, "a routine without minutes per round says the total"


def test_advice_to_narrow_the_platforms_says_what_happens_to_the_rest() -> None:
    narrowing = [line for line in all_lines() if any(p.mode == "first" for p in line.params)]
    assert narrowing
    for line in narrowing:
        steps = {p.step for p in line.params if p.mode == "first"}
        assert all({p.mode for p in line.params if p.step == s} & {"after", "count"} for s in steps), line.where
    checked = 0
    for answers in PROFILES:
        marked = [line for sec in build_plan(answers, marker) for line in sec.lines]
        for lang in LANGUAGES:
            t = translator(lang)
            rendered = [line for sec in build_plan(answers, t) for line in sec.lines]
            assert len(rendered) == len(marked)
            for line in narrowing:
                after = [p.step for p in line.params if p.mode == "after"]
                for n, raw in enumerate(marked):
                    if raw.split("|", 1)[0] == line.text and after:
                        labels = [t(f"opt.{after[0]}.{v}") for v in answers[after[0]]]
                        assert all(label in rendered[n] for label in labels), (rendered[n], labels)
                        checked += 1
    assert checked


# --- a step added to the questionnaire reaches the plan without Python ---

NEW_STEPS = """
[[steps]]
id = "dream_collab"
section = "step3"
kind = "text"
min_len = 2
max_len = 200

[[steps]]
id = "tools"
section = "extras"
kind = "multi"
options = ["canva", "capcut"]
"""
NEW_TEXTS = {
    "id": {"q.dream_collab.prompt": "Kolaborasi impian?", "q.dream_collab.short": "Kolaborasi impian",
           "q.tools.prompt": "Alat apa yang kamu pakai?", "q.tools.short": "Alat", "sec.extras": "Tambahan",
           "opt.tools.canva": "Canva", "opt.tools.capcut": "CapCut"},
    "en": {"q.dream_collab.prompt": "Dream collaboration?", "q.dream_collab.short": "Dream collaboration",
           "q.tools.prompt": "Which tools do you use?", "q.tools.short": "Tools", "sec.extras": "Extras",
           "opt.tools.canva": "Canva", "opt.tools.capcut": "CapCut"},
}


def test_a_step_added_to_a_copy_of_the_questionnaire_shows_in_the_plan() -> None:
    data = copy.deepcopy(load_content("questionnaire"))
    data["steps"] += tomllib.loads(NEW_STEPS)["steps"]
    steps = S.parse_steps(data)
    messages = {lang: {**CATALOG.messages[lang], **NEW_TEXTS[lang]} for lang in LANGUAGES}
    rules = parse_rules(load_content("plan"), steps, messages)
    answers = {**PROFILES[1], "dream_collab": "A duet with Tulus", "tools": ["capcut", "canva"]}
    t = translator("en", NEW_TEXTS["en"])
    sections = build_sections(rules, steps, answers, t)
    by_title = {sec.title: sec.lines for sec in sections}
    strategy = next(r for r in rules.sections if "step3" in r.collect)
    assert "Dream collaboration: A duet with Tulus" in by_title[t(strategy.title)]
    other = next(r for r in rules.sections if "*" in r.collect)
    assert by_title[t(other.title)] == ["Tools: CapCut, Canva"]
    assert "- Tools: CapCut, Canva" in render_markdown("Plan", sections)
    # and without the answers the plan still builds, with no trace of them
    lines = [line for sec in build_sections(rules, steps, PROFILES[1], t) for line in sec.lines]
    assert not [line for line in lines if "Tools" in line or "Dream" in line]


def test_end_to_end_a_new_step_in_content_reaches_the_markdown_file(tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    shutil.copytree(ROOT / "content", pkgs / "content")
    shutil.copytree(ROOT / "locales", pkgs / "locales")
    with open(pkgs / "content" / "questionnaire.toml", "a", encoding="utf-8") as f:
        f.write(NEW_STEPS.split("[[steps]]\nid = \"tools\"")[0])
    for lang in LANGUAGES:
        texts = NEW_TEXTS[lang]
        with open(pkgs / "locales" / lang / "extra.toml", "w", encoding="utf-8") as f:
            f.write(f'[q.dream_collab]\nprompt = "{texts["q.dream_collab.prompt"]}"\n'
                    f'short = "{texts["q.dream_collab.short"]}"\n')
    lines = ANSWERS_ID[:-1] + ["Duet dengan Tulus"] + ANSWERS_ID[-1:]
    env = {**os.environ, "BRANDCOACH_DB": str(tmp_path / "db.sqlite3"), "PYTHONPATH": f"{pkgs}{os.pathsep}{ROOT}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("DISCORD_BOT_TOKEN", None)
    proc = subprocess.run([sys.executable, "-m", "bot"], check=False, input="".join(line + "\n" for line in lines),
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Kolaborasi impian?" in proc.stdout
    md = (tmp_path / "brandcoach-files" / "brandcoach-local-rencana-personal-branding.md").read_text(encoding="utf-8")
    assert "- Kolaborasi impian: Duet dengan Tulus" in md
