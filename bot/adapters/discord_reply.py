"""How the core's replies appear on Discord: merged into few messages, the interaction's message edited in place."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.adapters.discord_ui import MESSAGE_LIMIT, SendFn, build_view, localize_commands, split_text
from bot.capabilities import Capabilities
from bot.i18n import Catalog
from bot.ratelimit import RateLimiter
from bot.types import Outbound, OutFile

FILES_PER_MESSAGE = 10
# What a Discord message shows: 2000 characters; 5 rows of 5 buttons (labels up to 80); a select menu of up to 25
# options (label and description up to 100) that can take several at once; a modal form of up to 5 text fields;
# edits of the interaction's message; files; a refused tap answered privately (ephemeral), not in the channel.
CAPABILITIES = Capabilities(max_text=MESSAGE_LIMIT, buttons=25, button_label_max=80, lists=True, list_rows_max=25,
                            list_title_max=100, list_desc_max=100, multi_select=True, forms=True, form_fields_max=5,
                            edits=True, files=True, notices=True)


@dataclass
class Post:
    """One Discord message to send: text, at most one set of components, files."""

    content: str = ""
    view: discord.ui.View | None = None
    files: list[OutFile] = field(default_factory=list)

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"content": self.content or None}
        if self.view is not None:
            out["view"] = self.view
        if self.files:
            out["files"] = [discord.File(io.BytesIO(f.data), filename=f.name) for f in self.files]
        return out


def discord_text(msg: Outbound, catalog: Catalog) -> str:
    """A reply's text for Discord: Discord's own how-to-answer line instead of the shared one; commands as named here."""
    text = msg.text
    if msg.hint and msg.expects in ("text", "multi") and msg.hint in text:
        key = "discord.hint.multi" if msg.expects == "multi" else \
            "discord.hint.form" if len(msg.fields) > 1 else "discord.hint.text"
        text = text.replace(msg.hint, catalog.t(msg.lang, key))
    return localize_commands(text, msg.lang, catalog)


def settled_text(replies: list[Outbound]) -> str:
    """The answers just given ("✅ ..."), shown at the top of the edited message."""
    return "\n".join(m.text for m in replies if m.kind == "settled" and m.text)


def compose(replies: list[Outbound], owner: str, catalog: Catalog, lead: str = "") -> list[Post]:
    """The replies as few messages: texts joined while they fit; a message ends with its components."""
    posts: list[Post] = []
    cur = Post(lead)
    for msg in replies:
        if msg.kind in ("settled", "redraw"):
            continue
        parts = split_text(discord_text(msg, catalog)) or [""]
        view = build_view(msg, owner, catalog)
        for i, part in enumerate(parts):
            joined = f"{cur.content}\n\n{part}" if cur.content and part else cur.content or part
            if cur.view is not None or len(joined) > MESSAGE_LIMIT:
                posts.append(cur)
                cur = Post(part)
            else:
                cur.content = joined
            if i < len(parts) - 1:
                continue
            if msg.file is not None:
                if len(cur.files) >= FILES_PER_MESSAGE:
                    posts.append(cur)
                    cur = Post()
                cur.files.append(msg.file)
            if view is not None:
                cur.view = view
    if cur.content or cur.files or cur.view is not None:
        posts.append(cur)
    return posts


def behind(replies: list[Outbound], shown: str | None, current: list[Outbound], owner: str,
           catalog: Catalog) -> list[Outbound]:
    """Replies refused alone on a message (`shown`: its text) that no longer shows the open question, e.g. after a
    form opened from it at once was dismissed (Discord tells nobody): the notice, then the open question (from
    `current`, the core's answer to /answer), to be drawn on that message. Else the replies as they are."""
    if shown is None or not replies or any(m.kind != "refusal" for m in replies):
        return replies
    question = next((m for m in current if m.kind == "question"), None)
    posts = compose([question], owner, catalog) if question is not None else []
    if question is None or not posts or posts[0].content in shown:
        return replies
    return [*replies, question]


def paced(limiter: RateLimiter, chat: object, send: SendFn) -> SendFn:
    """`send` behind a slot of the core's limiter (Discord's 50 requests/s; replies ahead of nudges). discord.py
    waits out a route's 429 and re-sends by itself, per its own per-route buckets."""

    async def run(*args: Any, **kwargs: Any) -> Any:
        async with limiter.slot("discord", str(chat)):
            return await send(*args, **kwargs)
    return run


async def send_posts(posts: list[Post], send: SendFn, *, ephemeral: bool | None) -> None:
    """Each post as a new message (ephemeral in a server when asked)."""
    for post in posts:
        kwargs = post.kwargs()
        if ephemeral is not None:
            kwargs["ephemeral"] = ephemeral
        await send(**kwargs)


async def show(edit: SendFn, followup: SendFn, posts: list[Post], *, ephemeral: bool) -> None:
    """The first post replaces the interaction's message (`edit`: the pressed one, or the deferred answer); more
    follow (`followup`)."""
    if not posts:
        return
    first = posts[0]
    kwargs = first.kwargs()
    kwargs.setdefault("view", None)  # components of the question just answered go
    if "files" in kwargs:
        kwargs["attachments"] = kwargs.pop("files")
    await edit(**kwargs)
    await send_posts(posts[1:], followup, ephemeral=ephemeral)
