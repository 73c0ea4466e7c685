"""Terminal chat: lines from stdin, replies on stdout, choices numbered (by the core's shared rendering)."""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import sys
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from bot import compose
from bot.capabilities import TEXT_ONLY
from bot.types import Inbound, Outbound, UserRef, command_text, parse_command

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)


# Seconds the terminal waits, after an answer, for what the answer still has coming (the plan's card and PDF, drawn
# in a worker: well under a second warm, a few seconds cold) before it reads the next line.
FOLLOW_UP_WAIT = 30.0


def user_prefix(user_id: str) -> str:
    """`brandcoach-<user>-`: the user id kept to [A-Za-z0-9_] (a hash added if changed), so prefixes never overlap."""
    safe = re.sub(r"[^A-Za-z0-9_]", "_", user_id)[:40]
    if safe != user_id:
        safe += "_" + hashlib.sha256(user_id.encode()).hexdigest()[:8]
    return f"brandcoach-{safe}-"


class ConsoleAdapter:
    platform = "console"
    # Text only: choices as numbered lines, answered by typing their numbers; no edits (an answer shows as a note).
    capabilities = replace(TEXT_ONLY, max_text=100_000)

    def __init__(self, core: Core, user_id: str = "local", name: str = "", stdin: TextIO | None = None,
                 stdout: TextIO | None = None, files_dir: str | None = None, locale: str | None = None,
                 auto_start: bool = True) -> None:
        self.core = core
        self.user = UserRef(self.platform, user_id, name or os.environ.get("USER", ""))
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.files_dir = files_dir or core.files_dir()
        self.locale = locale
        self.auto_start = auto_start
        self._hinted = False  # the language hint was shown, or is not needed: the chat's language is settled
        self._stop = asyncio.Event()
        self._held: Outbound | None = None  # a turn's closing question, shown after what the turn still has coming
        core.declare(self.platform, self.capabilities)

    # -- inbound -------------------------------------------------------------
    def to_inbound(self, line: str) -> Inbound:
        """Turn one typed line into the core's inbound type (typed numbers are read by the core against the numbered
        choices it stored when it showed them)."""
        line = line.rstrip("\r\n")
        cmd = parse_command(line)
        if cmd is not None:
            return Inbound(self.user, "command", command=cmd[0], args=cmd[1], text=command_text(line),
                           locale=self.locale)
        return Inbound(self.user, "text", text=line, locale=self.locale)

    # -- outbound ------------------------------------------------------------
    def render(self, messages: list[Outbound]) -> str:
        """Text for the terminal of replies as a handler said them: rendered as the core renders every delivery for
        a text-only channel (bot/compose.py), then shown."""
        return self.show(compose.render(messages, self.capabilities, self.core.catalog.t).messages)

    def show(self, messages: list[Outbound]) -> str:
        """Text for the terminal of rendered messages (the core's delivery): each text, each file saved and named by
        its path."""
        out = []
        for msg in messages:
            block = [msg.text] if msg.text else []
            if msg.file is not None:
                path = self._save(msg.file.name, msg.file.data)
                block.append(f"📎 {path}")
            if block:
                out.append("\n".join(block))
        if out and not self._hinted:
            self._hinted = True  # the first screen says once how to switch language
            out.append(self.core.catalog.t(messages[0].lang, "console.language_hint"))
        return "\n\n".join(out)

    async def _show(self, messages: list[Outbound]) -> None:
        """The core's delivery of one turn's replies (in the user's turn: numbers typed next read its menu)."""
        await self._settled()
        last = messages[-1] if messages else None
        if last is not None and (last.kind == "question" or last.expects) \
                and self.core.follow_ups.running((self.platform, self.user.user_id)):
            messages, self._held = messages[:-1], last  # pictures are coming: the question goes after them
        self._write(self.show(messages))

    async def _settled(self) -> None:
        """A chat whose language is settled (chosen with /language or adopted) is never offered the other one: asked
        until the hint is shown once (each start of the terminal chat used to repeat it)."""
        if not self._hinted and await self.core.language_settled(self.platform, self.user.user_id):
            self._hinted = True

    def _save(self, name: str, data: bytes) -> str:
        """Write a file for the user: owner-only (0600, in a 0700 folder), named after the user."""
        if not os.path.isdir(self.files_dir):
            os.makedirs(self.files_dir, mode=0o700, exist_ok=True)
            os.chmod(self.files_dir, 0o700)
        safe = re.sub(r"[^\w.-]", "_", name).lstrip(".") or "file"
        path = os.path.join(self.files_dir, f"{user_prefix(self.user.user_id)}{safe}")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fd, 0o600)  # a file left by an older version may have been 0644
            fh.write(data)
        return path

    async def forget(self, user_id: str) -> None:
        """Remove every file written for this user (called by the core after /delete)."""
        prefix = user_prefix(user_id)
        try:
            names = os.listdir(self.files_dir)
        except FileNotFoundError:
            return
        for name in names:
            if name.startswith(prefix):
                os.remove(os.path.join(self.files_dir, name))

    def _write(self, text: str) -> None:
        if text:
            self.stdout.write(text + "\n\n")
            self.stdout.flush()

    # -- connector interface ---------------------------------------------------
    async def connect(self) -> None:
        return None

    async def listen(self) -> None:
        """Chat until end of input (or disconnect)."""
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()

        def pump() -> None:  # a daemon thread, so Ctrl-C never waits on a blocked readline
            try:
                for line in self.stdin:
                    loop.call_soon_threadsafe(lines.put_nowait, line)
            except (ValueError, OSError):
                pass
            loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=pump, name="console-stdin", daemon=True).start()
        if self.auto_start:
            await self._turn(Inbound(self.user, "command", command="start", locale=self.locale))
        while not self._stop.is_set():
            prompt = self.stdin.isatty() if hasattr(self.stdin, "isatty") else False
            if prompt:
                self.stdout.write("> ")
                self.stdout.flush()
            getter = asyncio.ensure_future(lines.get())
            stopper = asyncio.ensure_future(self._stop.wait())
            done, _ = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if getter not in done:
                getter.cancel()
                break
            line = getter.result()
            if line is None:
                break
            await self._turn(self.to_inbound(line))

    async def _turn(self, inbound: Inbound) -> None:
        """One typed line answered, and what its answer still has coming (the plan's pictures) shown before the next
        line is read: one person at one terminal reads in order, the pictures never land inside the next menu, and
        piped input (`brandcoach chat < answers.txt`) does not end before they are written."""
        await self.core.handle(inbound, self._show)
        left = await self.core.follow_ups.drain(FOLLOW_UP_WAIT, user=(self.platform, self.user.user_id))
        if left:
            log.warning("the terminal goes on without %d follow-up(s) still running (they print when done)", left)
        held, self._held = self._held, None
        if held is not None:
            self._write(self.show([held]))  # next to where its answer is typed

    async def send(self, user_id: str, messages: list[Outbound], skip: int = 0) -> None:
        """Unprompted messages (rendered by the core), each one part (the terminal never fails part-way)."""
        self._write(self.show(messages[skip:]))

    async def disconnect(self) -> None:
        self._stop.set()
