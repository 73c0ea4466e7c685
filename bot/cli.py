"""Command line: `brandcoach` (run the configured platforms, or a terminal chat) and `brandcoach chat`."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from bot import redact
from bot.config import Config, from_env
from bot.core import Core
from bot.storage import Storage

log = logging.getLogger("brandcoach")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="brandcoach", description="Personal branding coach chatbot.")
    parser.add_argument("--db", help="SQLite file (default: $BRANDCOACH_DB or ./brandcoach.sqlite3)")
    parser.add_argument("--log-level", default="WARNING")
    sub = parser.add_subparsers(dest="command")
    chat = sub.add_parser("chat", help="chat with the coach in this terminal")
    chat.add_argument("--db", dest="chat_db", metavar="PATH", help="SQLite file")
    chat.add_argument("--user", default="local", help="user id for this terminal chat (default: local)")
    chat.add_argument("--lang", default=None, help="locale hint: id or en")
    run = sub.add_parser("run", help="run the platforms configured in the environment")
    run.add_argument("--db", dest="chat_db", metavar="PATH", help="SQLite file")
    run.add_argument("--console", action="store_true", help="also chat in this terminal, beside the platforms")
    return parser.parse_args(argv)


async def run_chat(config: Config, user: str = "local", lang: str | None = None) -> None:
    """A terminal chat on the local database, until end of input."""
    from bot.adapters.console import ConsoleAdapter

    core = Core(Storage(config.db_path), admins=config.admins)
    await core.start()
    console = ConsoleAdapter(core, user_id=user, locale=lang)
    core.add_adapter(console)
    from bot.nudges.service import NudgeService

    nudges = NudgeService(core, config)  # reminders print in the terminal while the chat is open
    await nudges.start()
    try:
        await console.listen()
    finally:
        await nudges.stop()
        await core.stop()


async def run_platforms(config: Config, console: bool = False) -> None:
    """Every configured adapter in one event loop, until SIGINT/SIGTERM."""
    from bot.app import build_app

    app = await build_app(config, console=console)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await app.start()
    try:
        await stop.wait()
    finally:
        await app.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = from_env(db_path=getattr(args, "chat_db", None) or args.db)
    redact.install([config.telegram_token or "", config.discord_token or "", config.telegram_webhook_secret or ""])
    from bot.dblock import hold_or_exit  # one process per database (nudge rate limits): else exit 2
    hold_or_exit(config.db_path)
    try:
        if args.command == "chat" or (args.command is None and not config.has_platform):
            asyncio.run(run_chat(config, getattr(args, "user", "local"), getattr(args, "lang", None)))
        else:
            asyncio.run(run_platforms(config, console=getattr(args, "console", False)))
    except KeyboardInterrupt:
        print(file=sys.stderr)
    return 0
