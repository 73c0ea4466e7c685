"""The python-telegram-bot baselines bench/e2e.py runs on the same fake Bot API (started as their own processes).

  python bench/e2e_ptb.py conv   the questionnaire as a ConversationHandler with PicklePersistence written after
                                 every update (Application.update_persistence() per update, so an answered question
                                 is on disk before the next question goes out, as with brandcoach); the same
                                 questions, keyboards and Bot API calls per update (tap: answerCallbackQuery +
                                 edit + next question; tick: answerCallbackQuery + new keyboard).
  python bench/e2e_ptb.py echo   a trivial echo bot (the ceiling of PTB on this harness): each text comes back.
  python bench/e2e_ptb.py bare   the harness's ceiling: an echo bot without PTB (aiohttp and orjson, no update
                                 objects, no handlers, ~0.1 ms per update): what the fake Bot API and the chats' driver
                                 carry at most. A bot whose updates/s come near it is measured against the harness,
                                 not against another bot.

Both use PTB's stock HTTP client and pool (httpx, 256 connections) with brandcoach's timeouts (15 s read/write,
10 s pool, 5 s connect) and process updates concurrently (256). conv runs a chat's updates one after another, as
brandcoach does (bot/adapters/telegram_net.PerChatUpdateProcessor): with plain concurrent updates a chat's next
update can arrive while the previous handler, its question already sent, has not yet returned its new state, and is
then dropped as not matching the old state (the chat is stuck; earlier runs lost ~10% of chats that way).
Environment: TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, BENCH_PICKLE (conv).
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.constants import ParseMode  # noqa: E402
from telegram.ext import (Application, ApplicationHandlerStop, CallbackQueryHandler, CommandHandler,  # noqa: E402
                          ContextTypes, ConversationHandler, MessageHandler, PicklePersistence, TypeHandler, filters)

from bot.adapters.telegram_net import PerChatUpdateProcessor  # noqa: E402
from bot.i18n import Catalog  # noqa: E402
from handlers import steps as S  # noqa: E402

CATALOG = Catalog()
CONFIRM = "confirm"


def prompt(step: S.Step, answers: dict[str, Any], draft: list[str]) -> tuple[str, InlineKeyboardMarkup | None]:
    """The question's text and keyboard (ticks for a multi-choice draft), as brandcoach shows them."""
    text = CATALOG.t("id", f"q.{step.id}.prompt")
    if step.kind not in ("choice", "multi"):
        return text, None
    rows = []
    for value, label in S.options_for(step, answers):
        shown = label or CATALOG.t("id", f"opt.{step.id}.{value}")
        if step.kind == "multi":
            rows.append([InlineKeyboardButton(("✅ " if value in draft else "") + shown,
                                              callback_data=f"t:{step.id}:{value}")])
        else:
            rows.append([InlineKeyboardButton(shown, callback_data=f"a:{step.id}:{value}")])
    if step.kind == "multi":
        rows.append([InlineKeyboardButton("Selesai", callback_data=f"d:{step.id}")])
    return text, InlineKeyboardMarkup(rows)


