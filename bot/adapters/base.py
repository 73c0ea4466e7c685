"""The adapter boundary (after opsdroid's connectors): connect, listen, send, disconnect."""
from __future__ import annotations

from typing import Protocol

from bot.capabilities import Capabilities
from bot.types import Outbound


class UserUnreachable(Exception):
    """The platform refuses delivery to this user for good (blocked bot, closed DMs, deleted user)."""


class RetryLater(Exception):
    """Delivery failed for now (rate limit, network); try again after `after` seconds.

    `delivered`: how many parts of the messages (in the adapter's own split: Telegram's 4096-character chunks and
    files) did reach the user before the failure, counted from the first part; the caller keeps it and passes it back
    as `skip` when it sends the same messages again, so that nothing arrives twice."""

    def __init__(self, after: float = 5.0, reason: str = "", *, delivered: int = 0) -> None:
        super().__init__(reason or f"retry after {after}s")
        self.after = after
        self.delivered = delivered


class DeliveryUnknown(Exception):
    """The send may or may not have reached the user (a read/write timeout, a connection dropped mid-request).

    The caller must not send it again (that could show the user the same message twice); a nudge is closed and
    counted as 'unknown delivery'."""


class Adapter(Protocol):
    """A platform connector. The core holds adapters; adapters call `core.handle` (may also be `Forgetting`)."""

    platform: str
    # What the platform's messages can show; the core renders every delivery for it (bot/compose.py): replies
    # combined into few messages, choices as buttons, a list or numbered lines, text split at its limit.
    capabilities: Capabilities

    async def connect(self) -> None:
        """Log in / open connections; return when ready to listen."""
        ...

    async def listen(self) -> None:
        """Receive updates until disconnected, passing each to the core."""
        ...

    async def send(self, user_id: str, messages: list[Outbound], skip: int = 0) -> None:
        """Deliver messages to a user unprompted (nudges), leaving out the first `skip` parts (delivered by an
        earlier attempt, see RetryLater.delivered); raises UserUnreachable, RetryLater (the rest provably not
        delivered: try again) or DeliveryUnknown (maybe delivered: never try again)."""
        ...

    async def disconnect(self) -> None:
        ...


class Forgetting(Protocol):
    """Optional adapter method: the core calls `forget` after a user's data is deleted (/delete)."""

    async def forget(self, user_id: str) -> None:
        """Remove whatever the adapter keeps about this user outside the database (files it wrote)."""
        ...
