"""Benchmark the nudge scheduler (prints figures, never pass/fail).

Usage: python bench/nudges.py [--sizes 10000,100000,1000000] [--baseline 10000,100000] [--dispatch 10000]
                              [--keep DIR]

1. Ours: for each size, a temp SQLite file with N users (each with nudge settings, a finished plan and the
   default nudge series: 5 rows a user) is built with executemany in one transaction (a child process). Then a
   fresh child process starts the core and the NudgeService (one APScheduler interval job), and prints its RSS,
   the time to start the scheduler, and the time of the tick's due query (at a moment when a quarter of all
   users are due: the worst case), plus the tick's other two queries (stale rows, expired leases).
2. Baseline: one APScheduler job per user (MemoryJobStore, a CronTrigger each) at the --baseline sizes, in a
   child process: RSS and start-up time, and the ratios against ours at the same size.
3. Blocked users (--blocked 0,1,10 at --blocked-size users): the tick's due query when that percentage of
   users blocked the bot and their nudges were released with their old due time (so they sit at the head of
   due order, as after a failed send). Measured twice per percentage: with those nudges parked (this code:
   the core reports the user unreachable, the reminders feature sets nudges.parked = 1, out of the partial
   index nudges_due) and unparked (as before migration 0006: the query walks past them and drops them on
   users.reachable). The measured process opens
   the database as the bot does (Storage.open: WAL, synchronous=NORMAL, no ANALYZE); the build child's
   synchronous=OFF applies only to its own connection. No scheduler runs while a query is timed.
5. Wave (--wave N): N users all due at 09:00 in one zone, each at 09:00 plus their jitter of the day (0-3 min,
   handlers/reminders/schedule.py), in due order, paced by the real RateLimiter on a simulated clock (no network):
   when the wave's last message goes out and the median delay of a send after its user's due time, at
   Telegram's standard 30 msg/s and with paid broadcast
   (TELEGRAM_PAID_BROADCAST=1, 1,000 msg/s), against the grace window (BRANDCOACH_GRACE_HOURS, default 6 h).
   Only the pacing: the real sends also need the requests' round trips to fit (256 in flight when paid).
4. Dispatch: N due nudges delivered by the real dispatcher to a local fake HTTP endpoint on 127.0.0.1 that
   answers 429 beyond 30 messages in any second (like Telegram): messages/s sustained and 429s received.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ZONES = ["Asia/Jakarta", "Asia/Jakarta", "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Berlin"]
RESPONSE = ["1", "3", "12", "24"]
CADENCE = ["7", "5", "3", "1"]
NOW = datetime(2026, 1, 5, 0, 30, tzinfo=timezone.utc)  # a Monday, 07:30 WIB


def rss_mb() -> float:
    """Current resident set size of this process, in MB (from /proc; max RSS as a fallback)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- building the database ---------------------------------------------------------------

async def _migrate(path: str) -> None:
    from bot.storage import Storage
    st = Storage(path)
    await st.open()
    await st.close()


