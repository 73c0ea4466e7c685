"""Routes an inbound message to exactly one handler; the whole table is visible in one place.

- commands by name (each with its place in the command menu, or none);
- taps by the type of their decoded action (bot.actions); an undecodable tap goes to `stale`;
- a form's answers that name their questions to `form`;
- free text by the type of what the conversation awaits (``flows.awaits`` decoded by bot/state.py, e.g. a
  feature's ``Times(kind="post")``), else to the default text handler (the questionnaire);
- anything else (stickers, photos...) to `other`.

No handler wraps another: what one feature must do after another's event (a confirmed plan, a reset) goes through
typed events (bot/features.Event), run after the handler that emitted it in the subscribers' group order; what one
feature adds to another's output goes through that feature's declared contribution points (`gather`, `first`).
Features declare all of it (bot/features.Feature); the router checks that every event subscribed to is published
and every point contributed to is declared.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bot.actions import Action
from bot.state import Await

if TYPE_CHECKING:
    from bot.context import Context
    from bot.features import Contributor, Event, Point, Subscriber

T = TypeVar("T")
Handler = Callable[["Context"], Awaitable[None]]
Evidence = Callable[["Context"], bool]
Watcher = Callable[["Context"], Awaitable[bool]]


@dataclass(frozen=True)
class Awaited:
    """A route for typed input the conversation waits for."""

    handler: Handler
    language_evidence: bool = True  # False: a zone name or clock times say nothing about the user's language
    ttl: int = 0                    # seconds the wait holds (0: until answered or replaced)


@dataclass
class Router:
    commands: dict[str, Handler] = field(default_factory=dict)
    menu: list[str] = field(default_factory=list)  # commands shown in /help and the platforms' menus, in order
    # Commands that read the text after them ("/check <draft>"): platforms with a command form offer a text option.
    text_commands: set[str] = field(default_factory=set)
    actions: dict[type[Action], Handler] = field(default_factory=dict)
    awaits: dict[type[Await], Awaited] = field(default_factory=dict)
    # event type -> (group, order added, feature, subscriber), kept sorted: the order subscribers run in
    events: dict[type[Event], list[tuple[int, int, str, Subscriber]]] = field(default_factory=dict)
    publishers: dict[type[Event], list[str]] = field(default_factory=dict)  # event type -> features publishing it
    points: dict[Point[Any], str] = field(default_factory=dict)             # contribution point -> owning feature
    contributions: dict[Point[Any], list[tuple[int, int, str, Contributor]]] = field(default_factory=dict)
    text: Handler | None = None
    form: Handler | None = None  # a form's answers naming their questions (Inbound.answers)
    text_evidence: Evidence | None = None  # does the default text route's input tell the user's language?
    other: Handler | None = None
    unknown_command: Handler | None = None
    stale: Handler | None = None
    services: list[Callable[..., Any]] = field(default_factory=list)  # factories(core, config) -> start()/stop()
    # Named read-only lookups one feature offers another without importing it (e.g. "reminders.schedule"): the
    # asking feature treats a missing provider as "nothing stored".
    providers: dict[str, Callable[..., Awaitable[Any]]] = field(default_factory=dict)
    # Called with (storage, user id, reachable) when a platform refuses a user, or the user writes again.
    reachability: list[Callable[[Any, int, bool], Awaitable[None]]] = field(default_factory=list)
    # Called for every private message after its language is settled and before it is routed, in registration order
    # (e.g. how the user is addressed, read from what they wrote); one that answered the message itself returns True,
    # and then no handler runs.
    watchers: list[Watcher] = field(default_factory=list)

    def watch(self, watcher: Watcher) -> None:
        """Add a watcher (see `watchers`)."""
        self.watchers.append(watcher)

    def command(self, name: str, handler: Handler, *, menu: bool = True, takes_text: bool = False) -> None:
        """Register a command; `menu` lists it in /help and the platforms' command menus (in this order);
        `takes_text`: the handler reads the text typed after it (Inbound.text), e.g. "/check <draft>"."""
        if name in self.commands:
            raise ValueError(f"command /{name} is registered twice")
        self.commands[name] = handler
        if menu:
            self.menu.append(name)
        if takes_text:
            self.text_commands.add(name)

    def on(self, *types: type[Action]) -> Callable[[Handler], Handler]:
        """Decorator: the handler for taps of these action types."""
        def wrap(fn: Handler) -> Handler:
            for cls in types:
                if cls in self.actions:
                    raise ValueError(f"{cls.__name__} has two handlers")
                self.actions[cls] = fn
            return fn
        return wrap

    def awaiting(self, *types: type[Await], handler: Handler, language_evidence: bool = True, ttl: int = 0) -> None:
        """Register the handler for typed input while the conversation awaits one of these types (bot/state.py)."""
        for cls in types:
            if cls in self.awaits:
                raise ValueError(f"awaited input {cls.__name__} is registered twice")
            self.awaits[cls] = Awaited(handler, language_evidence, ttl)

    def provide(self, name: str, fn: Callable[..., Awaitable[Any]]) -> None:
        """Offer a named lookup to other features (called as `await fn(storage, user_id)`)."""
        if name in self.providers:
            raise ValueError(f"provider {name!r} is registered twice")
        self.providers[name] = fn

    def declare(self, feature: str, *, publishes: tuple[type[Event], ...] = (), points: tuple[Point[Any], ...] = ()
                ) -> None:
        """A feature's published event types and owned contribution points (a point owned twice is an error)."""
        for event in publishes:
            self.publishers.setdefault(event, []).append(feature)
        for point in points:
            if point in self.points:
                raise ValueError(f"contribution point {point.name!r} is declared by {self.points[point]} and {feature}")
            self.points[point] = feature

    def _seq(self) -> int:
        return sum(map(len, self.events.values())) + sum(map(len, self.contributions.values()))

    def subscribe(self, event: type[Event], subscriber: Subscriber, *, group: int = 0, feature: str = "") -> None:
        """Run `subscriber(ctx, event)` after an event of this type, in group order (then in the order added)."""
        found = self.events.setdefault(event, [])
        found.append((group, self._seq(), feature, subscriber))
        found.sort(key=lambda s: (s[0], s[1]))

    def subscribers(self, event: type[Event]) -> list[Subscriber]:
        return [s[3] for s in self.events.get(event, ())]

    def contribute(self, point: Point[Any], contributor: Contributor, *, group: int = 0, feature: str = "") -> None:
        """Add to another feature's point: `contributor(ctx, argument)` returns something or None, in group order."""
        found = self.contributions.setdefault(point, [])
        found.append((group, self._seq(), feature, contributor))
        found.sort(key=lambda c: (c[0], c[1]))

    async def gather(self, point: Point[T], ctx: Context, argument: Any = None) -> list[T]:
        """Every contribution to `point` (None left out), in group order: for the feature that owns the point."""
        out: list[T] = []
        for _, _, _, contributor in self.contributions.get(point, ()):
            got = await contributor(ctx, argument)
            if got is not None:
                out.append(got)
        return out

    async def first(self, point: Point[T], ctx: Context, argument: Any = None) -> T | None:
        """The first contribution to `point` that is not None (later contributors are not asked)."""
        for _, _, _, contributor in self.contributions.get(point, ()):
            got = await contributor(ctx, argument)
            if got is not None:
                return got  # type: ignore[no-any-return]
        return None

    def check(self) -> None:
        """Every event subscribed to has a publisher and every point contributed to an owner (a ValueError names
        the first that does not): a renamed or removed feature is found when the bot starts, not by a silence."""
        for event, subs in self.events.items():
            if event not in self.publishers:
                raise ValueError(f"{subs[0][2]} subscribes to {event.__name__}, which no feature publishes")
        for point, contributors in self.contributions.items():
            if point not in self.points:
                raise ValueError(f"{contributors[0][2]} contributes to {point.name!r}, which no feature declares")

    def awaited_route(self, awaits: Await | None) -> Awaited | None:
        """The route for what the conversation awaits (None: nothing, or an input no feature declares now)."""
        return self.awaits.get(type(awaits)) if awaits is not None else None

    def resolve(self, ctx: Context) -> Handler | None:
        """The one handler for this message."""
        inbound = ctx.inbound
        if inbound.kind == "command":
            return self.commands.get(inbound.command, self.unknown_command)
        if inbound.kind == "choice":
            act = ctx.action
            return self.actions.get(type(act), self.stale) if act is not None else self.stale
        if inbound.kind == "text":
            if inbound.answers and self.form is not None:
                return self.form
            route = self.awaited_route(ctx.awaits)
            return route.handler if route is not None else self.text
        return self.other

    def language_evidence(self, ctx: Context) -> bool:
        """Whether this message's free text may feed language detection."""
        route = self.awaited_route(ctx.awaits)
        if route is not None:
            return route.language_evidence
        return True if self.text_evidence is None else self.text_evidence(ctx)
