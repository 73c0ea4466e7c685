"""CPU to draw the pictures for one user: a confirmed plan's card + PDF (what the drawing worker does per confirm),
and the progress chart, for a long plan in Indonesian with a right-to-left name (the largest case the tests draw).

Run: PYTHONPATH=. python3 bench/render.py [--rounds N] [--against REF]. Prints the first (cold: imports, fonts) and
the median warm CPU time of each. With --against (a git ref, e.g. HEAD~3 or main), the same measurement also runs on
that commit's code (exported with `git archive` to a temporary directory, in a child process), alternating with this
tree's so a loaded machine weighs on both alike, and the ratio is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PERSONA = {"name": "Dr. Muhammad Abdurrahman Wahyudi Kusumaningrat 🌸 محمد", "pillars": [
    "Keuangan pribadi untuk pekerja muda kota", "Cerita jujur di balik layar usaha kecil",
    "Wawancara singkat dengan pelaku UMKM kita", "Tips produktivitas harian tanpa burnout!", "Resep hemat anak kos"],
    "vision": "Menjadi suara yang jujur dan berguna bagi jutaan anak muda " * 8}
CHECKINS = [{"week": f"2026-W{w:02d}", "posts": ["0", "1-2", "3-4", "5+"][w % 4], "on_time": w % 2, "win": None}
            for w in range(3, 15)]


def measure(rounds: int) -> dict[str, float]:
    """CPU ms in this process, for the code on sys.path: cold plan, median warm plan (card + PDF), median chart."""
    sys.path.insert(0, str(Path(os.environ.get("PYTHONPATH", str(ROOT)).split(os.pathsep)[0]) / "tests"))
    import answers as A
    from bot.i18n import Catalog
    from handlers.pictures import card_file, chart_file, pdf_file
    from handlers.plan import build_plan
    from handlers.reminders.schedule import prev_week

    catalog = Catalog()

    def t(key: str, **params: object) -> str:
        return catalog.t("id", key, **params)

    answers: Any = A.plan_answers(PERSONA, "id")
    title = t("plan.title", name=answers["name"])
    sections = build_plan(answers, t)

    def plan() -> None:
        card_file(answers, t)
        pdf_file(title, sections, t, datetime.now(timezone.utc))

    def chart() -> None:
        chart_file(CHECKINS, "2026-W14", prev_week, answers["cadence"], 4, t)

    def cpu(fn: Any) -> float:
        start = time.process_time()
        fn()
        return (time.process_time() - start) * 1000

    cold = cpu(plan)
    warm = [cpu(plan) for _ in range(rounds)]
    charts = [cpu(chart) for _ in range(rounds)]
    return {"cold": cold, "plan": statistics.median(warm), "plan_max": max(warm), "chart": statistics.median(charts)}


def in_child(tree: Path, rounds: int) -> dict[str, float]:
    """measure() in a fresh process with `tree` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, __file__, "--child", "--rounds", str(rounds)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def show(name: str, m: dict[str, float]) -> None:
    print(f"{name}: one plan (card + PDF) {m['plan']:.0f} ms CPU median (max {m['plan_max']:.0f}; first "
          f"{m['cold']:.0f} ms with imports and fonts); chart {m['chart']:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--against", help="a git ref to compare with (its code, run the same way)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.rounds)))
        return
    if not args.against:
        show("this tree", in_child(ROOT, args.rounds))
        return
    with tempfile.TemporaryDirectory(prefix="render-bench-") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.against], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        ours: list[dict[str, float]] = []
        theirs: list[dict[str, float]] = []
        for _ in range(2):  # alternating, so that load from others falls on both
            theirs.append(in_child(Path(tmp), args.rounds))
            ours.append(in_child(ROOT, args.rounds))
    best = {k: min(m[k] for m in ours) for k in ours[0]}
    old = {k: min(m[k] for m in theirs) for k in theirs[0]}
    show(args.against, old)
    show("this tree", best)
    print(f"one plan: {old['plan'] / best['plan']:.2f}x less CPU than {args.against} "
          f"({old['plan']:.0f} -> {best['plan']:.0f} ms); chart {old['chart']:.0f} -> {best['chart']:.0f} ms")


if __name__ == "__main__":
    main()
