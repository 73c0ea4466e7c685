"""Time to draw the three pictures (plan card, plan PDF, progress chart) for one user, as `/plan` + `/progress` do.

Run: PYTHONPATH=. python3 bench/render.py [--rounds N]. Prints the first (cold: imports, fonts) and the median
warm time for all three, for a long plan in Indonesian (the largest case the tests draw).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import answers as A  # noqa: E402
from bot.i18n import Catalog  # noqa: E402
from handlers.pictures import card_file, chart_file, pdf_file  # noqa: E402
from handlers.plan import build_plan  # noqa: E402
from handlers.reminders.schedule import prev_week  # noqa: E402

PERSONA = {"name": "Dr. Muhammad Abdurrahman Wahyudi Kusumaningrat 🌸 محمد", "pillars": [
    "Keuangan pribadi untuk pekerja muda kota", "Cerita jujur di balik layar usaha kecil",
    "Wawancara singkat dengan pelaku UMKM kita", "Tips produktivitas harian tanpa burnout!", "Resep hemat anak kos"],
    "vision": "Menjadi suara yang jujur dan berguna bagi jutaan anak muda " * 8}
CHECKINS = [{"week": f"2026-W{w:02d}", "posts": ["0", "1-2", "3-4", "5+"][w % 4], "on_time": w % 2, "win": None}
            for w in range(3, 15)]


def render_all(answers: dict[str, object], t: object) -> int:
    """All three files; their total size."""
    title = t("plan.title", name=answers["name"])  # type: ignore[operator]
    files = [card_file(answers, t), pdf_file(title, build_plan(answers, t), t, datetime.now(timezone.utc)),  # type: ignore[arg-type]
             chart_file(CHECKINS, "2026-W14", prev_week, answers["cadence"], 4, t)]  # type: ignore[arg-type]
    return sum(len(f.data) for f in files)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    catalog = Catalog()

    def t(key: str, **params: object) -> str:
        return catalog.t("id", key, **params)

    answers = A.plan_answers(PERSONA, "id")
    start = time.perf_counter()
    size = render_all(answers, t)
    cold = time.perf_counter() - start
    warm = []
    for _ in range(rounds):
        start = time.perf_counter()
        render_all(answers, t)
        warm.append(time.perf_counter() - start)
    median = statistics.median(warm) * 1000
    print(f"card + PDF + chart: first {cold * 1000:.0f} ms (imports, fonts), then median {median:.0f} ms,"
          f" max {max(warm) * 1000:.0f} ms over {rounds} rounds; {size / 1024:.0f} KiB in all")


if __name__ == "__main__":
    main()
