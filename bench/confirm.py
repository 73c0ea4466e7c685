"""What a plan confirmation costs the event loop (issue 25): CPU per confirm, and the longest the loop is held.

In a fresh process per measurement, the real core (`Core.handle`, SQLite in a temp dir, the plan's pictures drawn
in the drawing thread, BRANDCOACH_DRAW_WORKERS=0) and users who each answered the whole questionnaire with
bench/e2e.py's answers (tests/answers.py's generated Indonesian ones), each with a name and a vision of their own:
no two users' answers are the same, but their other texts are, as in bench/e2e.py:

1. One at a time (`--seq N` confirms, after 3 warm-up ones): CPU on the loop while the confirm is handled (the
   plan's text and Markdown file, the reminders set up from it: the reply the user waits for), CPU on the loop
   while its pictures follow (the plan read again for them, the card's facts), and the process's CPU with the
   drawing thread (the card and PDF), per confirm. CPU time, so fairly robust to other load on the machine.
2. A burst (`--burst N` confirms at once): the longest single callback the loop ran (one synchronous stretch: no
   other user's reply goes out meanwhile), in wall time and in the loop thread's own CPU (the wall time also
   holds the waits for the GIL while the drawing thread draws), and that CPU less the garbage collections that
   ran inside it (a collection runs in whichever callback or thread allocates; the longest on the loop and in the
   drawing thread are printed on their own), how many callbacks took over 5 and 10 ms of that CPU,
   the lateness of a 1 ms ticker (p99, max), and the wall time until every text and every picture was done.
   Wall-clock figures are noisy on a shared machine.

With `--against REV` the same runs on that commit's code (exported with `git archive` into a temp dir, in its own
process), alternating with this tree's, `--rounds` times each (medians), and the ratio old/new is printed; REV
may also be a directory holding a tree (e.g. today's code with one change taken out, to measure that change alone).

Leaves out: HTTP and the platform (bench/e2e.py), message rendering in the adapter, the questionnaire's answers
before the confirmation, a process pool for the drawing, PostgreSQL. One shape of answers (bench/e2e.py's); other
answers take other rules' paths, and users whose every text differs find less in the caches keyed by a text.

Run: python bench/confirm.py [--seq 20] [--burst 60] [--rounds 2] [--against REV]   (prints figures; never
pass/fail). CONFIRM_BENCH_WHICH=1 prints each new longest callback of the burst on stderr: its handle, and where
its task waits once the callback is over (the stretch ran up to there).
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["Sari Dewi", "Budi Santoso", "Rina Kartika", "Maya Putri", "Adi Nugroho", "Lestari Wulandari",
         "Fajar Ramadhan", "Nadia Anggraini", "Yusuf Hakim", "Putu Ayu", "Dimas Prasetyo", "Intan Permata"]


def persona(i: int) -> dict[str, Any]:
    """User i's answers: bench/e2e.py's (the generated Indonesian answers of tests/answers.py) with a name and a
    vision of their own, so that no two users' answers are the same."""
    import answers as A  # tests/ of the tree measured

    return {"name": f"{NAMES[i % len(NAMES)]} {chr(65 + i // len(NAMES) % 26)}",
            "vision": f"{A.FILLER['id']} sejak tahun {2000 + i}"}


