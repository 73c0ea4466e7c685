"""Content as validated data: `brandcoach check-content` and start-up refuse typos, with file, line and key path."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import content
import locales
from bot import checks, schema
from bot.content import load_content
from handlers.reminders import content as NC
from handlers import steps as S

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A private copy of content/ and locales/ that a test may break."""
    shutil.copytree(Path(content.__file__).parent, tmp_path / "content")
    shutil.copytree(Path(locales.__file__).parent, tmp_path / "locales")
    return tmp_path


def run(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BRANDCOACH_CONTENT_DIR": str(tree / "content"),
           "BRANDCOACH_LOCALES_DIR": str(tree / "locales"), "BRANDCOACH_DB": str(tree / "db.sqlite3")}
    for var in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"):
        env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "bot", *args], check=False, env=env, cwd=tree, input="",
                          capture_output=True, text=True, timeout=60)


def step_index(pred) -> int:  # type: ignore[no-untyped-def]
    return next(i for i, raw in enumerate(load_content("questionnaire")["steps"]) if pred(raw))


def nth_block(text: str, header: str, n: int) -> tuple[int, int]:
    """(start, end) offsets of the n-th `header` block in a TOML text."""
    starts = [m.start() for m in re.finditer(re.escape(header) + r"\n", text)]
    end = starts[n + 1] if n + 1 < len(starts) else len(text)
    return starts[n], end


def edit_block(path: Path, header: str, n: int, old: str, new: str) -> int:
    """Replace `old` by `new` inside the n-th block; the 1-based line of the change."""
    text = path.read_text(encoding="utf-8")
    start, end = nth_block(text, header, n)
    at = text.index(old, start, end)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text[:at].count("\n") + 1


