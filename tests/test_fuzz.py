"""Hypothesis drives the core with random events from several users; invariants must always hold."""
from __future__ import annotations

import asyncio
import os
import sqlite3
import tempfile

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bot.clock import FakeClock
from bot.core import Core
from bot.storage import Storage
from bot.types import Inbound, UserRef
from handlers import steps as S

USERS = [UserRef("fuzz", str(i), f"user{i}") for i in range(3)]
# Each user's own marker, typed into answers: no other user may ever be shown it.
MARKERS = {u.user_id: f"zq{u.user_id}mark" for u in USERS}
COMMANDS = ["start", "help", "back", "skip", "edit", "plan", "cancel", "reset", "delete", "export", "language",
            "stats", "nonsense", "progress", "reminders"]
STEP_IDS = [s.id for s in S.all_steps()]
CHOICE_VALUES = st.one_of(
    st.sampled_from(["c:yes", "c:edit", "x:reset:yes", "x:delete:yes", "x:delete:no", "l:en", "l:id", "l:xx"]),
    st.builds(lambda p, s, o: f"{p}:{s}:{o}", st.sampled_from("atdkse"), st.sampled_from(STEP_IDS + ["zzz"]),
              st.sampled_from(["0", "1", "artist", "tiktok", "explain", "yes", "never", "9", "x"])),
    st.builds(lambda p, s: f"{p}:{s}", st.sampled_from("dkse"), st.sampled_from(STEP_IDS + ["zzz"])),
    st.text(max_size=80),
)


class CoreMachine(RuleBasedStateMachine):
    """Random inbound events; every call must answer, never raise, never leak another user's data."""

    @initialize()
    def setup(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.mkdtemp()
        self.path = os.path.join(self.folder, "fuzz.sqlite3")
        self.clock = FakeClock()
        self.core = Core(Storage(self.path, clock=self.clock), clock=self.clock)
        self.loop.run_until_complete(self.core.start())

    def teardown(self) -> None:
        if hasattr(self, "core"):
            self.loop.run_until_complete(self.core.stop())
            self.loop.close()

    def send(self, inbound: Inbound) -> None:
        self.clock.advance(seconds=2)  # a human pace: the flood throttle stays out of the way
        out = self.loop.run_until_complete(self.core.handle(inbound))
        assert out, f"no answer to {inbound}"
        mine = MARKERS[inbound.user.user_id]
        for msg in out:
            blob = msg.text + " ".join(c.label for c in msg.choices) + (
                msg.file.data.decode("utf-8", "replace") if msg.file else "")
            for other, marker in MARKERS.items():
                if marker != mine:
                    assert marker not in blob, f"user {inbound.user.user_id} was shown user {other}'s data"

    @rule(u=st.sampled_from(USERS), text=st.text(max_size=300))
    def any_text(self, u: UserRef, text: str) -> None:
        self.send(Inbound(u, "text", text=text))

    @rule(u=st.sampled_from(USERS), n=st.integers(min_value=2, max_value=3))
    def marked_answer(self, u: UserRef, n: int) -> None:
        self.send(Inbound(u, "text", text=f"{MARKERS[u.user_id]} jawaban, tulisan, lagu"[: 20 * n]))

    @rule(u=st.sampled_from(USERS), number=st.integers(min_value=-2, max_value=30))
    def a_number(self, u: UserRef, number: int) -> None:
        self.send(Inbound(u, "text", text=str(number)))

    @rule(u=st.sampled_from(USERS), name=st.sampled_from(COMMANDS), args=st.lists(st.text(max_size=20), max_size=3))
    def a_command(self, u: UserRef, name: str, args: list[str]) -> None:
        self.send(Inbound(u, "command", command=name, args=tuple(args)))

    @rule(u=st.sampled_from(USERS), value=CHOICE_VALUES)
    def a_choice(self, u: UserRef, value: str) -> None:
        self.send(Inbound(u, "choice", choice=value))

    @rule(u=st.sampled_from(USERS), values=st.lists(CHOICE_VALUES, min_size=1, max_size=4))
    def a_selection(self, u: UserRef, values: list[str]) -> None:
        self.send(Inbound(u, "choice", values=tuple(values)))

    @rule(u=st.sampled_from(USERS), kind=st.sampled_from(["sticker", "photo", "voice", "location", "contact"]))
    def a_non_text(self, u: UserRef, kind: str) -> None:
        self.send(Inbound(u, "other", other=kind))

    @rule(u=st.sampled_from(USERS), step=st.sampled_from(STEP_IDS + ["nope", ""]))
    def edit_a_step(self, u: UserRef, step: str) -> None:
        self.send(Inbound(u, "command", command="edit", args=(step,) if step else ()))

    @rule()
    def restart(self) -> None:
        """A new core on the same database: nothing in memory survives, nothing stored may be lost."""
        before = self.loop.run_until_complete(self._snapshot())
        self.loop.run_until_complete(self.core.stop())
        self.core = Core(Storage(self.path, clock=self.clock), clock=self.clock)
        self.loop.run_until_complete(self.core.start())
        assert self.loop.run_until_complete(self._snapshot()) == before

    async def _snapshot(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for u in USERS:
            user = await self.core.storage.find_user(u.platform, u.user_id)
            if user is not None:
                out[u.user_id] = (await self.core.storage.answers(user.id), await self.core.storage.get_flow(user.id),
                                  user.language, user.reachable)
        return out

    @invariant()
    def cache_matches_the_database(self) -> None:
        """What the core reads from its write-through cache is exactly what SQLite holds."""
        if not hasattr(self, "core"):
            return
        cached = self.loop.run_until_complete(self._snapshot())
        self.core.storage.forget()
        assert self.loop.run_until_complete(self._snapshot()) == cached

    @invariant()
    def database_is_sound(self) -> None:
        if not hasattr(self, "core"):
            return
        con = sqlite3.connect(self.path)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            con.close()


CoreMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=40, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow])
TestCoreFuzz = CoreMachine.TestCase
