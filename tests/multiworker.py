"""The multi-worker proof, shared by tests/test_workers.py (short) and bench/workers.py (full).

N `python -m bot run` workers on one PostgreSQL database serve a fake Telegram (tests/fake_telegram.py) in webhook
mode behind a tiny loopback load balancer. Simulated users go through the questionnaire; every 7th update is also
handed to a second worker (a redelivery to another worker). One worker is SIGKILLed mid-run and restarted, then
again during a wave of nudges. What is measured:
- acknowledged answers lost: an answer the bot replied to (the next question came) that is not stored as the
  reference run of the same script stores it;
- updates answered twice: update ids in more than one "telegram update N handled" line across the workers' logs;
- nudges sent twice: a nudge (told apart from replies by its snooze buttons, which name the nudge and its slot)
  delivered more than once, or a chat given more nudges in the wave than the two each user has due;
- the send rate of the nudge wave: most messages in any 1 s, least gap between two nudges to one chat.
A reply that lands during the wave (the tail of a paced answer) is counted apart (`replies_in_wave`), never as a
nudge: the wave starts only after no message has gone out for longer than a chat's pacing window.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.backends import open_storage
from fake_telegram import FakeTelegram, unused_port
import answers as A

ROOT = Path(__file__).resolve().parent.parent
SECRET = "multi-worker-secret"


def _typed() -> list[tuple[str, str]]:
    """(step, the line a user types) for every question: generated valid answers (tests/answers.py)."""
    so_far: dict[str, Any] = {}
    out = []
    for step, value in A.script():
        out.append((step.id, A.typed(step, so_far, value)))
        so_far[step.id] = A.stored(value)
    return out


TYPED = _typed()
# A private chat's pacing window (bot/ratelimit.py TELEGRAM.chat_window, 3.15 s) and a margin: a reply still
# waiting for its chat's allowance goes out within it, so this long without any message means no reply is left.
QUIET = 4.5
WAVE_KINDS = ("post", "respond")  # the nudges made due at once for every user in the wave


def nudge_of(call: Any) -> str | None:
    """'nudge id:slot' for a nudge message (its snooze buttons carry n:{nudge}:{slot}:{delay}), else None."""
    for _label, data in call.buttons:
        if data.startswith("n:"):
            return data.rsplit(":", 1)[0]
    return None


@dataclass
class Report:
    workers: int
    users: int
    answers_sent: int = 0
    acknowledged: int = 0
    lost: int = 0
    answered_twice: int = 0
    redelivered: int = 0
    resent: int = 0
    seconds: float = 0.0
    nudges: int = 0
    nudges_sent: int = 0
    nudges_twice: int = 0
    replies_in_wave: int = 0
    max_per_second: int = 0
    min_chat_gap: float = float("inf")
    kills: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def answers_per_second(self) -> float:
        return self.acknowledged / self.seconds if self.seconds else 0.0


class Worker:
    """One `python -m bot run` in webhook mode on its own port."""

    def __init__(self, n: int, db: str, tg: FakeTelegram, lb_url: str, logdir: Path) -> None:
        self.n, self.db, self.tg, self.lb_url = n, db, tg, lb_url
        self.port = unused_port()
        self.log = logdir / f"worker{n}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.generation = 0  # restarts so far

    def start(self) -> None:
        self.generation += 1
        drop = {"DISCORD_BOT_TOKEN", "BRANDCOACH_DB"}
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env.update(PYTHONPATH=f"{ROOT}", TELEGRAM_BOT_TOKEN=self.tg.token, TELEGRAM_API_URL=self.tg.api_url,
                   TELEGRAM_WEBHOOK_URL=self.lb_url, TELEGRAM_WEBHOOK_PORT=str(self.port),
                   TELEGRAM_WEBHOOK_SECRET=SECRET, BRANDCOACH_NUDGE_TICK="0.5", BRANDCOACH_NUDGE_BATCH="10",
                   BRANDCOACH_NUDGE_RESERVE="3", BRANDCOACH_DEBUG_LOGGERS="bot.core")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "--db", self.db, "--log-level", "WARNING", "run"],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         cwd=str(self.log.parent))

    async def ready(self, timeout: float = 60) -> None:
        """Bounded wait until the worker's webhook server answers."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.proc is not None and self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/") as resp:
                        if resp.status in (404, 405):
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"worker {self.n} did not start: " + self.log.read_text(errors="replace")[-3000:])

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class Balancer:
    """Round robin over the workers' webhook ports; a worker that is down is passed over (Telegram's webhook
    retry, folded in). `duplicate_every`: also hand every n-th update to the next worker at the same time."""

    def __init__(self, workers: list[Worker], duplicate_every: int = 7) -> None:
        self.workers = workers
        self.port = unused_port()
        self.duplicate_every = duplicate_every
        self.count = 0
        self.duplicated = 0
        self.holders: dict[int, list[tuple[Worker, int]]] = {}  # update id -> workers (and their lives) that took it
        self.runner: web.AppRunner | None = None
        self.http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()
        if self.runner is not None:
            await self.runner.cleanup()

    async def _forward(self, body: bytes, headers: dict[str, str], n: int) -> int:
        assert self.http is not None
        update_id = json.loads(body)["update_id"]
        for k in range(len(self.workers)):
            worker = self.workers[(n + k) % len(self.workers)]
            try:
                async with self.http.post(f"http://127.0.0.1:{worker.port}/hook", data=body, headers=headers) as r:
                    if r.status == 200:
                        self.holders.setdefault(update_id, []).append((worker, worker.generation))
                        return n + k
            except (aiohttp.ClientError, asyncio.TimeoutError):
                continue
        return -1

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token":
                   request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")}
        self.count += 1
        n = self.count
        took = await self._forward(body, headers, n)
        if took < 0:
            return web.Response(status=502)
        if self.duplicate_every and n % self.duplicate_every == 0:
            self.duplicated += 1
            await self._forward(body, headers, took + 1)  # the same update, to another worker
        return web.Response(status=200)


