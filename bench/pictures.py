"""The pictures' cost (issue 25 item 2): CPU per picture, and what 100 or 1,000 confirms at once cost the real bot.

1. CPU per picture, in a fresh process: the first card, PDF and chart (cold: imports, fonts cut and parsed, palette
   made) and then the median of drawing them for `--rounds` different users (warm: each user's own texts, so no
   layout is remembered from the last one). Plans are built before the clock starts (the bot builds them, not the
   drawing). With `--against REF` (a git ref, e.g. 6176470), the same measurement runs on that commit's code
   (exported with `git archive`, in its own process), alternating with this tree's so that load from other work
   on the machine falls on both alike, and the ratio old/new is printed per picture.
2. With `--chats 100,1000`: the real bot (`python -m bot run`, SQLite, its drawing worker) over bench/e2e.py's fake
   Bot API, every chat answering the questionnaire and then all confirming at once (virtual pacing: Telegram's
   30 messages a second counted, not waited out, so the figures are the bot's own). Printed: when every chat had
   its card and PDF (p50 / p99 / all done, seconds from the confirms), CPU per confirm, and the peak resident
   memory of the bot process, of its drawing workers, and of both together (sampled every 50 ms). `--against`
   runs these with the old code too (`--code` of bench/e2e.py).

Run: PYTHONPATH=. python3 bench/pictures.py [--rounds 12] [--against REF] [--chats 100,1000] [--deadline 600]
Prints figures; never pass/fail.
"""
from __future__ import annotations

import argparse
import asyncio
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
NAMES = ["Sari Dewi", "Budi Santoso (@budimasak)", "Rina Kartika", "Dr. Maya Putri", "Kopi Senja - kopisenja.id",
         "Adi Nugroho", "Lestari Wulandari", "Fajar Ramadhan", "Nadia @nadiaglowup", "Yusuf Hakim", "Putu Ayu",
         "Dimas Prasetyo", "Intan Permata", "Hendra Gunawan", "Citra Lestari", "Gilang Saputra"]
PILLARS = ["cerita keseharian musisi indie di Surabaya", "kolaborasi bareng musisi lokal Jawa Timur",
           "tips rekaman murah di kamar kos", "review alat musik bekas", "belajar teori musik lima menit",
           "behind the scene manggung di kafe", "wawancara singkat dengan penonton", "resep hemat anak kos"]


def users(n: int, lang: str = "id") -> list[dict[str, Any]]:
    """n different users' answers: the test persona with its own name, 3 to 6 pillars and a longer vision."""
    sys.path.insert(0, str(Path(os.environ.get("PYTHONPATH", str(ROOT)).split(os.pathsep)[0]) / "tests"))
    import answers as A
    from conftest import PERSONA_EN, PERSONA_ID

    out = []
    for i in range(n):
        persona = dict(PERSONA_ID if lang == "id" else PERSONA_EN)
        persona["name"] = NAMES[i % len(NAMES)]
        persona["pillars"] = [PILLARS[(i + k) % len(PILLARS)] for k in range(3 + i % 3)]
        answers = A.plan_answers(persona, lang)
        answers["name"] = NAMES[i % len(NAMES)]
        if i % 2:
            answers["vision"] = str(answers.get("vision") or "") + ", dan menjadi teman belajar yang jujur. " * (i % 4)
        out.append(answers)
    return out


def measure(rounds: int) -> dict[str, float]:
    """CPU ms in this process, for the code on sys.path: first card/PDF/chart, then medians over `rounds` users."""
    from bot.i18n import Catalog
    from handlers.pictures import card_file, chart_file, pdf_file
    from handlers.plan import build_plan
    from handlers.reminders.schedule import prev_week

    catalog = Catalog()

    def t(key: str, **params: object) -> str:
        return catalog.t("id", key, **params)

    people = users(rounds + 1)
    plans = [(a, t("plan.title", name=a["name"]), build_plan(a, t)) for a in people]
    checkins = [[{"week": f"2026-W{w:02d}", "posts": ["0", "1-2", "3-4", "5+"][(w + i) % 4], "on_time": w % 2,
                  "win": None} for w in range(14 - i % 12, 15)] for i in range(len(people))]
    now = datetime(2026, 4, 1, tzinfo=timezone.utc)

    def cpu(fn: Any) -> float:
        start = time.process_time()
        fn()
        return (time.process_time() - start) * 1000

    out: dict[str, float] = {}
    for n, (answers, title, sections) in enumerate(plans):
        times = {"card": cpu(lambda: card_file(answers, t)),
                 "pdf": cpu(lambda: pdf_file(title, sections, t, now)),
                 "chart": cpu(lambda: chart_file(checkins[n], "2026-W14", prev_week, "3", n % 5, t))}
        for kind, ms in times.items():
            if n == 0:
                out[f"{kind}_cold"] = ms
            else:
                out.setdefault(f"{kind}_all", 0.0)
                out[f"{kind}_{n}"] = ms
    for kind in ("card", "pdf", "chart"):
        warm = [v for k, v in out.items() if k.startswith(f"{kind}_") and k.split("_")[1].isdigit()]
        out[kind] = statistics.median(warm)
        out[f"{kind}_max"] = max(warm)
    return {k: v for k, v in out.items() if not k.split("_")[-1].isdigit() and not k.endswith("_all")}


