"""The async core: turns an inbound message into replies, one user at a time, never dying."""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from bot import compose, language
from bot.actions import Action, action, decode
from bot.capabilities import Capabilities
from bot.clock import Clock, SystemClock
from bot.context import Context
from bot.dispatcher import IN_TURN, KeyedSerializer
from bot.followups import FollowUps
from bot.i18n import DEFAULT_LANGUAGE, Catalog
from bot.ratelimit import RateLimiter, answering, unprompted
from bot.router import Router
from bot.storage import Storage, User
from bot.throttle import Throttle
from bot import metrics
from bot.types import Choice, Inbound, Outbound, inbound_from_json, inbound_to_json

if TYPE_CHECKING:
    from bot.adapters.base import Adapter

log = logging.getLogger(__name__)

Deliver = Callable[[list[Outbound]], Awaitable[None]]  # an adapter's sending of one message's replies
T = TypeVar("T")

# Anything longer is cut before it reaches a handler or storage; steps set their own, smaller caps.
MAX_INBOUND_CHARS = 8000
# A platform keeps an unconfirmed update at most this long (24 h at the longest); ids may restart after that. The inbox
# keeps a handled update's id this long to recognise a second delivery, then purges it.
REDELIVERY_WINDOW = 24 * 3600
# The worker that handles an update, as recorded in the inbox (operators and the multi-worker proof read it).
WORKER = f"{socket.gethostname()}:{os.getpid()}"