def child(seq: int, burst: int) -> dict[str, float]:
    """Both measurements for the code first on sys.path (PYTHONPATH)."""
    sys.path.insert(1, str(Path(os.environ["PYTHONPATH"].split(os.pathsep)[0]) / "tests"))
    import answers as A
    from bot.core import Core
    from bot.storage import Storage
    from bot.types import Inbound, UserRef

    class Null:
        platform = "bench"

        async def send(self, user_id: str, messages: list[object]) -> None:
            return None

    def inbound(user: UserRef, line: str) -> Inbound:
        if line.startswith("c:"):
            return Inbound(user, "choice", choice=line)
        return Inbound(user, "text", text=line, locale="id")

    async def run(folder: str) -> dict[str, float]:
        core = Core(Storage(os.path.join(folder, "bench.sqlite3")), throttle=False)
        core.add_adapter(Null())
        await core.start()
        if os.environ.get("CONFIRM_BENCH_GC_FREEZE"):  # what the bot would do once started (--gc-freeze)
            gc.collect()
            gc.freeze()
        try:
            return await measure(core)
        finally:
            await core.stop()

    async def measure(core: Any) -> dict[str, float]:
        warm, total = 3, 3 + seq + burst
        users = [UserRef("bench", str(i), f"u{i}") for i in range(total)]

        async def answer(i: int) -> None:
            await core.handle(Inbound(users[i], "command", command="start", locale="id"))
            for line in A.lines(persona(i), "id", confirm=False):
                await core.handle(inbound(users[i], line))

        for start in range(0, total, 20):
            await asyncio.gather(*(answer(i) for i in range(start, min(total, start + 20))))
        out: dict[str, float] = {}
        loop_cpu, follow_cpu, all_cpu = [], [], []
        for i in range(warm + seq):
            t0, p0 = time.thread_time(), time.process_time()
            replies = await core.handle(inbound(users[i], A.CONFIRM_TAP))
            t1 = time.thread_time()
            if not any(m.key == "plan.title" for m in replies):
                raise RuntimeError(f"user {i}'s confirmation got no plan: {[m.key for m in replies]}")
            await core.follow_ups.drain()
            t2, p2 = time.thread_time(), time.process_time()
            if i >= warm:
                loop_cpu.append((t1 - t0) * 1000)
                follow_cpu.append((t2 - t1) * 1000)
                all_cpu.append((p2 - p0) * 1000)
        out.update(loop=statistics.median(loop_cpu), follow=statistics.median(follow_cpu),
                   all=statistics.median(all_cpu), loop_mean=statistics.fmean(loop_cpu))
        if burst:
            out.update(await burst_of(core, users[warm + seq:], inbound, A.CONFIRM_TAP))
        return out

    with tempfile.TemporaryDirectory(prefix="confirm-bench-") as folder:
        return asyncio.run(run(folder))


async def burst_of(core: Any, users: list[Any], inbound: Any, tap: str) -> dict[str, float]:
    """All `users` confirm at once: the longest callback, the garbage collections, the ticker's lateness, the wall
    time."""
    from asyncio import events

    loop_thread = threading.get_ident()
    longest = {"wall": 0.0, "cpu": 0.0, "own": 0.0}  # own: the loop thread's CPU less the collections in it
    collected = {"total": 0.0, "longest": 0.0, "started": 0.0,  # garbage collections on the loop's thread
                 "other": 0.0, "other_started": 0.0}  # and in another (the drawing thread)
    owns: list[float] = []
    real_run = events.Handle._run

    def timed(handle: Any) -> None:  # every callback the loop runs, timed: the longest synchronous stretch
        start, cpu, gc_before = time.perf_counter(), time.thread_time(), collected["total"]
        real_run(handle)
        wall, cpu = time.perf_counter() - start, time.thread_time() - cpu
        own = cpu - (collected["total"] - gc_before)
        if own > longest["own"] and os.environ.get("CONFIRM_BENCH_WHICH"):
            task = getattr(getattr(handle, "_callback", None), "__self__", None)
            where, coro = [], task.get_coro() if isinstance(task, asyncio.Task) else None
            while coro is not None and getattr(coro, "cr_frame", None) is not None:  # where it waits now
                where.append(f"{coro.cr_frame.f_code.co_filename}:{coro.cr_frame.f_lineno}")
                coro = coro.cr_await
            print(f"longest so far: {own * 1000:.1f} ms CPU in {handle!r}, now at {where}", file=sys.stderr)
        for name, value in (("wall", wall), ("cpu", cpu), ("own", own)):
            longest[name] = max(longest[name], value)
        owns.append(own)

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if threading.get_ident() != loop_thread:  # the drawing thread's: it holds the GIL meanwhile (wall times)
            if phase == "start":
                collected["other_started"] = time.perf_counter()
            else:
                collected["other"] = max(collected["other"], time.perf_counter() - collected["other_started"])
            return
        if phase == "start":
            collected["started"] = time.perf_counter()
        else:
            took = time.perf_counter() - collected["started"]
            collected["total"] += took
            collected["longest"] = max(collected["longest"], took)

    late: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            late.append((time.perf_counter() - start - 0.001) * 1000)

    gc.callbacks.append(on_gc)
    events.Handle._run = timed  # type: ignore[method-assign]
    try:
        ticker = asyncio.create_task(tick())
        c0, t0 = time.process_time(), time.perf_counter()
        outs = await asyncio.gather(*(core.handle(inbound(u, tap)) for u in users))
        texts = time.perf_counter() - t0
        await core.follow_ups.drain()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        done.set()
        await ticker
    finally:
        events.Handle._run = real_run  # type: ignore[method-assign]
        gc.callbacks.remove(on_gc)
    if not all(any(m.key == "plan.title" for m in out) for out in outs):
        raise RuntimeError("a confirmation of the burst got no plan")
    late.sort()
    return {"stall": longest["wall"] * 1000, "stall_cpu": longest["cpu"] * 1000, "stall_own": longest["own"] * 1000,
            "over5": sum(x > 0.005 for x in owns), "over10": sum(x > 0.010 for x in owns),
            "gc": collected["longest"] * 1000, "gc_other": collected["other"] * 1000,
            "late99": late[int(len(late) * 0.99)], "late_max": late[-1],
            "texts": texts, "wall": wall, "burst_cpu": cpu * 1000 / len(users)}


