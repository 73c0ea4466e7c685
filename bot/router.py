"""Routes an inbound message to a handler: commands by name, choices by prefix, the rest by kind."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.context import Context

Handler = Callable[["Context"], Awaitable[None]]


@dataclass
class Router:
    commands: dict[str, Handler] = field(default_factory=dict)
    choices: dict[str, Handler] = field(default_factory=dict)
    text: Handler | None = None
    other: Handler | None = None
    unknown_command: Handler | None = None
    unknown_choice: Handler | None = None
    # Says whether free text should feed language detection (False e.g. while the user types their name).
    language_evidence: Callable[["Context"], Awaitable[bool]] | None = None

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        """Decorator: register a handler for one or more command names."""
        def wrap(fn: Handler) -> Handler:
            for name in names:
                self.commands[name] = fn
            return fn
        return wrap

    def choice(self, prefix: str) -> Callable[[Handler], Handler]:
        """Decorator: register a handler for choice values starting with `prefix:`."""
        def wrap(fn: Handler) -> Handler:
            self.choices[prefix] = fn
            return fn
        return wrap

    def resolve(self, ctx: Context) -> Handler | None:
        inbound = ctx.inbound
        if inbound.kind == "command":
            return self.commands.get(inbound.command, self.unknown_command)
        if inbound.kind == "choice":
            value = inbound.choice or (inbound.values[0] if inbound.values else "")
            prefix = value.split(":", 1)[0]
            return self.choices.get(prefix, self.unknown_choice)
        if inbound.kind == "text":
            return self.text
        return self.other
