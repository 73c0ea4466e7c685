"""The suite follows the content: on a copy of content/ and locales/ with questions added and removed, the
generated answers still walk the console bot from the first question to the plan."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import answers as A
from conftest import PERSONA_ID
from handlers import steps as S

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent

NEW_REQUIRED = '''
[[steps]]
id = "signature_colour"
section = "{section}"
kind = "choice"
options = ["red", "blue", "green"]
'''
NEW_OPTIONAL = '''
[[steps]]
id = "added_motto"
section = "{section}"
kind = "text"
required = false
min_len = 3
max_len = 120
'''
STRINGS = {
    "id": '''
[q.signature_colour]
prompt = "Warna apa yang jadi ciri khas kontenmu?"
short = "Warna khas"

[opt.signature_colour]
red = "Merah"
blue = "Biru"
green = "Hijau"

[q.added_motto]
prompt = "Apa semboyan yang ingin kamu pakai?"
short = "Semboyan"
''',
    "id-formal": '''
[q.signature_colour]
prompt = "Warna apa yang menjadi ciri khas konten Anda?"

[q.added_motto]
prompt = "Apa semboyan yang ingin Anda gunakan?"
''',
    "en": '''
[q.signature_colour]
prompt = "Which colour should your posts be known for?"
short = "Signature colour"

[opt.signature_colour]
red = "Red"
blue = "Blue"
green = "Green"

[q.added_motto]
prompt = "What motto do you want to use?"
short = "Motto"
''',
}


def removable() -> S.Step:
    """An optional step that no other step depends on (no `when` or `options_from` points at it)."""
    used = {s.when[0] for s in S.all_steps() if s.when} | {s.options_from for s in S.all_steps() if s.options_from}
    return A.first_step(lambda s: not s.required and s.when is None and s.id not in used)


def edited_copy(tmp: Path) -> tuple[Path, Path, str]:
    """content/ and locales/ copied; a required question inserted after the first, an optional one appended,
    one optional question removed. Returns (content dir, locales dir, removed step id)."""
    content, locales = tmp / "content", tmp / "locales"
    shutil.copytree(ROOT / "content", content, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    gone = removable()
    path = content / "questionnaire.toml"
    head, *blocks = path.read_text(encoding="utf-8").split("\n[[steps]]\n")
    kept = [b for b in blocks if tomllib.loads(b)["id"] != gone.id]
    assert len(kept) == len(blocks) - 1
    first, last = S.all_steps()[0], S.all_steps()[-1]
    required = NEW_REQUIRED.format(section=first.section).strip().removeprefix("[[steps]]\n")
    optional = NEW_OPTIONAL.format(section=last.section).strip().removeprefix("[[steps]]\n")
    blocks = [kept[0].rstrip("\n") + "\n", required + "\n", *kept[1:]]
    text = head + "".join("\n[[steps]]\n" + b for b in blocks).rstrip("\n") + "\n\n[[steps]]\n" + optional + "\n"
    path.write_text(text, encoding="utf-8")
    for lang, strings in STRINGS.items():
        (locales / lang / "zz_added.toml").write_text(strings, encoding="utf-8")
    return content, locales, gone.id


def env_for(content: Path, locales: Path, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN")}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT), str(TESTS)]), BRANDCOACH_CONTENT_DIR=str(content),
               BRANDCOACH_LOCALES_DIR=str(locales), BRANDCOACH_DB=str(db))
    return env


# Run with the edited content: the answer lines, the steps and the total, as the helper generates them.
PLAN = """
import json, answers as A
from conftest import PERSONA_ID
from conftest import PERSONA_ID
from handlers import steps as S
plan = A.plan_answers(PERSONA_ID)
print(json.dumps({"lines": A.lines(PERSONA_ID), "steps": [s.id for s in S.all_steps()],
                  "asked": list(plan), "total": A.total(plan)}))
"""


def test_console_walks_edited_content_to_the_plan(tmp_path: Path) -> None:
    content, locales, gone = edited_copy(tmp_path)
    db = tmp_path / "edited.sqlite3"
    env = env_for(content, locales, db)
    gen = subprocess.run([sys.executable, "-c", PLAN], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=120)
    assert gen.returncode == 0, gen.stderr
    plan: dict[str, Any] = json.loads(gen.stdout)
    assert "signature_colour" in plan["steps"] and "added_motto" in plan["steps"] and gone not in plan["steps"]
    assert plan["steps"][1] == "signature_colour" and plan["steps"][-1] == "added_motto"
    assert plan["total"] == A.total(A.plan_answers(PERSONA_ID)) + 1  # +2 new, -1 removed

    proc = subprocess.run([sys.executable, "-m", "bot"], input="".join(line + "\n" for line in plan["lines"]),
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    total = plan["total"]
    assert "Langkah 2/" in out and "Warna apa yang jadi ciri khas kontenmu?" in out
    assert "Apa semboyan yang ingin kamu pakai?" in out
    assert f"Langkah {total}/{total}" in out and f"Langkah {total + 1}/" not in out
    assert "Rencana Personal Branding: Sari Musik" in out
    assert (tmp_path / "brandcoach-files" / "brandcoach-local-rencana-personal-branding.md").exists()

    con = sqlite3.connect(db)
    try:
        stored = {step: json.loads(value) for step, value in con.execute("SELECT step, value FROM answers")}
        status = con.execute("SELECT status FROM flows").fetchone()[0]
    finally:
        con.close()
    assert status == "done"
    assert set(stored) == set(plan["asked"]) and gone not in stored
    assert stored["signature_colour"] in ("red", "blue", "green")
    assert isinstance(stored["added_motto"], str) and 3 <= len(stored["added_motto"]) <= 120
    assert stored["name"] == "Sari Musik"


def test_the_real_content_is_untouched_by_the_edited_copy(tmp_path: Path) -> None:
    edited_copy(tmp_path)
    ids = [s.id for s in S.all_steps()]
    assert "signature_colour" not in ids and "added_motto" not in ids
    assert removable().id in ids