def in_child(tree: Path, rounds: int) -> dict[str, float]:
    """measure() in a fresh process with `tree` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "pictures.py"), "--child", "--rounds", str(rounds)],
                         env=env, cwd=tree, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def show_cpu(name: str, m: dict[str, float]) -> None:
    print(f"{name}:")
    for kind in ("card", "pdf", "chart"):
        print(f"  {kind:<5} warm {m[kind]:6.1f} ms CPU median (max {m[kind + '_max']:.1f}); first {m[kind + '_cold']:.0f}"
              f" ms (imports, fonts, palette)")
    print(f"  card + PDF (what a confirm costs the drawing worker): {m['card'] + m['pdf']:.1f} ms", flush=True)


def export(ref: str, folder: str) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
    return Path(folder)


# -- the real bot: many confirms at once -------------------------------------------------------------------------

def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


async def e2e_run(chats: int, deadline: float, code: Path) -> dict[str, Any]:
    """bench/e2e.py's run of our bot, with the bot's and its workers' resident memory sampled every 50 ms."""
    sys.path.insert(0, str(ROOT / "bench"))
    import e2e

    procs: list[subprocess.Popen[bytes]] = []
    real_popen = e2e.subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> Any:
        proc = real_popen(*args, **kwargs)
        procs.append(proc)
        return proc

    peak = {"bot": 0, "workers": 0, "both": 0}
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            if procs and procs[-1].poll() is None:
                tree = e2e.tree(procs[-1].pid)
                bot = status_kb(tree[0], "VmRSS")
                workers = sum(status_kb(p, "VmRSS") for p in tree[1:])
                peak["bot"], peak["workers"] = max(peak["bot"], bot), max(peak["workers"], workers)
                peak["both"] = max(peak["both"], bot + workers)
            await asyncio.sleep(0.05)

    e2e.subprocess.Popen = popen  # type: ignore[assignment,misc]
    sampler = asyncio.create_task(sample())
    try:
        result = await e2e.one_run("ours", chats, None, deadline, code=code)
    finally:
        stop.set()
        await sampler
        e2e.subprocess.Popen = real_popen  # type: ignore[misc]
    return {**result, "peak": {k: v / 1024 for k, v in peak.items()}}


