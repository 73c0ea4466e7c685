"""Benchmark the questionnaire's reading of typed answers to choice and multi steps (prints figures, never pass/fail).

Usage: python bench/typed_answers.py [--data tests/data/answers_dev.tsv] [--fails]

Input: a TSV with columns writer, lang, step, expected, text ('#' lines are comments; '#! segments <lang> = a | b'
lines give the earlier `segments` answer that priority_segment offers). `expected` is the option value(s) to store
(comma-separated, any order) or a meta value: @keep, @skip, @back, @refuse.

Each row is read the way the bot reads text typed at that step (handlers/questionnaire.py: on_text ->
_typed_button -> _typed_choice): S.read_options with the option labels of every language, the user's first
(questionnaire.all_labels); when nothing is read, the typed Keep button words (lexicon [words].keep and the Keep
button labels) if the step has an answer already, then the Skip words if the step is optional; otherwise the bot
refuses (err.pick_option, or "did you mean" with the closest options). A reading is stored when check_choice
accepts it (S.stored_value).

Scoring:
- a value row is right when exactly the expected option(s) are stored;
- @refuse is right when nothing is stored;
- @keep is right when the typed-Keep recognition fires (the row is read with a previous answer in place);
- @skip is right when the reader's skip recognition fires: no option read and lexicon.names_button(text, "skip")
  true. Every choice/multi step is required today, so the bot itself never consults it there: it answers
  "pick an option" (nothing stored). The report says how many @skip rows that is;
- @back: typed text has no notion of going back (only the /back command), so these rows count as wrong; the
  report says how many of them at least stored nothing.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.i18n import Catalog  # noqa: E402
from handlers import lexicon as L  # noqa: E402
from handlers import questionnaire as Q  # noqa: E402
from handlers import steps as S  # noqa: E402

DEFAULT_DATA = ROOT / "tests" / "data" / "answers_dev.tsv"
META = ("@keep", "@skip", "@back", "@refuse")


@dataclass
class Row:
    line: int
    writer: str
    lang: str
    step: str
    expected: str
    text: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Result:
    row: Row
    got: str  # what the bot did, as shown in the failure list
    right: bool
    stored: bool  # an answer was stored


def load(path: Path) -> tuple[list[Row], dict[str, list[str]]]:
    rows: list[Row] = []
    segments: dict[str, list[str]] = {}
    notes: list[str] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip("\r")
        if line.startswith("#!"):
            head, _, items = line[2:].partition("=")
            key = head.split()
            if len(key) == 2 and key[0] == "segments":
                segments[key[1]] = [i.strip() for i in items.split("|") if i.strip()]
            continue
        if line.startswith("#"):
            note = line.lstrip("#").strip()
            if note and not note.startswith("----"):
                notes.append(note)
            continue
        if not line.strip():
            notes = []
            continue
        cols = line.split("\t")
        if cols[:4] == ["writer", "lang", "step", "expected"]:
            notes = []
            continue
        if len(cols) != 5:
            raise SystemExit(f"{path}:{n}: expected 5 tab-separated columns, got {len(cols)}")
        rows.append(Row(n, *(c.strip() for c in cols), notes=notes))
        notes = []
    return rows, segments


def _ctx(lang: str, catalog: Catalog) -> Any:
    """What questionnaire.all_labels and _button_labels read from a Context: the language and the catalog."""
    return SimpleNamespace(lang=lang, tag=lang, core=SimpleNamespace(catalog=catalog))


def _previous(step: S.Step, answers: dict[str, Any]) -> Any:
    """Some earlier answer of this step (for @keep rows: the Keep button is offered only when there is one)."""
    first = S.options_for(step, answers)[0][0]
    return S.stored_value(step, answers, [first])


def _shown(step: S.Step, answers: dict[str, Any], value: str) -> str:
    """An option as the failure list shows it: its value, or the item text for options_from."""
    return str(S.stored_value(step, answers, [value])) if step.options_from else value


def read(row: Row, catalog: Catalog, segments: dict[str, list[str]]) -> tuple[str, Any, bool]:
    """(outcome, value, skip heard) for one typed answer; outcome is stored, keep, improve, skip or refused."""
    step = S.step_by_id(row.step)
    if step is None or step.kind not in ("choice", "multi"):
        raise SystemExit(f"line {row.line}: {row.step!r} is not a choice or multi step")
    ctx = _ctx(row.lang, catalog)
    answers: dict[str, Any] = {}
    if step.options_from:
        answers[step.options_from] = list(segments.get(row.lang) or segments.get("id") or [])
        if not answers[step.options_from]:
            raise SystemExit(f"line {row.line}: no '#! segments {row.lang} = ...' line for {row.step}")
    if row.expected == "@keep":
        answers[step.id] = _previous(step, answers)
    labels = Q.all_labels(ctx, step, answers)
    reading = S.read_options(step, answers, row.text, labels)
    skip_heard = reading is None and L.names_button(row.text, "skip", Q._button_labels(ctx, "btn.skip"))
    if reading is None:
        if step.id in answers and L.names_button(row.text, "keep", Q._button_labels(ctx, "btn.keep", "fb.btn_keep")):
            return "keep", None, skip_heard
        if step.id in answers and L.names_button(row.text, "improve", Q._button_labels(ctx, "fb.btn_improve")):
            return "improve", None, skip_heard
        if not step.required and skip_heard:
            return "skip", None, skip_heard
        near = [_shown(step, answers, v) for v in S.closest_options(step, answers, row.text, labels)]
        return "refused", near, skip_heard
    if S.check_choice(step, answers, reading.picked) is not None:
        return "refused", [_shown(step, answers, v) for v in reading.picked], skip_heard
    return "stored", S.stored_value(step, answers, reading.picked), skip_heard


def _values(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def score(row: Row, catalog: Catalog, segments: dict[str, list[str]]) -> Result:
    outcome, value, skip_heard = read(row, catalog, segments)
    stored = outcome == "stored"
    if stored:
        got = ",".join(_values(value))
    elif outcome == "refused":
        got = "(refused" + (f"; near: {','.join(value)}" if value else "") + (", skip words heard" if skip_heard else "")
        got += ")"
    else:
        got = f"({outcome})"
    exp = row.expected
    if exp == "@refuse":
        right = not stored
    elif exp == "@keep":
        right = outcome == "keep"
    elif exp == "@skip":
        right = outcome == "skip" or (outcome == "refused" and skip_heard)
    elif exp == "@back":
        right = False  # no typed notion of going back
    else:
        want = sorted(v.strip() for v in exp.split(",") if v.strip())
        right = stored and sorted(_values(value)) == want
    return Result(row, got, right, stored)


def _pct(good: int, total: int) -> str:
    return f"{100.0 * good / total:5.1f}%" if total else "    -"


def _table(title: str, results: list[Result], key: Any) -> None:
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        groups[key(r)].append(r)
    print(f"\n{title}")
    width = max(len(k) for k in groups)
    for k in sorted(groups, key=lambda k: (sum(r.right for r in groups[k]) / len(groups[k]), k)):
        rs = groups[k]
        good = sum(r.right for r in rs)
        print(f"  {k:<{width}}  {_pct(good, len(rs))}  ({good}/{len(rs)})")


def report(results: list[Result], path: Path, fails: bool) -> None:
    total = len(results)
    good = sum(r.right for r in results)
    print(f"Typed answers to choice/multi steps: {path} ({total} rows)")
    print(f"Stored as meant: {_pct(good, total).strip()} ({good}/{total})")
    values = [r for r in results if not r.row.expected.startswith("@")]
    metas = [r for r in results if r.row.expected.startswith("@")]
    print(f"  answers (a value to store): {_pct(sum(r.right for r in values), len(values)).strip()} "
          f"({sum(r.right for r in values)}/{len(values)})")
    print(f"  non-answers (@keep/@skip/@back/@refuse): {_pct(sum(r.right for r in metas), len(metas)).strip()} "
          f"({sum(r.right for r in metas)}/{len(metas)}); of these, nothing stored: "
          f"{sum(not r.stored for r in metas)}/{len(metas)}")
    _table("By step:", results, lambda r: r.row.step)
    _table("By language:", results, lambda r: r.row.lang)
    _table("By expected kind:", results,
           lambda r: r.row.expected if r.row.expected.startswith("@") else "value")
    _table("By writer:", results, lambda r: r.row.writer)
    skips = [r for r in results if r.row.expected == "@skip"]
    backs = [r for r in results if r.row.expected == "@back"]
    print("\nNotes:")
    print(f"  @skip: every choice/multi step is required, so the bot never acts on skip words there; "
          f"{sum(r.right for r in skips)}/{len(skips)} recognised, {sum(not r.stored for r in skips)}/{len(skips)} "
          "stored nothing.")
    print(f"  @back: no typed notion of going back (only /back) -> counted wrong; "
          f"{sum(not r.stored for r in backs)}/{len(backs)} at least stored nothing.")
    wrong = [r for r in results if not r.right]
    print(f"\nFailing rows: {len(wrong)}" + ("" if fails else " (list them with --fails)"))
    if fails:
        for r in wrong:
            row = r.row
            print(f"  line {row.line} [{row.step}/{row.lang}/{row.writer}] {row.text!r}")
            print(f"      expected {row.expected}  got {r.got}")
            for note in row.notes:
                print(f"      # {note}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the TSV of typed answers")
    parser.add_argument("--fails", action="store_true", help="list every failing row")
    args = parser.parse_args(argv)
    rows, segments = load(args.data)
    catalog = Catalog()
    results = [score(row, catalog, segments) for row in rows]
    report(results, args.data, args.fails)


if __name__ == "__main__":
    main()
