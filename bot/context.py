"""What a handler gets: the inbound message, its decoded action, the user, their conversation state, replies."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.actions import Action
from bot.state import Await, decode_awaits, encode_awaits
from bot.storage import Flow, Storage, User
from bot.types import Choice, Inbound, Outbound, OutFile, ReplyKind, TextField

if TYPE_CHECKING:
    from bot.core import Core
    from bot.features import Event


@dataclass
class Context:
    core: Core
    inbound: Inbound
    user: User
    flow: Flow | None = None                              # the conversation state, loaded once per message
    action: Action | None = None                          # a tap's decoded action (None: unknown or forged)
    actions: tuple[Action | None, ...] = ()               # every decoded action of a whole selection
    out: list[Outbound] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict)    # per-message results a handler needs twice
    jobs: list[tuple[Callable[[Context], Awaitable[None]], str]] = field(default_factory=list)  # later(): (job, name)

    @property
    def storage(self) -> Storage:
        return self.core.storage

    @property
    def lang(self) -> str:
        return self.user.language or "id"

    @property
    def tag(self) -> str:
        """The catalog tag replies are rendered in: the language, or its variant for the user's register
        ('id-formal'; a language without that variant renders as itself)."""
        return self.core.catalog.tag(self.lang, self.user.register)

    @property
    def awaits(self) -> Await | None:
        """The typed input the conversation waits for, if any (decoded from the stored string each time: a handler
        that changes the flow sees the change)."""
        return decode_awaits(self.flow.awaits) if self.flow is not None else None

    def t(self, key: str, **params: Any) -> str:
        """Render a catalog key in the user's language (and register)."""
        return self.core.catalog.t(self.tag, key, **params)

    def say(self, key: str, *, choices: tuple[Choice, ...] | list[Choice] = (), multi: bool = False,
            expects: str = "", max_len: int = 0, step: str = "", file: OutFile | None = None,
            private: bool = True, text: str | None = None, kind: ReplyKind | None = None, hint: str = "",
            fields: tuple[TextField, ...] = (), **params: Any) -> Outbound:
        """Queue a reply rendered from `key` (or the given `text`); its kind follows from what it carries."""
        if kind is None:
            kind = "question" if choices or expects else "document" if file is not None else "message"
        msg = Outbound(text=text if text is not None else self.t(key, **params), key=key, choices=tuple(choices),
                       multi=multi, expects=expects, max_len=max_len, step=step, file=file, private=private,
                       kind=kind, lang=self.tag, hint=hint, fields=fields)
        self.out.append(msg)
        return msg

    def refuse(self, key: str, **params: Any) -> Outbound:
        """Queue a refusal (a stale tap, input that does not fit): a tap's notice where the platform has one."""
        return self.say(key, kind="refusal", **params)

    def settle(self, answer: str) -> None:
        """Say what the tapped question was answered with (shown on that message; its buttons go).

        replies() puts it last: adapters show it on the tapped message, not in the conversation.
        """
        self.say("common.answered", kind="settled", answer=answer)

    def later(self, job: Callable[[Context], Awaitable[None]], name: str = "") -> None:
        """Finish part of the answer after it was sent (e.g. pictures drawn in another process): once the handler
        has returned, `job` runs with a context of its own, outside the user's serial lane, and what it says follows
        as its own message(s) (bot/followups.py). Held in memory only: what it adds must not be needed.

        A `name` lets later messages ask whether it is still under way (`core.follow_ups.under_way(name)`) until its
        last message was delivered or dropped."""
        self.jobs.append((job, name))

    def replies(self) -> list[Outbound]:
        """The replies in order, the settled answer (if any) last."""
        return [m for m in self.out if m.kind != "settled"] + [m for m in self.out if m.kind == "settled"]

    async def save_flow(self, flow: Flow) -> None:
        """Store the conversation state and keep this context's copy current."""
        await self.storage.save_flow(flow)
        self.flow = flow

    async def expect(self, awaits: Await | None) -> None:
        """Set (or clear, with None) the typed input the conversation waits for."""
        flow = self.flow or await self.storage.get_flow(self.user.id)
        if flow is None:
            flow = Flow(self.user.id, "paused", None, None, None, None)
        text = encode_awaits(awaits) if awaits is not None else None
        if flow.awaits == text:
            return
        flow.awaits = text
        flow.awaits_at = int(self.storage.clock.now().timestamp()) if text else None
        await self.save_flow(flow)

    async def emit(self, event: Event) -> None:
        """Run every subscriber to the event's type, in their features' group order. Only a declared publisher
        emits (bot/features.Feature.publishes): an event no feature declares is a programming error."""
        router = self.core.router
        if type(event) not in router.publishers:
            raise ValueError(f"{type(event).__name__} is emitted but no feature declares publishing it")
        for subscriber in router.subscribers(type(event)):
            await subscriber(self, event)