@action("g:private", role="link")
class OpenPrivateChat(Action):
    """A button that opens a private chat with the bot (adapters render it as their platform's link)."""


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
                 admins: frozenset[str] = frozenset(), limiter: RateLimiter | None = None) -> None:
        injected = clock is not None or storage.clock is not None
        self.clock = clock or storage.clock or SystemClock()
        self.storage = storage
        self.catalog = catalog or Catalog()
        if router is None:
            from bot.features import load_features
            router = load_features()
        self.router = router
        self.adapters: dict[str, Adapter] = {}
        self.channels: dict[str, Capabilities] = {}  # what each platform can show (replies are rendered for it)
        # A tap's turn on a paged list: the page its question was on, from the handling to the delivery (same turn)
        self._pages: dict[tuple[str, str], dict[str, int]] = {}
        self.admins = admins  # "platform:user_id" entries allowed to use /stats
        self._serial = KeyedSerializer()
        # A flood from one user is refused for that user alone; the local terminal is never throttled.
        self.throttle: Throttle | None = Throttle(self.clock) if throttle is True else (throttle or None)
        self.unthrottled_platforms = {"console"}
        # Every send (replies, nudges, re-sends) takes a slot here. With an injected clock (tests) the limits are
        # kept on virtual time that only the limiter's own waits move: counted and ordered, never slept through.
        self.limiter = limiter or (RateLimiter.virtual() if injected else RateLimiter())
        self.follow_ups = FollowUps(self)  # what handlers finish after their answer was sent (ctx.later)
        storage.on_delete = self.forget  # after /delete: adapters drop what they keep outside the database

    async def start(self) -> None:
        """Open storage and load language profiles (once, before the first message)."""
        await self.storage.open()
        language.warm_up()

    async def stop(self) -> None:
        """Stop follow-ups still running (their answers were sent without them), close storage."""
        await self.follow_ups.cancel()
        await self.storage.close()

    def add_adapter(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter
        caps = getattr(adapter, "capabilities", None)
        if caps is not None:
            self.declare(adapter.platform, caps)

    def declare(self, platform: str, caps: Capabilities) -> None:
        """Say what a platform's messages can show: every delivery to it is rendered for that (bot/compose.py)."""
        self.channels[platform] = caps

    def render(self, platform: str, replies: list[Outbound], tapped: bool = False,
               pages_at: dict[str, int] | None = None) -> compose.Rendered:
        """Replies as the platform shows them (as they are where it declared nothing): combined into few messages,
        choices as buttons, a list or numbered lines, split at its text limit (`pages_at`: see compose.render)."""
        caps = self.channels.get(platform)
        if caps is None or not replies:
            return compose.Rendered(list(replies))
        return compose.render(replies, caps, self.catalog.t, tapped=tapped, pages_at=pages_at)

    def _shown(self, inbound: Inbound, replies: list[Outbound]) -> list[Outbound]:
        """What goes to the adapter's `deliver` for a turn's replies (rendered as the turn's menu was stored)."""
        pages_at = self._pages.pop((inbound.user.platform, inbound.user.user_id), None)
        return self.render(inbound.user.platform, replies, inbound.kind == "choice", pages_at).messages

    def commands(self) -> list[str]:
        """The commands for a platform's menu, in /help order."""
        return list(self.router.menu)

    def files_dir(self) -> str:
        """Where an adapter keeps files it writes for users (plan, export): `brandcoach-files/` beside the database."""
        path = self.storage.path
        base = os.getcwd() if path == ":memory:" or self.storage.shared else os.path.dirname(os.path.abspath(path))
        return os.path.join(base, "brandcoach-files")

    def db_file(self) -> str | None:
        """The database's path, for an adapter's small record beside it (None for an in-memory database). A
        PostgreSQL URL is no path (and holds a password): its records go to the working directory, under
        `brandcoach-postgresql`, as the files of `files_dir` do."""
        path = self.storage.path
        if self.storage.shared:
            return os.path.join(os.getcwd(), "brandcoach-postgresql")
        return None if path == ":memory:" else os.path.abspath(path)

    def knows_command(self, name: str) -> bool:
        return name in self.router.commands

    def takes_text(self, name: str) -> bool:
        """Whether the command reads the text typed after it (a platform's command form then offers a text field)."""
        return name in self.router.text_commands

    async def language_settled(self, platform: str, user_id: str) -> bool:
        """Whether a user's language is settled (see LangState.settled): such a chat is not offered the other
        language again (the terminal's "Prefer English?" line)."""
        user = await self.storage.find_user(platform, user_id)
        if user is None:
            return False
        return language.LangState(user.language, bool(user.language_pinned), user.lang_pending,
                                  user.lang_pending_count).settled

    async def unreachable(self, platform: str, user_id: str) -> None:
        """The platform refuses delivery to this user (blocked bot, closed DMs): nudges pause until they write."""
        await self.storage.set_reachable(platform, user_id, False)
        user = await self.storage.find_user(platform, user_id)
        if user is not None:
            for hook in self.router.reachability:
                await hook(self.storage, user.id, False)

    async def forget(self, platform: str, user_id: str) -> None:
        """Call the optional `forget(user_id)` of the user's adapter (files it wrote for them)."""
        forget = getattr(self.adapters.get(platform), "forget", None)
        if forget is not None:
            try:
                await forget(user_id)
            except Exception:
                log.exception("the %s adapter failed to forget a deleted user", platform)

    async def accept(self, inbound: Inbound, envelope: str = "") -> bool:
        """Record a platform update in the inbox, committed before returning: an adapter calls this before it tells
        the platform the update arrived (the webhook's 200, the getUpdates that confirms it), so an acknowledged
        update is never lost, whichever worker dies. `envelope` is the adapter's own record of the update, from
        which any worker can send the replies (Replying.replier). True when new; False for a second delivery."""
        update_id = inbound.update_id
        if update_id is None or inbound.shared:
            raise ValueError("only a private chat's update with an id goes through the inbox")
        inbound = cap_inbound(inbound)
        new = await self.storage.accept_update(inbound.user.platform, update_id, inbound.user.user_id,
                                               inbound_to_json(inbound), envelope)
        if not new:
            log.info("%s update %s was delivered again", inbound.user.platform, inbound.update_id)
        return new

    async def accept_many(self, updates: list[tuple[Inbound, str]]) -> list[bool]:
        """accept() for several updates (an adapter's batch, in the platform's order) in one commit: none of them is
        visible to another worker before the earlier ones."""
        rows = []
        for inbound, envelope in updates:
            update_id = inbound.update_id
            if update_id is None or inbound.shared:
                raise ValueError("only a private chat's update with an id goes through the inbox")
            inbound = cap_inbound(inbound)
            rows.append((inbound.user.platform, update_id, inbound.user.user_id, inbound_to_json(inbound), envelope))
        return await self.storage.accept_updates(rows)

    @metrics.in_progress
    async def handle(self, inbound: Inbound, deliver: Deliver | None = None,
                     accepted: Awaitable[bool] | None = None) -> list[Outbound]:
        """Handle one inbound message; returns the replies for the adapter to send. With `deliver`, the adapter's
        sending of them runs inside the user's turn (every worker on the database waits for it), so a user's replies
        reach the chat in the order of their messages even when several workers answer them.

        A private chat's update with an id goes through the inbox: recorded (`accepted`: the adapter's own call of
        accept(), else here), then handled in the chat's turn after every earlier update of the chat that any worker
        accepted. Returns [] when the update was handled elsewhere (its replies went from there)."""
        inbound = cap_inbound(inbound)
        key = (inbound.user.platform, inbound.user.user_id)
        update_id = inbound.update_id if not inbound.shared else None
        if update_id is not None:
            try:
                new = await (accepted if accepted is not None else self.accept(inbound))
            except Exception:
                log.warning("accepting a %s update failed; accepting it again", key[0], exc_info=True)
                new = await self.accept(inbound)
            if not new and await self.storage.update_handled(key[0], update_id):
                log.info("%s update %s was already handled: dropped", key[0], update_id)
                return []
        if self.throttle is not None and inbound.user.platform not in self.unthrottled_platforms \
                and not self.throttle.allow(key):
            if update_id is not None:  # refused for good: not handled later (the sweep)
                await self.storage.handled_without_answer(key[0], update_id, WORKER)
            if not self.throttle.first_refusal(key):
                return []
            log.warning("throttling a %s user", inbound.user.platform)
            lang = await self._language_of(inbound)
            slow = [Outbound(text=self.catalog.t(lang, "err.slow_down"), key="err.slow_down", private=True,
                             kind="refusal", lang=lang)]
            if deliver is not None:
                await deliver(self._shown(inbound, slow))
            return slow
        if update_id is not None:
            return await self._serial.run(key, lambda: self._drain(key, (inbound, deliver)))
        return await self._serial.run(key, lambda: self._exclusive(key, inbound, deliver))

    async def _exclusive(self, key: tuple[str, str], inbound: Inbound, deliver: Deliver | None) -> list[Outbound]:
        """One user's message, and the delivery of its replies, run alone across every worker on the database
        (PostgreSQL: an advisory lock)."""
        async with self.storage.exclusive(f"user:{key[0]}:{key[1]}"):
            replies = await self._handle(inbound)
            shown = self._shown(inbound, replies)
            if deliver is not None:
                with answering(*key):
                    await deliver(shown)
            return replies

    async def _drain(self, key: tuple[str, str], own: tuple[Inbound, Deliver | None] | None,
                     wait: bool = True) -> list[Outbound]:
        """In the chat's turn (across workers), handle its waiting inbox rows in update-id order: up to and including
        `own` (the update this call was made for; later ones are their own callers'), or all (the sweep). Rows other
        workers accepted are read back from the inbox and answered through the adapter's replier. Returns own's
        replies ([] when it was handled before). `wait=False`: give up at once if another worker holds the turn."""
        name = f"user:{key[0]}:{key[1]}"
        async with (self.storage.exclusive(name) if wait else self.storage.try_exclusive(name)) as alone:
            if alone is False:
                return []
            token = IN_TURN.set(key)
            try:
                mine = own[0].update_id if own is not None else None
                out: list[Outbound] = []
                for update_id, text, envelope in await self.storage.waiting_updates(key[0], key[1], mine):
                    if own is not None and update_id == mine:
                        inbound, deliver = own
                    else:
                        inbound, deliver = inbound_from_json(text), self._replier(key[0], update_id, envelope)
                    replies = await self._handle(inbound)
                    shown = self._shown(inbound, replies)
                    if deliver is not None:
                        with answering(*key):  # the answer to one message of the user's: see answering()
                            await deliver(shown)
                    if update_id == mine:
                        out = replies
                if own is not None and not out:
                    log.debug("%s update %s was handled in an earlier turn", key[0], mine)
                return out
            finally:
                IN_TURN.reset(token)

    def _replier(self, platform: str, update_id: int, envelope: str) -> Deliver | None:
        """How to send the replies of an update another worker (or this one before a restart) accepted."""
        make = getattr(self.adapters.get(platform), "replier", None)
        deliver = make(envelope) if make is not None and envelope else None
        if deliver is None:
            log.warning("%s update %s: handled, but its replies cannot be sent from this worker", platform, update_id)
        return deliver

    async def sweep_inbox(self, age: int) -> int:
        """Handle the updates accepted at least `age` seconds ago and still waiting: those of a worker that died
        before handling them (or of this process before a restart). A chat another worker is serving is left to it.
        Returns how many chats were looked at."""
        before = int(self.clock.now().timestamp()) - age
        chats = await self.storage.chats_waiting(before)
        for platform, chat in chats:
            key = (platform, chat)
            if key in self._serial:  # this process is serving the chat: its turn handles what waits
                continue
            try:
                await self._serial.run(key, lambda key=key: self._drain(key, None, wait=False))  # type: ignore[misc]
            except Exception:
                log.exception("a waiting %s update could not be handled; trying again later", platform)
        return len(chats)

    @asynccontextmanager
    async def leadership(self, name: str) -> AsyncIterator[None]:
        """Hold the role `name` among every worker on the database while the block runs (e.g. the one that polls a
        platform for updates), waiting until it is free; a leader that dies hands it over."""
        async with self.storage.leadership(name):
            yield

    async def in_turn(self, platform: str, chat: str, fn: Callable[[], Awaitable[T]]) -> T:
        """fn() in the chat's turn across every worker (as a message's handling): e.g. a follow-up's send, so that it
        lands between the chat's replies, never inside another worker's burst."""
        key = (platform, chat)
        if IN_TURN.get() == key:
            return await fn()

        async def locked() -> T:
            async with self.storage.exclusive(f"user:{platform}:{chat}"):
                token = IN_TURN.set(key)
                try:
                    return await fn()
                finally:
                    IN_TURN.reset(token)
        return await self._serial.run(key, locked)

    async def _language_of(self, inbound: Inbound) -> str:
        user = await self.storage.find_user(inbound.user.platform, inbound.user.user_id)
        return (user.language if user else None) or DEFAULT_LANGUAGE

    @metrics.handling
    async def _handle(self, inbound: Inbound) -> list[Outbound]:
        lang = DEFAULT_LANGUAGE
        try:
            if inbound.shared:
                return await self._in_group(inbound)
            user = await self.storage.get_or_create_user(
                inbound.user.platform, inbound.user.user_id, inbound.user.display_name, inbound.locale)
            lang = user.language or lang
            if inbound.update_id is not None:
                mark = self.storage.mark_update(user.id, user.platform, inbound.update_id, WORKER)
                try:
                    if await self.storage.legacy_taken(user.id, inbound.update_id, REDELIVERY_WINDOW):
                        log.info("%s update %s was handled before the inbox existed: dropped", user.platform,
                                 inbound.update_id)
                        return []
                    return await self._answer(inbound, user)
                finally:
                    await self.storage.finish_update(mark)
                    log.debug("%s update %s handled", user.platform, inbound.update_id)  # multi-worker proof counts
            return await self._answer(inbound, user)
        except Exception:
            metrics.handler_error()
            log.exception("handler failed for %s user (kind=%s, command=%s)", inbound.user.platform,
                          inbound.kind, inbound.command or "-")
            return [Outbound(text=self.catalog.t(lang, "error.apology"), key="error.apology", private=True,
                             kind="refusal", lang=lang)]

    async def _answer(self, inbound: Inbound, user: User) -> list[Outbound]:
        """Run the inbound's handler for a private user (its writes carry the update's mark, see _handle)."""
        caps = self.channels.get(user.platform)
        if caps is not None and inbound.kind == "text" and compose.looks_numbered(inbound.text):
            inbound = await self._numbers(inbound, user)
        ctx = Context(self, inbound, user, flow=await self.storage.get_flow(user.id))
        if inbound.kind == "choice":
            ctx.actions = tuple(decode(v) for v in inbound.values) if inbound.values else ()
            ctx.action = ctx.actions[0] if ctx.actions else decode(inbound.choice)
            if any(a is None or type(a) is not type(ctx.action) for a in ctx.actions):
                ctx.action = None  # a forged or mixed selection is stale as a whole
        await self._expire_wait(ctx)
        if not user.reachable:
            await self.storage.set_reachable(user.platform, user.platform_user_id, True)
            for hook in self.router.reachability:  # e.g. the reminders unpark their nudges
                await hook(self.storage, user.id, True)
            user.reachable = True
            ctx.say("reach.back")
            if not inbound.private and self.catalog.has(f"{user.platform}.dm_closed", ctx.lang):
                ctx.say(f"{user.platform}.dm_closed")  # e.g. how to open DMs again, said in a server
        await self._settle_language(ctx)
        answered = False
        for watcher in self.router.watchers:  # e.g. how the user is addressed, read from what they wrote
            if await watcher(ctx):
                answered = True  # the watcher answered the message itself (an explicit request)
                break
        if not answered and isinstance(ctx.action, compose.MoreChoices) and caps is not None:
            return await self._more(ctx, caps, ctx.action.page)
        handler = None if answered else self.router.resolve(ctx)
        if handler is not None:
            await handler(ctx)
        self.follow_ups.start(ctx)  # e.g. pictures: they follow the replies, outside the user's lane
        replies = ctx.replies()
        if caps is not None:
            pages_at = await self._page_of_tapped(user, caps) if inbound.kind == "choice" else None
            if pages_at:
                self._pages[(user.platform, user.platform_user_id)] = pages_at
            await self._remember_menu(user, caps, self.render(user.platform, replies, inbound.kind == "choice",
                                                              pages_at))
        return replies

    async def _page_of_tapped(self, user: User, caps: Capabilities) -> dict[str, int] | None:
        """The page a paged list was on when the user tapped (a tick on page 2 is shown on page 2 again)."""
        if not caps.lists or not compose.keeps_menus(caps):
            return None
        raw = await self.storage.menu(user.id)
        menu = compose.Menu.from_json(raw) if raw else None
        return {menu.step: menu.page} if menu is not None and not menu.numbered and menu.step and menu.page else None

    async def _numbers(self, inbound: Inbound, user: User) -> Inbound:
        """Typed numbers answering the numbered menu the user last saw (stored: any worker, after a restart too) as
        the tap they stand for; the text unchanged when they stand for none (or a question reads them itself)."""
        raw = await self.storage.menu(user.id)
        menu = compose.Menu.from_json(raw) if raw else None
        picked = compose.pick(inbound.text, menu) if menu is not None else None
        if picked is None:
            return inbound
        values, selection = picked
        if selection:
            return replace(inbound, kind="choice", text="", values=values)
        return replace(inbound, kind="choice", text="", choice=values[0])

    async def _remember_menu(self, user: User, caps: Capabilities, rendered: compose.Rendered) -> None:
        """Store the numbered menu (or paged list) the turn shows, or forget the last one when the turn asks anew
        without one; riding on the turn's commit where it can. A channel that shows every menu as buttons keeps no
        menus and is not written to (its rare numbered menu is stored all the same)."""
        if rendered.menu is not None:
            await self.storage.set_menu(user.id, rendered.menu.to_json())
        elif rendered.clear and compose.keeps_menus(caps):
            await self.storage.set_menu(user.id, None)

    async def _more(self, ctx: Context, caps: Capabilities, page: int) -> list[Outbound]:
        """A paged list's "more": the next page of the stored menu, as a new message (the menu stays stored)."""
        raw = await self.storage.menu(ctx.user.id)
        menu = compose.Menu.from_json(raw) if raw else None
        if menu is None or menu.numbered:
            return [ctx.refuse("err.stale_button")]
        more = self.catalog.t(menu.lang, "choices.more")
        choices = compose.page_of(menu.choices, caps, page, more)
        await self.storage.set_menu(ctx.user.id, replace(menu, page=page).to_json())
        return [Outbound(text=more, key="choices.more", choices=choices, multi=menu.multi, step=menu.step,
                         expects="multi" if menu.multi else "choice", kind="question", lang=menu.lang, private=True)]

    async def _in_group(self, inbound: Inbound) -> list[Outbound]:
        """A chat others see: nothing is collected there; our commands get a pointer to a private chat."""
        found = await self.storage.find_user(inbound.user.platform, inbound.user.user_id)
        lang = (found.language if found else None) or language.language_from_locale(inbound.locale) \
            or DEFAULT_LANGUAGE
        if inbound.kind == "choice":
            return [Outbound(self.catalog.t(lang, "err.stale_button"), key="err.stale_button", kind="refusal",
                             lang=lang)]
        if inbound.kind != "command" or not self.knows_command(inbound.command):
            return []
        button = Choice(OpenPrivateChat(), self.catalog.t(lang, "group.button"))
        return [Outbound(self.catalog.t(lang, "group.hint"), key="group.hint", choices=(button,),
                         kind="private_only", lang=lang)]

    async def _expire_wait(self, ctx: Context) -> None:
        """Forget an awaited input whose time is up (it then goes to the default route)."""
        flow = ctx.flow
        route = self.router.awaited_route(ctx.awaits)
        if flow is None or not flow.awaits:
            return
        now = int(self.clock.now().timestamp())
        if route is None or (route.ttl and (flow.awaits_at is None or now - flow.awaits_at > route.ttl)):
            await ctx.expect(None)

    async def _settle_language(self, ctx: Context) -> None:
        """Set or switch the user's language from the locale hint and free text (taps and typed options, names and
        other input without evidence only settle a provisional language: the user answers in it)."""
        user = ctx.user
        state = language.LangState(user.language, user.language_pinned, user.lang_pending, user.lang_pending_count)
        text = ctx.inbound.text if ctx.inbound.kind == "text" else ""
        if text and not self.router.language_evidence(ctx):
            text = ""
        answered = ctx.inbound.kind in ("text", "choice")
        if not text and user.language is not None and not (answered and user.lang_pending == language.PROVISIONAL):
            return
        decision = language.decide_language(state, text, ctx.inbound.locale or user.locale_hint, answered=answered)
        new = decision.state
        if new != state:
            # rides on the answer's own commit (a platform update's): settling costs no commit of its own
            await self.storage.update_user(user.id, ride=True, language=new.language, language_pinned=int(new.pinned),
                                           lang_pending=new.pending, lang_pending_count=new.pending_count)
            user.language, user.language_pinned = new.language, new.pinned
            user.lang_pending, user.lang_pending_count = new.pending, new.pending_count
        if decision.changed:
            ctx.say("lang.switched")

    async def render_unprompted(self, platform: str, user_id: str, messages: list[Outbound]) -> list[Outbound]:
        """Unprompted messages (nudges, follow-ups) as the platform shows them; numbered choices among them are
        stored as the user's menu, so that typed numbers answer them."""
        rendered = self.render(platform, messages)
        if rendered.menu is not None:
            user = await self.storage.find_user(platform, user_id)
            if user is not None:
                await self.storage.set_menu(user.id, rendered.menu.to_json())
        return rendered.messages

    async def send_to(self, platform: str, user_id: str, messages: list[Outbound], skip: int = 0) -> None:
        """Deliver unprompted messages (nudges) through the user's platform adapter, in the limiter's nudge lane
        (behind replies); `skip`: parts an earlier attempt delivered (RetryLater.delivered)."""
        adapter = self.adapters.get(platform)
        if adapter is None:
            raise LookupError(f"no adapter for platform {platform!r}")
        messages = await self.render_unprompted(platform, user_id, messages)
        with unprompted():
            if skip:  # only an adapter that reported delivered parts is asked to skip them
                await adapter.send(user_id, messages, skip)
            else:
                await adapter.send(user_id, messages)
