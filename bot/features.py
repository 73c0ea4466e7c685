"""Features as declared objects, and loading them (by package name, so the engine imports none) into one router.

A `Feature` says what it answers (commands, button actions, awaited inputs), which typed events it publishes and
subscribes to, which contribution points it owns in its own output and what it contributes to other features'
points. Nothing is appended to another feature's module-level list and no feature edits another's replies: the
plan asks its point for sections (the calendar's) and for what follows it (the reminders' zone question), and
decides itself what to show.

Order is explicit, like handler groups in chat libraries (``add_handler(handler, group)``): a feature's `group`
orders its subscribers and contributions among the others' (lower first; the same group keeps the order features
are added in), so the plan is sent before reminders are set up whatever order the modules are listed in.
"""
from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bot.actions import Action
from bot.router import Awaited, Handler, Router
from bot.state import Await

if TYPE_CHECKING:
    from bot.context import Context

DEFAULT_FEATURES = ("handlers",)
T = TypeVar("T")
E = TypeVar("E", bound="Event")


class Event:
    """Base of a typed event: a frozen dataclass a feature publishes (e.g. the plan was confirmed)."""


Subscriber = Callable[["Context", Any], Awaitable[None]]           # (ctx, the event)
Contributor = Callable[["Context", Any], Awaitable[Any]]           # (ctx, the point's argument) -> a T or None


@dataclass(frozen=True)
class Point(Generic[T]):
    """A declared place in one feature's output where other features add something of type T (the plan's
    sections, what follows the plan). The owning feature lists it in `points`; contributors return a T or None."""

    name: str


@dataclass(frozen=True)
class Command:
    """A command; `menu`: listed in /help and the platforms' command menus; `takes_text`: reads the text after it."""

    name: str
    handler: Handler
    menu: bool = True
    takes_text: bool = False


@dataclass(frozen=True)
class Feature:
    """One feature, declared (see the module's docstring). `setup` registers what has no declaration here yet
    (default routes, services, providers, watchers); a feature not converted yet is all `setup` (`adapter`)."""

    name: str
    group: int = 0
    commands: tuple[Command, ...] = ()
    actions: Mapping[type[Action], Handler] = field(default_factory=dict)
    awaits: Mapping[type[Await], Awaited] = field(default_factory=dict)
    publishes: tuple[type[Event], ...] = ()
    subscribes: Mapping[type[Event], Subscriber] = field(default_factory=dict)
    points: tuple[Point[Any], ...] = ()
    contributes: Mapping[Point[Any], Contributor] = field(default_factory=dict)
    setup: Callable[[Router], None] | None = None

    @classmethod
    def adapter(cls, name: str, register: Callable[[Router], None], group: int = 0) -> Feature:
        """A feature still registered by its own `register(router)` (nothing declared but its routes)."""
        return cls(name, group, setup=register)


def add(router: Router, feature: Feature) -> None:
    """Register a feature's declarations with the router (the router keeps them ordered by group)."""
    for command in feature.commands:
        router.command(command.name, command.handler, menu=command.menu, takes_text=command.takes_text)
    for cls, handler in feature.actions.items():
        router.on(cls)(handler)
    for kind, route in feature.awaits.items():
        router.awaiting(kind, handler=route.handler, language_evidence=route.language_evidence, ttl=route.ttl)
    router.declare(feature.name, publishes=feature.publishes, points=feature.points)
    for event, subscriber in feature.subscribes.items():
        router.subscribe(event, subscriber, group=feature.group, feature=feature.name)
    for point, contributor in feature.contributes.items():
        router.contribute(point, contributor, group=feature.group, feature=feature.name)
    if feature.setup is not None:
        feature.setup(router)


def load_features(packages: tuple[str, ...] = DEFAULT_FEATURES) -> Router:
    """A router with every feature of the given packages registered (each package has `register(router)`)."""
    router = Router()
    for name in packages:
        importlib.import_module(name).register(router)
    return router