def in_child(tree: Path, seq: int, burst: int, freeze: bool = False) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree), "BRANDCOACH_DRAW_WORKERS": "0",
           **({"CONFIRM_BENCH_GC_FREEZE": "1"} if freeze else {})}
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "confirm.py"), "--child", "--seq", str(seq),
                          "--burst", str(burst)], env=env, cwd=tree, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    if os.environ.get("CONFIRM_BENCH_WHICH"):
        print(f"{tree}:\n{out.stderr}", file=sys.stderr)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def export(ref: str, folder: str) -> Path:
    """REV's tree in `folder`, from this checkout's repository (else the current directory's: a copy of the
    bench run outside the repository still finds the revision)."""
    repo = ROOT if (ROOT / ".git").exists() else Path.cwd()
    archive = subprocess.run(["git", "-C", str(repo), "archive", ref], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
    return Path(folder)


LABELS = {  # key: (what, unit)
    "loop": ("confirm handled: CPU on the loop (text + file)", "ms"),
    "follow": ("its pictures: CPU on the loop", "ms"),
    "all": ("with the drawing thread: CPU per confirm", "ms"),
    "stall": ("burst: longest loop callback (wall)", "ms"),
    "stall_cpu": ("burst: longest loop callback (its CPU)", "ms"),
    "stall_own": ("burst: longest loop callback (CPU less its GC)", "ms"),
    "over5": ("burst: loop callbacks over 5 ms of CPU less GC", ""),
    "over10": ("burst: loop callbacks over 10 ms of CPU less GC", ""),
    "gc": ("burst: longest garbage collection on the loop", "ms"),
    "gc_other": ("burst: longest GC in the drawing thread", "ms"),
    "late99": ("burst: 1 ms ticker late, p99", "ms"),
    "late_max": ("burst: 1 ms ticker late, max", "ms"),
    "texts": ("burst: all texts sent (wall)", "s"),
    "wall": ("burst: all pictures sent (wall)", "s"),
    "burst_cpu": ("burst: process CPU per confirm", "ms"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seq", type=int, default=20, help="confirms one at a time (CPU per confirm)")
    parser.add_argument("--burst", type=int, default=60, help="confirms at once (the loop's longest stall)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each tree, alternating (medians)")
    parser.add_argument("--against", help="a git ref whose code is measured the same way, in the same run (or a "
                        "directory holding a tree: e.g. this one with some change taken out)")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() once the core has started (both "
                        "trees): the objects made at startup are never scanned again by the garbage collector")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.seq, args.burst)))
        return
    print(f"confirm bench: python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
          f"{args.seq} confirms one at a time, {args.burst} at once; {args.rounds} round(s) each, medians"
          + ("; gc.freeze() after startup" if args.gc_freeze else ""))
    with tempfile.TemporaryDirectory(prefix="confirm-bench-") as tmp:
        old_tree = None if not args.against else Path(args.against) if Path(args.against).is_dir() \
            else export(args.against, tmp)
        ours: list[dict[str, float]] = []
        theirs: list[dict[str, float]] = []
        for _ in range(args.rounds):  # alternating, so that load from others falls on both
            if old_tree is not None:
                theirs.append(in_child(old_tree, args.seq, args.burst, args.gc_freeze))
            ours.append(in_child(ROOT, args.seq, args.burst, args.gc_freeze))

    def med(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    keys = [k for k in LABELS if k in ours[0]]
    head = f"{'':52}{'this tree':>10}" + (f"{str(args.against)[:10]:>12}{'old/new':>9}" if theirs else "")
    print(head)
    for k in keys:
        what, unit = LABELS[k]
        line = f"{what:<46}{unit:>6}{med(ours, k):10.1f}"
        if theirs:
            new, old = med(ours, k), med(theirs, k)
            line += f"{old:12.1f}" + (f"{old / new:8.2f}x" if new else f"{'-':>9}")
        print(line)


if __name__ == "__main__":
    main()