def stall(plans: int, workers: str) -> dict[str, float]:
    """In a fresh process: `plans` plans' card and PDF drawn through the drawing pool (BRANDCOACH_DRAW_WORKERS=
    workers) while the event loop runs a 5 ms timer: how late the timer fires (what every other user's reply
    waits for meanwhile), and the wall time until all are drawn."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BRANDCOACH_DRAW_WORKERS": workers}
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "pictures.py"), "--stall-child", str(plans)],
                         env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def stall_child(plans: int) -> dict[str, float]:
    from bot.i18n import Catalog
    from handlers import pictures as P
    from handlers.pictures import pool
    from handlers.plan import build_plan

    catalog = Catalog()

    def t(key: str, **params: object) -> str:
        return catalog.t("id", key, **params)

    jobs = [(P.card_facts(a, t), [P._plain(s) for s in build_plan(a, t)]) for a in users(plans)]

    async def run() -> dict[str, float]:
        await asyncio.gather(pool.run(P.card_png, jobs[0][0]), pool.run(P.pdf_bytes, "T", "m", jobs[0][1]))  # warm
        late: list[float] = []
        done = asyncio.Event()

        async def tick() -> None:
            while not done.is_set():
                start = time.perf_counter()
                await asyncio.sleep(0.005)
                late.append((time.perf_counter() - start - 0.005) * 1000)

        ticker = asyncio.create_task(tick())
        start = time.perf_counter()
        await asyncio.gather(*(asyncio.gather(pool.run(P.card_png, facts), pool.run(P.pdf_bytes, "T", "m", plain))
                               for facts, plain in jobs))
        wall = time.perf_counter() - start
        done.set()
        await ticker
        late.sort()
        return {"wall": wall, "p50": late[len(late) // 2], "p99": late[int(len(late) * 0.99)], "max": late[-1]}

    return asyncio.run(run())


def show_e2e(name: str, r: dict[str, Any]) -> None:
    p = r["peak"]
    late = f" ({r['timeouts']} chats hit the deadline)" if r["timeouts"] else ""
    print(f"{name}: {r['chats']} confirms at once{late}: pictures {r['pictures']}/{r['confirms']} "
          f"p50 {r['g50'] / 1000:.1f} s, p99 {r['g99'] / 1000:.1f} s, all done {r['gwall']:.1f} s; plan text p99 "
          f"{r['c99'] / 1000:.1f} s; CPU {r['ccpu_ms']:.0f} ms per confirm")
    print(f"  peak resident: bot {p['bot']:.0f} MB (VmHWM {r['rss']:.0f}), drawing workers {p['workers']:.0f} MB, "
          f"both together {p['both']:.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=12, help="users drawn warm (each their own texts)")
    parser.add_argument("--against", help="a git ref to compare with (its code, measured the same way)")
    parser.add_argument("--chats", default="", help="e.g. 100,1000: confirms at once through the real bot")
    parser.add_argument("--deadline", type=float, default=600.0)
    parser.add_argument("--workers", default="", help="e.g. 1,0: BRANDCOACH_DRAW_WORKERS for each --chats run "
                        "(0: drawn in a thread of the bot)")
    parser.add_argument("--stall", type=int, default=0, help="N plans drawn at once, in a worker and in a thread: "
                        "how late the event loop's 5 ms timer fires meanwhile")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stall-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.rounds)))
        return
    if args.stall_child:
        print(json.dumps(stall_child(args.stall_child)))
        return
    print(f"pictures bench: python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="pictures-bench-") as tmp:
        old_tree = export(args.against, tmp) if args.against else None
        ours, theirs = [], []
        for _ in range(2 if old_tree else 1):  # alternating, so that load from others falls on both
            if old_tree is not None:
                theirs.append(in_child(old_tree, args.rounds))
            ours.append(in_child(ROOT, args.rounds))
        new = {k: min(m[k] for m in ours) for k in ours[0]}
        if theirs:
            old = {k: min(m[k] for m in theirs) for k in theirs[0]}
            show_cpu(str(args.against), old)
        show_cpu("this tree", new)
        if theirs:
            for kind in ("card", "pdf", "chart"):
                print(f"  {kind}: {old[kind] / new[kind]:.2f}x less CPU warm ({old[kind]:.1f} -> {new[kind]:.1f} ms), "
                      f"first {old[kind + '_cold']:.0f} -> {new[kind + '_cold']:.0f} ms")
            both_old, both_new = old["card"] + old["pdf"], new["card"] + new["pdf"]
            print(f"  card + PDF: {both_old / both_new:.2f}x ({both_old:.1f} -> {both_new:.1f} ms)", flush=True)
        if args.stall:
            for workers in ("1", "0"):
                m = stall(args.stall, workers)
                print(f"{args.stall} plans drawn at once, BRANDCOACH_DRAW_WORKERS={workers}: all drawn in "
                      f"{m['wall']:.1f} s; the event loop's 5 ms timer late by p50 {m['p50']:.1f} ms, p99 "
                      f"{m['p99']:.1f} ms, max {m['max']:.1f} ms", flush=True)
        for chats in [int(c) for c in args.chats.split(",") if c]:
            for workers in [w for w in args.workers.split(",") if w] or [os.environ.get("BRANDCOACH_DRAW_WORKERS", "")]:
                if workers:
                    os.environ["BRANDCOACH_DRAW_WORKERS"] = workers
                label = f" (BRANDCOACH_DRAW_WORKERS={workers})" if workers else ""
                if old_tree is not None:
                    show_e2e(f"{args.against}{label}", asyncio.run(e2e_run(chats, args.deadline, old_tree)))
                show_e2e(f"this tree{label}", asyncio.run(e2e_run(chats, args.deadline, ROOT)))


if __name__ == "__main__":
    main()
