"""The multi-worker proof, shared by tests/test_workers.py (short) and bench/workers.py (full).

N `python -m bot run` workers on one PostgreSQL database serve a fake Telegram (tests/fake_telegram.py), either in
webhook mode behind a tiny loopback round-robin load balancer (a chat's next update is sent as soon as the previous
one got its 200, as Telegram does; every 7th update is also handed to a second worker, a redelivery to another
worker), or by long polling with one elected poller. Simulated users go through the questionnaire: a multi-choice
question is answered by tapping its options and then Done right after (each tap sent as soon as the previous one
was accepted), every third user types two text answers back to back (a fast typist), the others answer and wait
for the next question. One worker (in polling mode: the poller) is SIGKILLed mid-run and restarted, then another
during a wave of nudges. What is measured:
- acknowledged answers lost: an answer the bot replied to (the next question came) that is not stored as the
  reference run of the same script stores it;
- updates handled twice: update ids in more than one "telegram update N handled" line across the workers' logs;
- updates dropped: accepted (a 200, or confirmed by a getUpdates) and not handled in the inbox at the end, or
  dropped as "already handled" while delivered only once;
- Done before its tick: a Done answered with the same question again (handled before the tick it follows);
- actions not answered: a text with no message after it, a tap whose callback query was never answered, unless
  the worker that handled it was SIGKILLed before its reply went out (counted apart: cut off by a kill);
- the sending limits over every worker's sends together, the whole run: most messages (and edits) in any 1 s,
  most new messages to one chat in any 3 s;
- nudges sent twice: a nudge (told apart from replies by its snooze buttons, which name the nudge and its slot)
  delivered more than once, or a chat given more nudges in the wave than the two each user has due; the least gap
  between two nudges to one chat.
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

from bot.adapters.telegram_format import TICK_ON
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
STEPS = {step.id: step for step, _ in A.script()}
_SCRIPT_VALUES = {step.id: value for step, value in A.script()}


def _taps() -> dict[str, list[str]]:
    """step -> the button payloads that answer it by tapping (the ticks, then Done), for multi-choice steps."""
    so_far: dict[str, Any] = {}
    out = {}
    for step, value in A.script():
        if step.kind == "multi" and value is not A.SKIP:
            out[step.id] = A.taps(step, value, so_far)
        so_far[step.id] = A.stored(value)
    return out


TAPS = _taps()
SENDS = ("sendmessage", "senddocument", "sendphoto")  # new messages (a chat's burst counts these)
EDITS = ("editmessagetext", "editmessagereplymarkup")
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
    mode: str = "webhook"
    pairs: int = 0                 # tick(s) + Done pairs sent
    done_before_tick: int = 0      # a Done answered with the same question again
    typist_pairs: int = 0          # two text answers sent back to back
    accepted: int = 0              # updates accepted (a 200 / confirmed by getUpdates)
    dropped: int = 0               # accepted and never handled, or dropped while delivered once
    unanswered: int = 0            # actions with no answer (not cut off by a kill)
    cut_by_kill: int = 0           # handled by a worker SIGKILLed before its reply went out
    max_sends_per_second: int = 0  # messages and edits over every worker, the whole run
    # new messages to one chat in any 3 s, the whole run, beyond one answer to each message the user sent in that
    # time or shortly before (bot/ratelimit.py answering(): the first message of an answer goes at the user's pace)
    max_chat_in_3s: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def answers_per_second(self) -> float:
        return self.acknowledged / self.seconds if self.seconds else 0.0


class Worker:
    """One `python -m bot run` in webhook mode on its own port."""

    def __init__(self, n: int, db: str, tg: FakeTelegram, lb_url: str, logdir: Path, polling: bool = False) -> None:
        self.n, self.db, self.tg, self.lb_url = n, db, tg, lb_url
        self.polling = polling
        self.port = unused_port()
        self.log = logdir / f"worker{n}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.generation = 0  # restarts so far
        self.killed_pids: set[int] = set()
        self.log_start = 0  # where this generation's lines begin in the log

    def start(self) -> None:
        self.generation += 1
        self.log_start = self.log.stat().st_size if self.log.exists() else 0
        drop = {"DISCORD_BOT_TOKEN", "BRANDCOACH_DB", "TELEGRAM_WEBHOOK_URL"}
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env.update(PYTHONPATH=f"{ROOT}", TELEGRAM_BOT_TOKEN=self.tg.token, TELEGRAM_API_URL=self.tg.api_url,
                   TELEGRAM_WEBHOOK_PORT=str(self.port),
                   TELEGRAM_WEBHOOK_SECRET=SECRET, BRANDCOACH_NUDGE_TICK="0.5", BRANDCOACH_NUDGE_BATCH="10",
                   BRANDCOACH_NUDGE_RESERVE="3", BRANDCOACH_DEBUG_LOGGERS="bot.core,bot.adapters.telegram")
        if not self.polling:
            env["TELEGRAM_WEBHOOK_URL"] = self.lb_url
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "--db", self.db, "--log-level", "WARNING", "run"],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         cwd=str(self.log.parent))

    def polls(self) -> bool:
        """Whether this generation was elected to poll Telegram (its log says so)."""
        if not self.log.exists():
            return False
        with open(self.log, "rb") as f:
            f.seek(self.log_start)
            return b"polling Telegram" in f.read()

    async def ready(self, timeout: float = 60) -> None:
        """Bounded wait until the worker's webhook server answers (polling: until it has started)."""
        deadline = time.monotonic() + timeout
        if self.polling:
            while time.monotonic() < deadline:
                assert self.proc is not None and self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
                with open(self.log, "rb") as f:
                    f.seek(self.log_start)
                    if b"serving Telegram" in f.read():
                        return
                await asyncio.sleep(0.1)
            raise AssertionError(f"worker {self.n} did not start: " + self.log.read_text(errors="replace")[-3000:])
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
            self.killed_pids.add(self.proc.pid)
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
    def __init__(self, db: str, workers: int, logdir: Path, polling: bool = False) -> None:
        self.db = db
        self.tg = FakeTelegram()
        self.logdir = logdir
        self.nworkers = workers
        self.polling = polling
        self.workers: list[Worker] = []
        self.lb: Balancer | None = None
        self.stamps: list[tuple[float, int, str | None]] = []  # (monotonic, chat, nudge) of every sendMessage
        self.calls: list[tuple[float, str, int]] = []  # (monotonic, method, chat) of every message sent or edited
        self.queries: set[str] = set()  # callback query ids answered
        self.events: dict[int, asyncio.Event] = {}
        self.pushed: list[int] = []  # polling: update ids handed to the fake's getUpdates
        self.said: dict[int, list[float]] = {}  # chat -> (monotonic) when each of its updates was delivered
        self.fetched: Counter[int] = Counter()  # polling: how many getUpdates answers carried each update
        self.storage = open_storage(db)

    async def start(self) -> None:
        await self.storage.open()  # applies the migrations once, before the workers start
        record = self.tg._record

        async def stamped(call: Any) -> None:
            await record(call)
            if call.status != 200:
                return
            chat = int(call.params.get("chat_id", 0) or 0)
            now = time.monotonic()
            if call.method in SENDS or call.method in EDITS:
                self.calls.append((now, call.method, chat))
            if call.method == "sendmessage":
                self.stamps.append((now, chat, nudge_of(call)))
            if call.method == "answercallbackquery":
                self.queries.add(str(call.params.get("callback_query_id")))
                chat = int(str(call.params.get("callback_query_id", "0:0")).split(":")[0].lstrip("cq") or 0)
            ev = self.events.get(chat)
            if ev is not None:
                ev.set()

        self.tg._record = stamped  # type: ignore[method-assign]
        get_updates = self.tg.m_getupdates

        async def counted(params: dict[str, Any], files: dict[str, Any]) -> Any:
            out = await get_updates(params, files)
            self.fetched.update(u["update_id"] for u in out)
            return out

        self.tg.m_getupdates = counted  # type: ignore[method-assign]
        await self.tg.start()
        self.workers = [Worker(i, self.db, self.tg, "", self.logdir, self.polling) for i in range(self.nworkers)]
        if not self.polling:
            self.lb = Balancer(self.workers)
            await self.lb.start()
        for w in self.workers:
            w.lb_url = self.lb.url if self.lb else ""
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

    def leader(self) -> int:
        """Polling: the worker that polls now (else worker 0)."""
        return next((w.n for w in self.workers if w.polls()), 0)

    async def deliver(self, body: dict[str, Any]) -> int:
        """Telegram's delivery: webhook, POST until the balancer accepts it; polling, offer it to getUpdates. The
        update id."""
        self.tg.next_update_id += 1
        update_id = self.tg.next_update_id
        sent = body.get("message") or (body.get("callback_query") or {}).get("message") or {}
        self.said.setdefault(int((sent.get("chat") or {}).get("id", 0)), []).append(time.monotonic())
        if self.polling:
            async with self.tg._cond:
                self.tg.updates.append({"update_id": update_id, **body})
                self.tg._cond.notify_all()
            self.pushed.append(update_id)
            return update_id
        assert self.lb is not None
        payload = json.dumps({"update_id": update_id, **body})
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                async with http.post(self.lb.url, data=payload, headers={
                        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
                    if r.status == 200:
                        return update_id
                await asyncio.sleep(0.05)
        raise AssertionError("no worker took the update")

    def killed(self) -> set[int]:
        return {pid for w in self.workers for pid in w.killed_pids}

    async def handled_by_killed(self, update_id: int) -> bool | None:
        """Whether the update was handled by a worker that was SIGKILLed since (None: not handled yet)."""
        row = await self.storage.fetch_one("SELECT handled_at, handled_by FROM inbox WHERE platform = 'telegram'"
                                           " AND update_id = ?", (update_id,))
        if row is None or row[0] is None:
            return None
        return int(str(row[1]).rsplit(":", 1)[-1]) in self.killed()

    async def say(self, uid: int, text: str, timeout: float) -> tuple[bool, int]:
        """Send one message, wait (bounded) for a message back; (whether it came, the update id)."""
        ev = self.events.setdefault(uid, asyncio.Event())
        ev.clear()
        update_id = await self.deliver({"message": self.tg._incoming(self.tg.user(uid), text=text)})
        return await self._answered(uid, update_id, timeout, lambda: True), update_id

    async def _answered(self, uid: int, update_id: int, timeout: float, came: Any) -> bool:
        """Wait until `came()` after a message/edit/answer to the chat: at most `timeout`, or until the update was
        handled by a worker killed since (its answer will not come), or 60 s in all."""
        ev = self.events.setdefault(uid, asyncio.Event())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if came():
                return True
            try:
                await asyncio.wait_for(ev.wait(), timeout)
                ev.clear()
            except asyncio.TimeoutError:
                if await self.handled_by_killed(update_id):
                    return came()
        return came()

    def ticked(self, uid: int, data: str) -> bool:
        """Whether the chat's latest keyboard with this button shows it ticked."""
        for (chat, _), m in sorted(self.tg.messages.items(), key=lambda kv: -kv[0][1]):
            for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) if chat == uid else []:
                for b in row:
                    if b.get("callback_data") == data:
                        return str(b.get("text", "")).startswith(TICK_ON)
        return False

    async def tap(self, uid: int, data: str) -> tuple[int, str]:
        """Tap a button of the chat's last message that has it; (update id, callback query id)."""
        def find() -> dict[str, Any] | None:
            return next((m for (chat, _), m in sorted(self.tg.messages.items(), key=lambda kv: -kv[0][1])
                         if chat == uid and any(b.get("callback_data") == data for row in
                                                (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row)),
                        None)

        message = find()
        for attempt in range(900):  # the question may still be waiting for the chat's sending allowance
            if message is not None:
                break
            if attempt == 150:  # 15 s: its sending was cut off by a kill; /start shows where the chat is, as a user would
                await self.say(uid, "/start", 5.0)
            await asyncio.sleep(0.1)
            message = find()
        if message is None:
            shown = [(k[1], str(m.get("text", ""))[:60], bool(m.get("reply_markup"))) for k, m in
                     sorted(self.tg.messages.items()) if k[0] == uid][-6:]
            rows = await self.storage.fetch_all("SELECT update_id, accepted_at, handled_at, handled_by FROM inbox"
                                                " WHERE chat = ? ORDER BY update_id", (str(uid),))
            raise AssertionError(f"no message of chat {uid} has the button {data}; step"
                                 f" {await self.current_step(uid)}; last messages {shown}; inbox"
                                 f" {[tuple(r) for r in rows][-6:]}; killed {self.killed()}")
        query = f"cq{uid}:{self.tg.next_update_id + 1}"
        update_id = await self.deliver({"callback_query": {
            "id": query, "from": self.tg.user(uid), "chat_instance": f"ci{uid}",
            "message": json.loads(json.dumps(message)), "data": data}})
        return update_id, query

    async def current_step(self, uid: int) -> str | None:
        row = await self.storage.fetch_one("SELECT f.step FROM flows f JOIN users u ON u.id = f.user_id"
                                           " WHERE u.platform = 'telegram' AND u.platform_user_id = ?", (str(uid),))
        return row[0] if row else None

    async def moved_on(self, uid: int, step: str, update_id: int) -> bool:
        """The whole reply has come: the conversation is past `step` (a user reads before typing the next answer).
        False at once when the update was handled by a worker killed since and the chat is still at `step`."""
        for _ in range(600):  # up to 60 s: a message that came may be the tail of the previous reply
            if await self.current_step(uid) != step:
                return True
            if await self.handled_by_killed(update_id):
                return await self.current_step(uid) != step
            await asyncio.sleep(0.1)
        return False

    async def _note(self, report: Report, came: bool, update_id: int, what: str) -> None:
        """An action that got no answer: cut off by a kill, or unanswered (a failure)."""
        if came:
            return
        if await self.handled_by_killed(update_id):
            report.cut_by_kill += 1
        else:
            report.unanswered += 1
            if len(report.problems) < 8:
                report.problems.append(f"update {update_id} ({what}) not answered")

    async def user(self, uid: int, report: Report, progress: asyncio.Queue[int], timeout: float,
                   steps: int, typist: bool) -> set[str]:
        """One user through the first `steps` questions; the steps whose answer the bot acknowledged."""
        acked: set[str] = set()
        while True:
            came, update_id = await self.say(uid, "/start", timeout)
            await self._note(report, came, update_id, "/start")
            if came:
                break
            report.resent += 1
        i = 0
        while i < steps:
            step, text = TYPED[i]
            report.answers_sent += 1
            if step in TAPS:
                ok = await self._tick_and_done(uid, step, report, timeout)
                if ok:
                    acked.add(step)
                    progress.put_nowait(1)
                    i += 1
                    continue
            elif typist and i + 1 < steps and STEPS[step].kind == "text" and STEPS[TYPED[i + 1][0]].kind == "text":
                # a fast typist: the next answer right after the first was accepted, before reading the reply
                report.typist_pairs += 1
                report.answers_sent += 1
                before = sum(1 for _, c, _ in self.stamps if c == uid)
                ev = self.events.setdefault(uid, asyncio.Event())
                ev.clear()
                first = await self.deliver({"message": self.tg._incoming(self.tg.user(uid), text=text)})
                second = await self.deliver({"message": self.tg._incoming(self.tg.user(uid), text=TYPED[i + 1][1])})
                came = await self._answered(uid, second, timeout,
                                            lambda: sum(1 for _, c, _ in self.stamps if c == uid) >= before + 2)
                # two replies awaited: the first's may be the one a kill cut off
                await self._note(report, came, first if await self.handled_by_killed(first) else second,
                                 "typed pair")
                nxt = TYPED[i + 1][0]
                if came and await self.moved_on(uid, nxt, second):
                    acked.update((step, nxt))
                    progress.put_nowait(2)
                    i += 2
                    continue
            else:
                came, update_id = await self.say(uid, text, timeout)
                await self._note(report, came, update_id, f"answer to {step}")
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

    async def _tick_and_done(self, uid: int, step: str, report: Report, timeout: float) -> bool:
        """Tap the options then Done, each as soon as the previous tap was accepted; whether the answer was taken
        (the chat moved on with the ticked options stored)."""
        report.pairs += 1
        *ticks, done = TAPS[step]
        sent: list[tuple[int, str]] = []
        for data in [*ticks, done]:
            if data != done and self.ticked(uid, data):
                continue  # a second try after a kill: the keyboard shows it ticked already (a tap would untick it)
            sent.append(await self.tap(uid, data))
        for update_id, query in sent:
            came = await self._answered(uid, update_id, timeout, lambda q=query: q in self.queries)
            await self._note(report, came, update_id, f"tap on {step}")
        if await self.moved_on(uid, step, sent[-1][0]):
            return True
        if await self.handled_by_killed(sent[-1][0]) or await self.handled_by_killed(sent[0][0]):
            return False  # cut off by the kill: look at the chat and go on from there
        report.done_before_tick += 1  # Done was answered with the same question again
        if len(report.problems) < 8:
            report.problems.append(f"user {uid} {step}: Done handled before its tick")
        return False


async def questionnaire(cluster: Cluster, users: int, report: Report, kill_at: float | None,
                        concurrency: int = 200, timeout: float = 8.0, steps: int = len(TYPED)) -> None:
    """Every user through the first `steps` questions (all by default); worker 0 (polling: the poller) is
    SIGKILLed (and restarted) after `kill_at` of the answers."""
    expected = A.plan_answers()
    progress: asyncio.Queue[int] = asyncio.Queue()
    sem = asyncio.Semaphore(concurrency)
    base = 700_000

    async def one(uid: int) -> set[str]:
        async with sem:
            return await cluster.user(uid, report, progress, timeout, steps, typist=uid % 3 == 0)

    async def killer() -> None:
        if kill_at is None:
            return
        total, done = users * steps, 0
        while done < total * kill_at:
            done += await progress.get()
        await cluster.restart(cluster.leader() if cluster.polling else 0)
        report.kills += 1

    start = time.monotonic()
    kill = asyncio.ensure_future(killer())
    acked = await asyncio.gather(*(one(base + u) for u in range(users)))
    report.seconds = time.monotonic() - start
    await kill
    for u, steps_acked in enumerate(acked):
        report.acknowledged += len(steps_acked)
        row = await cluster.storage.fetch_one("SELECT id FROM users WHERE platform = 'telegram'"
                                              " AND platform_user_id = ?", (str(base + u),))
        stored = await cluster.storage.answers(row[0]) if row else {}
        for step in steps_acked:
            if step in expected and stored.get(step) != expected[step]:
                report.lost += 1
                if len(report.problems) < 8:
                    report.problems.append(f"user {base + u} {step}: {stored.get(step)!r} != {expected[step]!r}")
    report.redelivered = cluster.lb.duplicated if cluster.lb else 0


async def check_inbox(cluster: Cluster, report: Report, logdir: Path) -> None:
    """Every accepted update handled (once: see answered_twice), none dropped while delivered once."""
    if cluster.polling:
        accepted = set(cluster.pushed)
        confirmed = cluster.tg.confirmed_offset
        if any(u >= confirmed for u in accepted) and len(report.problems) < 8:
            late = sorted(u for u in accepted if u >= confirmed)[:5]
            report.problems.append(f"updates never confirmed by a getUpdates: {late}")
        once = {u for u in accepted if cluster.fetched[u] == 1}  # a poller killed before confirming: fetched again
    else:
        assert cluster.lb is not None
        accepted = set(cluster.lb.holders)
        once = {u for u, h in cluster.lb.holders.items() if len(h) == 1}
    report.accepted = len(accepted)
    rows = await cluster.storage.fetch_all("SELECT update_id FROM inbox WHERE platform = 'telegram'"
                                           " AND handled_at IS NOT NULL")
    handled = {int(r[0]) for r in rows}
    missing = accepted - handled
    dropped_once: set[int] = set()
    for log in logdir.glob("worker*.log"):
        dropped_once.update(int(n) for n in re.findall(r"telegram update (\d+) was already handled: dropped",
                                                       log.read_text(errors="replace")) if int(n) in once)
    report.dropped = len(missing) + len(dropped_once)
    if report.dropped and len(report.problems) < 8:
        report.problems.append(f"dropped: never handled {sorted(missing)[:5]}, dropped once-delivered"
                               f" {sorted(dropped_once)[:5]}")


ANSWER_SLACK = 5.0  # seconds an answer may take after its message (a loaded worker, a kill and a redelivery)


def limits_seen(cluster: Cluster, report: Report) -> None:
    """Most messages and edits in any 1 s over every worker; most new messages to one chat in any 3 s beyond the
    answers to its own messages (Report.max_chat_in_3s)."""
    times = sorted(t for t, _, _ in cluster.calls)
    j = 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        report.max_sends_per_second = max(report.max_sends_per_second, i - j + 1)
    per_chat: dict[int, list[float]] = {}
    for t, method, chat in cluster.calls:
        if method in SENDS:
            per_chat.setdefault(chat, []).append(t)
    for chat, chat_times in per_chat.items():
        chat_times.sort()
        said = sorted(cluster.said.get(chat, []))
        j = 0
        for i, t in enumerate(chat_times):
            while chat_times[j] <= t - 3.0:
                j += 1
            answered = sum(1 for u in said if t - 3.0 - ANSWER_SLACK < u <= t)  # each may have one free answer
            report.max_chat_in_3s = max(report.max_chat_in_3s, i - j + 1 - answered)


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
                timeout: float = 8.0, polling: bool = False, wave: bool = True) -> Report:
    """Users through the first `steps` questions on `workers` workers (webhook, or long polling with an elected
    poller), worker 0 (polling: the poller) killed at 40% of the answers, then a nudge wave (worker 1 killed a third
    of the way through) when `kill`; the figures in a Report."""
    report = Report(workers, users, mode="polling" if polling else "webhook")
    cluster = Cluster(db, workers, logdir, polling)
    await cluster.start()
    try:
        await questionnaire(cluster, users, report, 0.4 if kill else None, timeout=timeout, steps=steps)
        if wave:
            await nudge_wave(cluster, report, kill)
        else:
            await asyncio.sleep(QUIET)  # the last replies land
        await check_inbox(cluster, report, logdir)
    finally:
        await cluster.stop()
    limits_seen(cluster, report)
    report.answered_twice = answered_twice(logdir)
    return report


def holds(r: Report) -> bool:
    """Every guarantee of the proof held in this run."""
    return (r.lost == 0 and r.answered_twice == 0 and r.dropped == 0 and r.done_before_tick == 0
            and r.unanswered == 0 and r.nudges_twice == 0 and r.max_sends_per_second <= 30 and r.max_chat_in_3s <= 3
            and r.max_per_second <= 30)