def build(path: str, n: int, due_all: bool = False, with_answers: bool = False) -> float:
    """N users with settings, a finished plan and the default series; returns seconds."""
    from handlers.reminders import content as C
    from handlers.reminders.manage import next_slot

    asyncio.run(_migrate(path))
    t0 = time.perf_counter()
    kinds = list(C.kinds().values())
    cache: dict[tuple[str, str, str, str], tuple[list[str], list[int], int | None, int | None, int | None]] = {}

    def series(kind_id: str, tz: str, rt: str, cad: str) -> tuple[list[str], list[int], int | None, int | None,
                                                                   int | None]:
        key = (kind_id, tz, rt, cad)
        if key not in cache:
            kind = next(k for k in kinds if k.id == kind_id)
            times, days, monthday = C.default_schedule(kind, {"response_time": rt, "cadence": cad})
            slot, sched = next_slot(times, days, monthday, tz, None, None, NOW - timedelta(minutes=1))
            cache[key] = (times, days, monthday, slot, sched)
        return cache[key]

    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-200000")
    stamp = NOW.isoformat(timespec="seconds")
    due_ts = int(NOW.timestamp()) - 60
    with db:
        db.executemany("INSERT INTO users (id, platform, platform_user_id, display_name, language, created_at,"
                       " updated_at) VALUES (?, 'telegram', ?, '', ?, ?, ?)",
                       ((i, str(10_000_000 + i), "id" if i % 3 else "en", stamp, stamp) for i in range(1, n + 1)))
        db.executemany("INSERT INTO flows (user_id, status, updated_at) VALUES (?, 'done', ?)",
                       ((i, stamp) for i in range(1, n + 1)))
        db.executemany("INSERT INTO nudge_settings (user_id, tz, updated_at) VALUES (?, ?, ?)",
                       ((i, ZONES[i % len(ZONES)], stamp) for i in range(1, n + 1)))

        def rows():  # type: ignore[no-untyped-def]
            for i in range(1, n + 1):
                tz, rt, cad = ZONES[i % len(ZONES)], RESPONSE[i % 4], CADENCE[(i // 4) % 4]
                for kind in kinds:
                    if due_all and kind.id != "respond":
                        continue
                    times, days, monthday, slot, sched = series(kind.id, tz, rt, cad)
                    if due_all:
                        slot = sched = due_ts
                    yield (i, kind.id, json.dumps(times), json.dumps(days), monthday, slot, sched, sched)

        db.executemany("INSERT INTO nudges (user_id, kind, times, days, monthday, slot_at, sched_at, due_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows())
        if with_answers:
            answers = {"name": "Sari", "purposes": ["exist", "engage"], "pillars": ["musik akustik", "kopi", "kampus"],
                       "formats": ["short_video", "photo"], "response_time": "3", "cadence": "3",
                       "daily_minutes": "30"}
            db.executemany("INSERT INTO answers (user_id, step, value, updated_at) VALUES (?, ?, ?, ?)",
                           ((i, k, json.dumps(v), stamp) for i in range(1, n + 1) for k, v in answers.items()))
    db.close()  # no ANALYZE: the bot never runs it, so the measured planner sees what the bot's sees
    return time.perf_counter() - t0


# -- child: ours ----------------------------------------------------------------------------

async def measure_ours(path: str) -> dict[str, float | str]:
    from bot.clock import FakeClock
    from bot.core import Core
    from handlers.reminders.service import NudgeService
    from handlers.reminders.store import DUE_SQL
    from bot.storage import Storage

    clock = FakeClock(NOW)
    core = Core(Storage(path, clock=clock), clock=clock)
    await core.start()
    rss_core = rss_mb()
    service = NudgeService(core, interval=3600)  # the tick is called below, not by the timer
    t0 = time.perf_counter()
    await service.start()
    start_s = time.perf_counter() - t0
    await asyncio.sleep(0)
    await service.stop()  # no tick may run while the queries below are timed
    service.dispatcher.stopping = False
    store = service.dispatcher.store
    # the moment a quarter of all users are due (the 08:00 WIB reply window) and a few minutes after
    clock.set(NOW + timedelta(minutes=31))
    now = int(clock.now().timestamp())
    times = []
    for _ in range(30):
        t = time.perf_counter()
        rows = await store.due(now, service.dispatcher.batch)
        times.append((time.perf_counter() - t) * 1000)
    stale_ms, lease_ms = [], []
    for _ in range(10):
        t = time.perf_counter()
        await store.stale(now - service.dispatcher.grace, 1000)
        stale_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        await store.expired_leases(now - service.dispatcher.lease, 1000)
        lease_ms.append((time.perf_counter() - t) * 1000)
    async with core.storage.db.execute("EXPLAIN QUERY PLAN " + DUE_SQL, (1, now, 100)) as cur:
        plan = " | ".join(str(r[3]) for r in await cur.fetchall())
    async with core.storage.db.execute("SELECT count(*) FROM nudges WHERE active = 1 AND due_at <= ?", (now,)) as cur:
        due_total = (await cur.fetchone())[0]
    out = {"rss_mb": rss_mb(), "rss_core_mb": rss_core, "peak_mb": peak_mb(), "start_ms": start_s * 1000,
           "due_first_ms": times[0], "due_median_ms": statistics.median(times), "due_max_ms": max(times),
           "due_rows": len(rows), "due_total": due_total, "stale_ms": statistics.median(stale_ms),
           "lease_ms": statistics.median(lease_ms), "plan": plan}
    await core.stop()
    return out


# -- child: blocked users --------------------------------------------------------------------

def set_blocked(path: str, pct: int, park: bool) -> int:
    """Users with id % 100 < pct blocked the bot: reachable = 0, nudges due in the last 6 h (released with their
    old due time), parked or not; the others reachable and unparked. Returns the number of blocked users."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    head = int(NOW.timestamp())
    with db:
        db.execute("UPDATE users SET reachable = (id % 100 >= ?)", (pct,))
        db.execute("UPDATE nudges SET parked = 0 WHERE parked = 1")
        db.execute("UPDATE nudges SET due_at = ? - (id % 21600) - 60 WHERE user_id % 100 < ? AND kind = 'respond'",
                   (head, pct))
        if park:
            db.execute("UPDATE nudges SET parked = 1 WHERE user_id % 100 < ?", (pct,))
    n = db.execute("SELECT count(*) FROM users WHERE reachable = 0").fetchone()[0]
    db.close()
    return int(n)


async def measure_blocked(path: str) -> dict[str, float | str]:
    """The tick's due query alone (no scheduler), on the bot's own connection settings."""
    from bot.clock import FakeClock
    from bot.core import Core
    from handlers.reminders.store import DUE_SQL, NudgeStore
    from bot.storage import Storage

    clock = FakeClock(NOW)
    core = Core(Storage(path, clock=clock), clock=clock)
    await core.start()
    store = NudgeStore(core.storage)
    now = int((NOW + timedelta(minutes=31)).timestamp())
    times = []
    for _ in range(30):
        t = time.perf_counter()
        rows = await store.due(now, 100)
        times.append((time.perf_counter() - t) * 1000)
    async with core.storage.db.execute("EXPLAIN QUERY PLAN " + DUE_SQL, (1, now, 100)) as cur:
        plan = " | ".join(str(r[3]) for r in await cur.fetchall())
    await core.stop()
    return {"due_median_ms": statistics.median(times), "due_first_ms": times[0], "due_max_ms": max(times),
            "due_rows": len(rows), "plan": plan}


# -- child: baseline ---------------------------------------------------------------------

async def measure_baseline(n: int) -> dict[str, float]:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.cron import CronTrigger

    async def nudge(user_id: int) -> None:
        return None

    rss0 = rss_mb()
    t0 = time.perf_counter()
    sched = AsyncIOScheduler(timezone="UTC")
    hours = [8, 9, 12, 19]
    for i in range(1, n + 1):
        sched.add_job(nudge, CronTrigger(hour=hours[i % 4], minute=0, timezone=ZONES[i % len(ZONES)]),
                      args=(i,), id=f"u{i}", max_instances=1, coalesce=True)
    sched.start()
    await asyncio.sleep(0)
    start_s = time.perf_counter() - t0
    out = {"rss_mb": rss_mb(), "rss_before_mb": rss0, "start_ms": start_s * 1000, "jobs": len(sched.get_jobs())}
    sched.shutdown(wait=False)
    return out


def run_child(args: list[str]) -> dict[str, object]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- dispatch --------------------------------------------------------------------------------

async def dispatch(n: int, workdir: str) -> dict[str, float]:
    from aiohttp import ClientSession, web

    from bot.adapters.base import RetryLater, UserUnreachable
    from bot.core import Core
    from handlers.reminders.service import NudgeService
    from bot.storage import Storage
    from bot.types import Outbound

    path = os.path.join(workdir, "dispatch.sqlite3")
    global NOW
    NOW = datetime.now(timezone.utc)
    build_s = await asyncio.to_thread(build, path, n, True, True)

    arrivals: deque[float] = deque()
    counters = {"ok": 0, "429": 0}

    async def send_message(request: web.Request) -> web.Response:
        await request.read()
        now = time.monotonic()
        while arrivals and now - arrivals[0] >= 1.0:
            arrivals.popleft()
        if len(arrivals) >= 30:
            counters["429"] += 1
            return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests",
                                      "parameters": {"retry_after": 1}}, status=429)
        arrivals.append(now)
        counters["ok"] += 1
        return web.json_response({"ok": True, "result": {}})

    app = web.Application()
    app.router.add_post("/bot/sendMessage", send_message)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    class HttpAdapter:
        """Posts each message to the fake endpoint, as a Telegram adapter would; 429 -> RetryLater."""

        platform = "telegram"

        def __init__(self) -> None:
            self.session: ClientSession | None = None

        async def send(self, user_id: str, messages: list[Outbound]) -> None:
            assert self.session is not None
            for msg in messages:
                async with self.session.post(f"http://127.0.0.1:{port}/bot/sendMessage",
                                             json={"chat_id": user_id, "text": msg.text}) as resp:
                    body = await resp.json()
                    if resp.status == 429:
                        raise RetryLater(float(body["parameters"]["retry_after"]))
                    if resp.status == 403:
                        raise UserUnreachable(user_id)

    core = Core(Storage(path))
    await core.start()
    adapter = HttpAdapter()
    adapter.session = ClientSession()
    core.add_adapter(adapter)  # type: ignore[arg-type]
    service = NudgeService(core, interval=3600)
    t0 = time.monotonic()
    sent = retried = 0
    while sent < n:
        stats = await service.tick()
        sent += stats.sent
        retried += stats.retried
        if stats.sent == 0 and stats.retried == 0:
            if time.monotonic() - t0 > n / 10 + 60:
                break
            await asyncio.sleep(0.5)
    elapsed = time.monotonic() - t0
    await adapter.session.close()
    await core.stop()
    await runner.cleanup()
    return {"n": n, "sent": sent, "seconds": elapsed, "per_s": sent / elapsed if elapsed else 0.0,
            "http_429": counters["429"], "retried": retried, "build_s": build_s}


# -- main -------------------------------------------------------------------------------------

async def wave(n: int, paid: bool) -> tuple[float, float]:
    """(seconds until the last of n sends of one wave leaves the limiter, median lateness of a send), on a simulated
    clock; each user is due at 09:00 + their jitter of the day (handlers/reminders/schedule.py), in due order."""
    from datetime import date

    from bot.ratelimit import NUDGE, PAID_LIMITS, RateLimiter
    from handlers.reminders.schedule import jitter

    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(PAID_LIMITS if paid else None, monotonic=lambda: now[0], sleep=sleep)
    day = date(2026, 5, 4)
    due = sorted((jitter(100_000 + user, day), 100_000 + user) for user in range(n))
    late: list[float] = []
    for at, user in due:
        now[0] = max(now[0], float(at))
        await limiter.acquire("telegram", str(user), NUDGE)
        late.append(now[0] - at)
    return now[0], statistics.median(late) if late else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--baseline", default="10000,100000")
    ap.add_argument("--dispatch", type=int, default=10000, help="due nudges to dispatch (0 = skip)")
    ap.add_argument("--blocked", default="0,1,10", help="percentages of blocked users for the due query")
    ap.add_argument("--blocked-size", type=int, default=1000000, help="users in the blocked-users database")
    ap.add_argument("--wave", type=int, default=1000000, help="users in the 09:00 wave (0 = skip)")
    ap.add_argument("--keep", default=None, help="build the databases in this folder and keep them")
    ap.add_argument("--child-build", nargs=2, metavar=("PATH", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--child-ours", metavar="PATH", help=argparse.SUPPRESS)
    ap.add_argument("--child-baseline", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--child-blocked", metavar="PATH", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child_build:
        print(json.dumps({"build_s": build(a.child_build[0], int(a.child_build[1]))}))
        return
    if a.child_ours:
        print(json.dumps(asyncio.run(measure_ours(a.child_ours))))
        return
    if a.child_blocked:
        print(json.dumps(asyncio.run(measure_blocked(a.child_blocked))))
        return
    if a.child_baseline:
        print(json.dumps(asyncio.run(measure_baseline(a.child_baseline))))
        return

    sizes = [int(s) for s in a.sizes.split(",") if s]
    baseline = [int(s) for s in a.baseline.split(",") if s]
    tmp = a.keep or tempfile.mkdtemp(prefix="nudgebench-")
    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cpus, dir {tmp}")
    ours: dict[int, dict[str, object]] = {}
    print("\n== ours: one APScheduler interval job + indexed SQLite table (5 nudge series a user) ==")
    print(f"{'users':>9} {'build s':>8} {'db MB':>7} {'RSS MB':>7} {'start ms':>9} {'due q ms (median/first/max)':>28}"
          f" {'stale ms':>9} {'lease ms':>9}")
    for n in sizes:
        path = os.path.join(tmp, f"ours-{n}.sqlite3")
        if os.path.exists(path):
            os.remove(path)
        b = run_child(["--child-build", path, str(n)])
        m = run_child(["--child-ours", path])
        ours[n] = m
        size = os.path.getsize(path) / 1e6
        print(f"{n:>9} {b['build_s']:>8.1f} {size:>7.0f} {m['rss_mb']:>7.1f} {m['start_ms']:>9.2f}"
              f" {m['due_median_ms']:>10.3f} /{m['due_first_ms']:>7.3f} /{m['due_max_ms']:>7.3f}"
              f" {m['stale_ms']:>9.3f} {m['lease_ms']:>9.3f}")
        print(f"{'':>9} due now: {m['due_total']} rows ({m['due_rows']} read per batch); RSS after core.start "
              f"{m['rss_core_mb']:.1f} MB, peak {m['peak_mb']:.1f} MB; plan: {m['plan']}")
        if not a.keep:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
    if baseline:
        print("\n== baseline: one APScheduler job per user (MemoryJobStore, CronTrigger each) ==")
        print(f"{'users':>9} {'RSS MB':>7} {'start ms':>10} {'RSS ratio':>10} {'start ratio':>12}")
        for n in baseline:
            m = run_child(["--child-baseline", str(n)])
            ref = ours.get(n)
            ratio_rss = f"{m['rss_mb'] / ref['rss_mb']:.2f}x" if ref else "-"  # type: ignore[operator]
            ratio_start = f"{m['start_ms'] / ref['start_ms']:.0f}x" if ref else "-"  # type: ignore[operator]
            print(f"{n:>9} {m['rss_mb']:>7.1f} {m['start_ms']:>10.1f} {ratio_rss:>10} {ratio_start:>12}"
                  f"   (RSS before adding jobs {m['rss_before_mb']:.1f} MB; ratios vs ours at the same size,"
                  f" ours includes the whole bot: core, catalogs, language profiles)")
    blocked = [int(s) for s in a.blocked.split(",") if s]
    if blocked and a.blocked_size:
        n = a.blocked_size
        print(f"\n== due query with blocked users: {n} users, 5 series each; a blocked user's 'respond' nudge due"
              " in the last 6 h (the head of due order); median / first / max of 30 runs, ms ==")
        path = os.path.join(tmp, f"blocked-{n}.sqlite3")
        if os.path.exists(path):
            os.remove(path)
        b = run_child(["--child-build", path, str(n)])
        print(f"built in {b['build_s']:.1f} s, {os.path.getsize(path) / 1e6:.0f} MB")
        print(f"{'blocked':>8} {'users':>8} {'parked (ours)':>28} {'not parked (before 0005)':>28}")
        for pct in blocked:
            got = {}
            for park in (True, False):
                count = set_blocked(path, pct, park)
                got[park] = run_child(["--child-blocked", path])
            p, u = got[True], got[False]
            print(f"{pct:>7}% {count:>8} {p['due_median_ms']:>10.3f} /{p['due_first_ms']:>7.3f} /{p['due_max_ms']:>7.3f}"
                  f" {u['due_median_ms']:>10.3f} /{u['due_first_ms']:>7.3f} /{u['due_max_ms']:>7.3f}")
        print(f"plan: {got[True]['plan']}")
        if not a.keep:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
    if a.wave:
        print(f"\n== wave: {a.wave} users due at 09:00 in one zone, paced by the real limiter (simulated clock) ==")
        for paid in (False, True):
            secs, late = asyncio.run(wave(a.wave, paid))
            label = "paid broadcast (1,000 msg/s)" if paid else "standard (30 msg/s)"
            print(f"{label:<30} last message at 09:00 + {secs / 3600:.2f} h ({secs:,.0f} s), median send "
                  f"{late / 60:.1f} min after the user's due time; grace window 6 h: "
                  f"{'inside' if secs < 6 * 3600 else 'EXCEEDED'}")
    if a.dispatch:
        print(f"\n== dispatch: {a.dispatch} due nudges -> fake HTTP endpoint on 127.0.0.1 (429 beyond 30 msg/s) ==")
        d = asyncio.run(dispatch(a.dispatch, tmp))
        print(f"sent {d['sent']}/{d['n']} in {d['seconds']:.1f} s = {d['per_s']:.2f} msg/s sustained;"
              f" 429s received: {d['http_429']}; retried: {d['retried']}")


if __name__ == "__main__":
    main()