class Cluster:
    def __init__(self, db: str, workers: int, logdir: Path) -> None:
        self.db = db
        self.tg = FakeTelegram()
        self.logdir = logdir
        self.nworkers = workers
        self.workers: list[Worker] = []
        self.lb: Balancer | None = None
        self.stamps: list[tuple[float, int, str | None]] = []  # (monotonic, chat, nudge) of every sendMessage
        self.events: dict[int, asyncio.Event] = {}
        self.storage = open_storage(db)

    async def start(self) -> None:
        await self.storage.open()  # applies the migrations once, before the workers start
        record = self.tg._record

        async def stamped(call: Any) -> None:
            await record(call)
            if call.method == "sendmessage" and call.status == 200:
                chat = int(call.params.get("chat_id", 0))
                self.stamps.append((time.monotonic(), chat, nudge_of(call)))
                ev = self.events.get(chat)
                if ev is not None:
                    ev.set()

        self.tg._record = stamped  # type: ignore[method-assign]
        await self.tg.start()
        self.workers = [Worker(i, self.db, self.tg, "", self.logdir) for i in range(self.nworkers)]
        self.lb = Balancer(self.workers)
        await self.lb.start()
        for w in self.workers:
            w.lb_url = self.lb.url
            w.start()
        await asyncio.gather(*(w.ready() for w in self.workers))

    async def stop(self) -> None:
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in self.workers))
        if self.lb is not None:
            await self.lb.stop()
        await self.tg.stop()
        await self.storage.close()

    async def restart(self, n: int) -> None:
        w = self.workers[n]
        await asyncio.to_thread(w.kill)
        w.start()
        await w.ready()

    async def deliver(self, body: dict[str, Any]) -> int:
        """Telegram's webhook delivery: POST until the balancer accepts it; the update id."""
        assert self.lb is not None
        self.tg.next_update_id += 1
        update_id = self.tg.next_update_id
        payload = json.dumps({"update_id": update_id, **body})
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                async with http.post(self.lb.url, data=payload, headers={
                        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
                    if r.status == 200:
                        return update_id
                await asyncio.sleep(0.05)
        raise AssertionError("no worker took the update")

    def lost(self, update_id: int) -> bool:
        """Every worker that took the update was killed since (nothing will come of it)."""
        assert self.lb is not None
        return all(w.generation != gen for w, gen in self.lb.holders.get(update_id, []))

    async def say(self, uid: int, text: str, report: Report, timeout: float) -> tuple[bool, int]:
        """Send one message, wait (bounded) for the bot's reply; (whether it came, the update id)."""
        ev = self.events.setdefault(uid, asyncio.Event())
        ev.clear()
        update_id = await self.deliver({"message": self.tg._incoming(self.tg.user(uid), text=text)})
        for waited in range(1, 100):
            try:
                await asyncio.wait_for(ev.wait(), timeout)
                return True, update_id
            except asyncio.TimeoutError:
                assert self.lb is not None
                holders = self.lb.holders.get(update_id, [])
                if self.lost(update_id):
                    return False, update_id  # every worker that took it was killed since: the message is lost, type it again
                # A live worker also took it: either still working on it (slow: wait, as a user would) or it
                # dropped it as already taken by the killed one (which died before replying: nothing will come).
                if waited >= 3 and any(w.generation != gen for w, gen in holders):
                    return False, update_id
        return False, update_id

    async def current_step(self, uid: int) -> str | None:
        row = await self.storage.fetch_one("SELECT f.step FROM flows f JOIN users u ON u.id = f.user_id"
                                           " WHERE u.platform = 'telegram' AND u.platform_user_id = ?", (str(uid),))
        return row[0] if row else None

    async def moved_on(self, uid: int, step: str, update_id: int) -> bool:
        """The whole reply has come: the conversation is past `step` (a user reads before typing the next answer).
        False at once when every worker that took the answer has been killed since (the message that came was the
        tail of the previous reply, and the answer is lost: type it again)."""
        for _ in range(600):  # up to 60 s: a message that came may be the tail of the previous reply
            if await self.current_step(uid) != step:
                return True
            if self.lost(update_id):
                return await self.current_step(uid) != step
            await asyncio.sleep(0.1)
        return False

    async def user(self, uid: int, report: Report, progress: asyncio.Queue[int], timeout: float,
                   steps: int) -> set[str]:
        """One user through the first `steps` questions; the steps whose answer the bot acknowledged."""
        acked: set[str] = set()
        while not (await self.say(uid, "/start", report, timeout))[0]:
            report.resent += 1
        i = 0
        while i < steps:
            step, text = TYPED[i]
            report.answers_sent += 1
            came, update_id = await self.say(uid, text, report, timeout)
            if came and await self.moved_on(uid, step, update_id):
                acked.add(step)
                progress.put_nowait(1)
                i += 1
                continue
            # No reply (its worker died): look at the chat, as a user would, and answer what is asked now.
            report.resent += 1
            now = await self.current_step(uid)
            i = next((k for k, (s, _) in enumerate(TYPED) if s == now), len(TYPED))
        return acked


async def questionnaire(cluster: Cluster, users: int, report: Report, kill_at: float | None,
                        concurrency: int = 200, timeout: float = 8.0, steps: int = len(TYPED)) -> None:
    """Every user through the first `steps` questions (all by default); worker 0 is SIGKILLed (and restarted)
    after `kill_at` of the answers."""
    expected = A.plan_answers()
    progress: asyncio.Queue[int] = asyncio.Queue()
    sem = asyncio.Semaphore(concurrency)
    base = 700_000

    async def one(uid: int) -> set[str]:
        async with sem:
            return await cluster.user(uid, report, progress, timeout, steps)

    async def killer() -> None:
        if kill_at is None:
            return
        total, done = users * steps, 0
        while done < total * kill_at:
            done += await progress.get()
        await cluster.restart(0)
        report.kills += 1

    start = time.monotonic()
    kill = asyncio.ensure_future(killer())
    acked = await asyncio.gather(*(one(base + u) for u in range(users)))
    report.seconds = time.monotonic() - start
    await kill
    for u, steps in enumerate(acked):
        report.acknowledged += len(steps)
        row = await cluster.storage.fetch_one("SELECT id FROM users WHERE platform = 'telegram'"
                                              " AND platform_user_id = ?", (str(base + u),))
        stored = await cluster.storage.answers(row[0]) if row else {}
        for step in steps:
            if step in expected and stored.get(step) != expected[step]:
                report.lost += 1
                if len(report.problems) < 5:
                    report.problems.append(f"user {base + u} {step}: {stored.get(step)!r} != {expected[step]!r}")
    report.redelivered = cluster.lb.duplicated if cluster.lb else 0


def answered_twice(logdir: Path) -> int:
    seen: Counter[str] = Counter()
    for log in logdir.glob("worker*.log"):
        seen.update(re.findall(r"telegram update (\d+) handled", log.read_text(errors="replace")))
    return sum(1 for n in seen.values() if n > 1)


async def nudge_wave(cluster: Cluster, report: Report, kill: bool, timeout: float = 120.0) -> None:
    """Make two nudges due now for every user, let the workers deliver them, SIGKILL one worker mid-wave."""
    # Replies are paced too (a plan's several messages wait for the chat's allowance): let the questionnaire's
    # last replies land first (no new message for QUIET seconds, at most 60 s).
    quiet, deadline = len(cluster.stamps), time.monotonic() + 60
    while time.monotonic() < deadline:
        await asyncio.sleep(QUIET)
        if len(cluster.stamps) == quiet:
            break
        quiet = len(cluster.stamps)
    now = int(time.time())
    await cluster.storage.write(*((  # two per user, so that the gap between two nudges to one chat is measured
        "INSERT INTO nudges (user_id, kind, times, days, slot_at, sched_at, due_at)"
        " SELECT id, ?, '[\"23:59\"]', '[0,1,2,3,4,5,6]', ?, ?, ? FROM users"
        " ON CONFLICT (user_id, kind) WHERE once = 0 DO NOTHING", (kind, now, now, now)) for kind in WAVE_KINDS))
    report.nudges = (await cluster.storage.fetch_one("SELECT count(*) FROM nudges WHERE due_at = ?", (now,)))[0]
    mark = len(cluster.stamps)
    if kill:
        deadline = time.monotonic() + timeout
        while sum(1 for *_, n in cluster.stamps[mark:] if n) < report.nudges // 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await cluster.restart(1)
        report.kills += 1
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # until no nudge of the wave is left to send (claimed ones are never re-sent)
        left = (await cluster.storage.fetch_one("SELECT count(*) FROM nudges WHERE sent_count = 0 AND active = 1"
                                                " AND claimed_at IS NULL AND due_at <= ?", (int(time.time()),)))[0]
        if left == 0:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # let in-flight sends land in the fake's record
    wave = cluster.stamps[mark:]
    nudges = [(chat, nudge) for _, chat, nudge in wave if nudge is not None]
    report.nudges_sent = len(nudges)
    report.replies_in_wave = len(wave) - len(nudges)
    per_nudge, per_chat = Counter(n for _, n in nudges), Counter(chat for chat, _ in nudges)
    report.nudges_twice = max(sum(n - 1 for n in per_nudge.values()),
                              sum(n - len(WAVE_KINDS) for n in per_chat.values() if n > len(WAVE_KINDS)))
    times = sorted(t for t, _, _ in wave)
    j = 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        report.max_per_second = max(report.max_per_second, i - j + 1)
    last: dict[int, float] = {}
    for t, chat, nudge in wave:
        if nudge is None:
            continue  # a reply's own pacing is its worker's (a burst of 3 is allowed); nudges keep 1 s apart
        if chat in last:
            report.min_chat_gap = min(report.min_chat_gap, t - last[chat])
        last[chat] = t


async def prove(db: str, logdir: Path, users: int, workers: int = 3, kill: bool = True, steps: int = len(TYPED),
                timeout: float = 8.0) -> Report:
    """Users through the first `steps` questions on `workers` workers (worker 0 killed at 40% of the answers), then
    a nudge wave (worker 1 killed a third of the way through) when `kill`; the figures in a Report."""
    report = Report(workers, users)
    cluster = Cluster(db, workers, logdir)
    await cluster.start()
    try:
        await questionnaire(cluster, users, report, 0.4 if kill else None, timeout=timeout, steps=steps)
        await nudge_wave(cluster, report, kill)
    finally:
        await cluster.stop()
    report.answered_twice = answered_twice(logdir)
    return report