async def ask_next(update: Update, context: ContextTypes.DEFAULT_TYPE, after: str | None) -> str:
    """Send the next question (or the summary); returns the conversation's new state."""
    answers = context.user_data.setdefault("answers", {})  # type: ignore[union-attr]
    context.user_data["draft"] = []  # type: ignore[index]
    step = S.next_step(answers, after)
    chat = update.effective_chat
    assert chat is not None
    if step is None:
        summary = CATALOG.t("id", "summary.title") + "\n" + "\n".join(f"{k}: {v}" for k, v in answers.items())
        await context.bot.send_message(chat.id, summary[:4000], reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Ya", callback_data="c:yes")]]))
        return CONFIRM
    text, markup = prompt(step, answers, [])
    await context.bot.send_message(chat.id, text, reply_markup=markup, parse_mode=ParseMode.HTML)
    return step.id


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    context.user_data["answers"] = {}  # type: ignore[index]
    return await ask_next(update, context, None)


def typed_for(step: S.Step):  # type: ignore[no-untyped-def]
    async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
        text = update.message.text or ""  # type: ignore[union-attr]
        value: Any = [p.strip() for p in text.split(",")] if step.kind == "list" else text
        context.user_data["answers"][step.id] = value  # type: ignore[index]
        return await ask_next(update, context, step.id)
    return typed


def tapped_for(step: S.Step):  # type: ignore[no-untyped-def]
    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer()
        kind, _, rest = query.data.partition(":")
        value = rest.partition(":")[2]
        answers = context.user_data["answers"]  # type: ignore[index]
        draft: list[str] = context.user_data.setdefault("draft", [])  # type: ignore[union-attr]
        if kind == "t":
            draft.remove(value) if value in draft else draft.append(value)
            await query.edit_message_reply_markup(prompt(step, answers, draft)[1])
            return step.id
        answers[step.id] = S.stored_value(step, answers, [value] if kind == "a" else draft)
        await query.edit_message_text(f"{query.message.text}\n\n✔ {answers[step.id]}")  # type: ignore[union-attr]
        return await ask_next(update, context, step.id)
    return tapped


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    chat = update.effective_chat
    assert chat is not None
    plan = "\n".join(f"- {k}: {v}" for k, v in context.user_data["answers"].items())  # type: ignore[index]
    await context.bot.send_message(chat.id, plan[:4000])
    await context.bot.send_document(chat.id, plan.encode(), filename="plan.md")
    return ConversationHandler.END


async def persist(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Write the pickle after every update (group 1 runs after the conversation's handler)."""
    await context.application.update_persistence()


def timeouts(builder: Any) -> Any:
    """The timeouts brandcoach uses (PTB's stock 5 s read and 1 s pool timeouts drop updates under this load: a
    handler that times out leaves its chat waiting, and the run would measure that instead)."""
    return builder.read_timeout(15.0).write_timeout(15.0).connect_timeout(5.0).pool_timeout(10.0)


def conv_app(token: str, base_url: str, path: str) -> Application:  # type: ignore[type-arg]
    app = (timeouts(Application.builder().token(token).base_url(base_url))
           .concurrent_updates(PerChatUpdateProcessor(256))
           .persistence(PicklePersistence(path, update_interval=10**6)).build())
    states: dict[object, list[Any]] = {}
    for step in S.all_steps():
        if step.kind in ("choice", "multi"):
            states[step.id] = [CallbackQueryHandler(tapped_for(step))]
        else:
            states[step.id] = [MessageHandler(filters.TEXT & ~filters.COMMAND, typed_for(step))]
    states[CONFIRM] = [CallbackQueryHandler(confirm, pattern="^c:yes$")]
    app.add_handler(ConversationHandler(entry_points=[CommandHandler("start", start)], states=states,
                                        fallbacks=[], name="brand", persistent=True, per_message=False))
    app.add_handler(TypeHandler(Update, persist), group=1)
    return app


def echo_app(token: str, base_url: str) -> Application:  # type: ignore[type-arg]
    app = timeouts(Application.builder().token(token).base_url(base_url)).concurrent_updates(256).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(update.message.text or "")  # type: ignore[union-attr]
        raise ApplicationHandlerStop

    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def bare(token: str, base_url: str) -> None:
    """Long-poll and echo each text with one sendMessage, as little work per update as a bot can do."""
    import asyncio

    import aiohttp
    import orjson

    url = f"{base_url}{token}/"
    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:
        async def echo(chat: int, text: str) -> None:
            body = orjson.dumps({"chat_id": chat, "text": text})
            async with session.post(url + "sendMessage", data=body, headers=headers) as resp:
                await resp.read()

        offset = 0
        tasks: set[asyncio.Task[None]] = set()
        while True:
            body = orjson.dumps({"offset": offset, "timeout": 30, "limit": 100})
            async with session.post(url + "getUpdates", data=body, headers=headers) as resp:
                updates = orjson.loads(await resp.read())["result"]
            for update in updates:
                offset = update["update_id"] + 1
                msg = update.get("message")
                if msg and "text" in msg:
                    task = asyncio.create_task(echo(msg["chat"]["id"], msg["text"]))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    token, base_url = os.environ["TELEGRAM_BOT_TOKEN"], os.environ["TELEGRAM_API_URL"]
    if sys.argv[1] == "bare":
        import asyncio
        asyncio.run(bare(token, base_url))
        return
    if sys.argv[1] == "conv":
        app = conv_app(token, base_url, os.environ["BENCH_PICKLE"])
    else:
        app = echo_app(token, base_url)
    app.run_polling(timeout=30, drop_pending_updates=False, close_loop=True)


if __name__ == "__main__":
    main()
