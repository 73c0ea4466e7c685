"""The async core: turns an inbound message into replies, one user at a time, never dying."""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from bot import language
from bot.clock import Clock, SystemClock
from bot.context import Context
from bot.dispatcher import KeyedSerializer
from bot.i18n import DEFAULT_LANGUAGE, Catalog
from bot.router import Router
from bot.storage import Storage
from bot.throttle import Throttle
from bot.types import Inbound, Outbound

if TYPE_CHECKING:
    from bot.adapters.base import Adapter

log = logging.getLogger(__name__)

# Anything longer is cut before it reaches a handler or storage; steps set their own, smaller caps.
MAX_INBOUND_CHARS = 8000


def cap_inbound(inbound: Inbound) -> Inbound:
    """Cut oversized text at the door (the handler still sees that it was too long)."""
    if len(inbound.text) > MAX_INBOUND_CHARS:
        inbound = replace(inbound, text=inbound.text[: MAX_INBOUND_CHARS + 1])
    if len(inbound.args) > 20 or any(len(a) > 200 for a in inbound.args):
        inbound = replace(inbound, args=tuple(a[:200] for a in inbound.args[:20]))
    if len(inbound.choice) > 200:
        inbound = replace(inbound, choice=inbound.choice[:200])
    if len(inbound.values) > 50:
        inbound = replace(inbound, values=inbound.values[:50])
    return inbound


class Core:
    """Holds storage, catalogs, the router and the adapters."""

    def __init__(self, storage: Storage, router: Router | None = None, catalog: Catalog | None = None,
                 clock: Clock | None = None, throttle: Throttle | None | bool = True,
                 admins: frozenset[str] = frozenset()) -> None:
        self.clock = clock or storage.clock or SystemClock()
        self.storage = storage
        self.catalog = catalog or Catalog()
        if router is None:
            from handlers import build_router
            router = build_router()
        self.router = router
        self.adapters: dict[str, Adapter] = {}
        self.admins = admins  # "platform:user_id" entries allowed to use /stats
        self._serial = KeyedSerializer()
        # A flood from one user is refused for that user alone; the local terminal is never throttled.
        self.throttle: Throttle | None = Throttle(self.clock) if throttle is True else (throttle or None)
        self.unthrottled_platforms = {"console"}

    async def start(self) -> None:
        """Open storage and load language profiles (once, before the first message)."""
        await self.storage.open()
        language.warm_up()

    async def stop(self) -> None:
        await self.storage.close()

    def add_adapter(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Handle one inbound message; returns the replies for the adapter to send."""
        inbound = cap_inbound(inbound)
        key = (inbound.user.platform, inbound.user.user_id)
        if self.throttle is not None and inbound.user.platform not in self.unthrottled_platforms \
                and not self.throttle.allow(key):
            if not self.throttle.first_refusal(key):
                return []
            log.warning("throttling a %s user", inbound.user.platform)
            return [Outbound(text=self.catalog.t(await self._language_of(inbound), "err.slow_down"),
                             key="err.slow_down", private=True)]
        return await self._serial.run(key, lambda: self._handle(inbound))

    async def _language_of(self, inbound: Inbound) -> str:
        user = await self.storage.find_user(inbound.user.platform, inbound.user.user_id)
        return (user.language if user else None) or DEFAULT_LANGUAGE

    async def _handle(self, inbound: Inbound) -> list[Outbound]:
        lang = DEFAULT_LANGUAGE
        try:
            user = await self.storage.get_or_create_user(
                inbound.user.platform, inbound.user.user_id, inbound.user.display_name, inbound.locale)
            lang = user.language or lang
            ctx = Context(self, inbound, user)
            if not user.reachable:
                # reachable again: also unparks their nudges (Storage.set_reachable)
                await self.storage.set_reachable(user.platform, user.platform_user_id, True)
                user.reachable = True
                ctx.say("reach.back")
            await self._settle_language(ctx)
            handler = self.router.resolve(ctx)
            if handler is not None:
                await handler(ctx)
            return ctx.out
        except Exception:
            log.exception("handler failed for %s user (kind=%s, command=%s)", inbound.user.platform,
                          inbound.kind, inbound.command or "-")
            return [Outbound(text=self.catalog.t(lang, "error.apology"), key="error.apology", private=True)]

    async def _settle_language(self, ctx: Context) -> None:
        """Set or switch the user's language from the locale hint and free text."""
        user = ctx.user
        state = language.LangState(user.language, user.language_pinned, user.lang_pending, user.lang_pending_count)
        text = ctx.inbound.text if ctx.inbound.kind == "text" else ""
        if text and self.router.language_evidence is not None and not await self.router.language_evidence(ctx):
            text = ""
        if not text and user.language is not None:
            return
        decision = language.decide_language(state, text, ctx.inbound.locale or user.locale_hint)
        new = decision.state
        if new != state:
            await self.storage.update_user(user.id, language=new.language, language_pinned=int(new.pinned),
                                           lang_pending=new.pending, lang_pending_count=new.pending_count)
            user.language, user.language_pinned = new.language, new.pinned
            user.lang_pending, user.lang_pending_count = new.pending, new.pending_count
        if decision.changed:
            ctx.say("lang.switched")

    async def send_to(self, platform: str, user_id: str, messages: list[Outbound]) -> None:
        """Deliver unprompted messages (nudges) through the user's platform adapter."""
        adapter = self.adapters.get(platform)
        if adapter is None:
            raise LookupError(f"no adapter for platform {platform!r}")
        await adapter.send(user_id, messages)