def problems(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_real_content_is_clean_in_process_and_from_the_command_line(tree: Path) -> None:
    assert checks.run_checks(["handlers"]) == []
    result = run(tree, "check-content")
    assert result.returncode == 0, problems(result)
    assert "OK" in result.stdout


def test_unknown_key_is_reported_with_file_line_and_a_suggestion(tree: Path) -> None:
    i = step_index(lambda raw: raw.get("required") is False)
    line = edit_block(tree / "content/questionnaire.toml", "[[steps]]", i, "required = false", "requred = false")
    result = run(tree, "check-content")
    assert result.returncode == 1
    assert f"questionnaire.toml:{line}: steps[{i}].requred: unknown key 'requred' (did you mean 'required'?)" \
        in result.stdout


def test_wrong_type_is_reported(tree: Path) -> None:
    i = step_index(lambda raw: "max_len" in raw)
    value = load_content("questionnaire")["steps"][i]["max_len"]
    line = edit_block(tree / "content/questionnaire.toml", "[[steps]]", i, f"max_len = {value}", f'max_len = "{value}"')
    result = run(tree, "check-content")
    assert result.returncode == 1
    assert f"questionnaire.toml:{line}: steps[{i}].max_len: expected an integer" in result.stdout


def test_when_value_that_is_not_an_option_is_reported(tree: Path) -> None:
    i = step_index(lambda raw: "when" in raw)
    value = load_content("questionnaire")["steps"][i]["when"]["is"]
    line = edit_block(tree / "content/questionnaire.toml", "[[steps]]", i, f'is = "{value}"', f'is = "{value}x"')
    result = run(tree, "check-content")
    assert result.returncode == 1
    assert f"questionnaire.toml:{line}: steps[{i}].when.is: '{value}x' is not an option" in result.stdout


def test_catalog_key_missing_in_one_language_is_reported(tree: Path) -> None:
    step = load_content("questionnaire")["steps"][0]["id"]
    path = tree / "locales/id/questionnaire.toml"
    text = path.read_text(encoding="utf-8")
    cut = re.sub(rf"(\[q\.{step}\]\n)prompt = [^\n]*\n", r"\1", text)
    assert cut != text
    path.write_text(cut, encoding="utf-8")
    result = run(tree, "check-content")
    assert result.returncode == 1
    assert re.search(rf"locales/en/questionnaire\.toml:\d+: q\.{step}\.prompt: missing in 'id'", result.stdout)


def test_placeholder_the_code_cannot_fill_is_reported(tree: Path) -> None:
    kind, variant = next((k, v["variants"][0]) for k, v in load_content("nudges")["kinds"].items())
    key = f"nudge.{kind}.{variant}"
    for lang in ("id", "en"):  # both languages, so only the unfillable placeholder is wrong
        path = tree / f"locales/{lang}/nudges.toml"
        text = path.read_text(encoding="utf-8")
        broken, count = re.subn(rf'(\[nudge\.{kind}\]\n(?:[^\[]*\n)?{variant} = ")', r"\1{nobody} ", text, count=1)
        assert count == 1, lang
        path.write_text(broken, encoding="utf-8")
    result = run(tree, "check-content")
    assert result.returncode == 1
    assert re.search(rf"locales/en/nudges\.toml:\d+: {re.escape(key)}: placeholder \{{nobody\}} is not filled",
                     result.stdout)


def test_start_up_refuses_bad_content_with_exit_code_2(tree: Path) -> None:
    i = step_index(lambda raw: raw.get("kind") == "choice" and "options" in raw)
    edit_block(tree / "content/questionnaire.toml", "[[steps]]", i, "kind = ", "knd = ")
    result = run(tree, "chat")
    assert result.returncode == 2
    assert f"steps[{i}].knd: unknown key 'knd' (did you mean 'kind'?)" in result.stderr
    assert not (tree / "db.sqlite3").exists()


def test_invalid_toml_names_the_file_and_line(tree: Path) -> None:
    path = tree / "content/nudges.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("order ="))
    lines[at] = "order = = 1"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(tree, "check-content")
    assert result.returncode == 1
    assert f"nudges.toml:{at + 1}: invalid TOML" in result.stdout


# ---- the engine, in process ----------------------------------------------------------------------------

def test_validate_collects_every_kind_of_problem() -> None:
    spec = schema.Table({
        "name": schema.Field(str, required=True),
        "days": schema.Field(schema.ListOf(int), min=0, max=6),
        "flag": schema.Field(bool),
        "mode": schema.Field(str, choices=("a", "b")),
        "rows": schema.Field(schema.ArrayOf(schema.Table({"n": schema.Field(int, min=1)}))),
        "map": schema.Field(schema.MapOf(schema.Field(schema.Table({"x": schema.Field(int)})))),
    })
    found = dict(schema.validate({"days": [1, 9, "x"], "flag": 1, "mode": "c", "rows": [{"n": 0}, {"m": 1}],
                                  "map": {"k": {"x": True}}, "extra": 1}, spec))
    assert set(found) == {"(top)", "days[1]", "days[2]", "flag", "mode", "rows[0].n", "rows[1].m", "map.k.x", "extra"}
    assert "missing required key 'name'" in found["(top)"]
    assert "above the maximum 6" in found["days[1]"]


def test_key_lines_follow_arrays_of_tables_dotted_tables_and_inline_tables() -> None:
    text = '# c\n[[a]]\nx = 1\n[[a]]\ny = """\nz = 2\n"""\nw = { p = 1, q = 2 }\n[t.u]\nv = [\n  1,\n]\n'
    lines = schema.key_lines(text)
    assert (lines["a[0].x"], lines["a[1]"], lines["a[1].y"], lines["a[1].w.q"], lines["t.u.v"]) == (3, 4, 5, 8, 10)
    assert "a[1].z" not in lines  # inside a multi-line string
    assert schema.Doc("f", text).line("a[1].w.nope") == 8


def test_every_content_problem_has_a_file_and_a_real_line() -> None:
    data = tomllib.loads(Path(content.__file__).with_name("questionnaire.toml").read_text(encoding="utf-8"))
    data["steps"][1]["opions"] = ["x"]
    data["steps"][2]["when"] = {"step": data["steps"][5]["id"], "is": "x"}
    found = dict(S.step_findings(data))
    assert "unknown key 'opions'" in found["steps[1].opions"]
    assert "not an earlier step" in found["steps[2].when.step"]
    with pytest.raises(ValueError, match="opions"):
        S.parse_steps(data)


def test_nudge_placeholders_are_the_ones_documented_in_the_content_header() -> None:
    header = Path(content.__file__).with_name("nudges.toml").read_text(encoding="utf-8").split("\n[", 1)[0]
    documented = set(re.findall(r"\{(\w+)\}", header.split("Every message may use:", 1)[1]))
    assert documented == NC.nudge_fills()


def test_features_register_checks_without_the_engine_importing_them() -> None:
    source = Path(schema.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import) (handlers|bot\.nudges)", source, re.MULTILINE)
    assert {"questionnaire", "nudges"} <= set(schema.registered())
    calls: list[int] = []
    schema.register_check("test-extra", lambda: calls.append(1) or [schema.Issue("x.toml", 3, "a.b", "bad")])
    try:
        issues = checks.run_checks(["handlers"])
    finally:
        schema._CHECKS.pop("test-extra")
    assert calls == [1] and [str(i) for i in issues] == ["x.toml:3: a.b: bad"]
