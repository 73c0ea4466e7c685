"""Command line: `brandcoach` (run the configured platforms, or a terminal chat) and `brandcoach chat`."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from importlib import metadata

from bot import __version__, channels, gcpolicy, redact
from bot.backends import is_postgres, open_storage
from bot.config import Config, from_env
from bot.core import Core
from bot.ratelimit import limiter_for, shared_slots

log = logging.getLogger("brandcoach")
VERSION = next((d.version for d in metadata.distributions(name="brandcoach")), __version__)  # installed, else source


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="brandcoach", description="Personal branding coach chatbot.")
    parser.add_argument("--db", help="SQLite file or postgresql:// URL (default: $BRANDCOACH_DB or ./brandcoach.sqlite3)")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--log-format", choices=("text", "json"),
                        help="text (default) or json: one JSON object per line (also $BRANDCOACH_LOG_FORMAT)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    sub = parser.add_subparsers(dest="command")
    chat = sub.add_parser("chat", help="chat with the coach in this terminal")
    chat.add_argument("--db", dest="chat_db", metavar="PATH", help="SQLite file")
    chat.add_argument("--user", default="local", help="user id for this terminal chat (default: local)")
    chat.add_argument("--lang", default=None, help="locale hint: id or en")
    run = sub.add_parser("run", help="run the platforms configured in the environment")
    run.add_argument("--db", dest="chat_db", metavar="PATH", help="SQLite file")
    run.add_argument("--console", action="store_true", help="also chat in this terminal, beside the platforms")
    mig = sub.add_parser("migrate", help="bring the database's schema up to date (or copy SQLite into PostgreSQL)")
    mig.add_argument("--from", dest="src", metavar="SQLITE", help="copy every table of this SQLite file ...")
    mig.add_argument("--to", dest="dst", metavar="URL", help="... into this PostgreSQL database (idempotent)")
    syncing = sub.add_parser("sync-commands", help="sync the slash commands of the channels that have them now, then exit")
    syncing.add_argument("--guild", help="sync to this server only (instant, for development)")
    render = sub.add_parser("render", help="write a stored user's plan card, plan PDF and progress chart to a folder")
    render.add_argument("--db", dest="chat_db", metavar="PATH", help="SQLite file")
    render.add_argument("--user", required=True, help="the user's id on their platform")
    render.add_argument("--platform", help=f"{', '.join(c.name for c in channels.all_channels())}"
                        " (when the id exists on several)")
    render.add_argument("--out", required=True, help="folder to write the three files to")
    saving = sub.add_parser("backup", help="copy the SQLite database to a file, consistently, while the bot runs")
    saving.add_argument("--db", dest="chat_db", metavar="PATH", help="SQLite file")
    saving.add_argument("--to", dest="backup_file", metavar="FILE", required=True, help="the backup file to write")
    putting = sub.add_parser("restore", help="replace the SQLite database with a backup (the bot stopped)")
    putting.add_argument("--db", dest="chat_db", metavar="PATH", help="SQLite file")
    putting.add_argument("--from", dest="backup_file", metavar="FILE", required=True, help="the backup to restore")
    check = sub.add_parser("check-content", help="check content/*.toml and the message catalogs, then exit")
    check.add_argument("--content-dir", help="read content TOML from this directory (default: the packaged content)")
    check.add_argument("--locales-dir", help="read catalogs from this directory (default: the packaged locales)")
    return parser.parse_args(argv)


def check_content(args: argparse.Namespace | None = None, startup: bool = False) -> int:
    """Run every registered content check, print one line per problem; 0 if clean, else 1 (2 at start-up)."""

    from bot import checks, schema

    for option, env in (("content_dir", "BRANDCOACH_CONTENT_DIR"), ("locales_dir", "BRANDCOACH_LOCALES_DIR")):
        if getattr(args, option, None):
            os.environ[env] = getattr(args, option)
    issues = checks.run_checks()  # the same feature packages the bot loads (bot.features.DEFAULT_FEATURES)
    for issue in issues:
        print(issue, file=sys.stderr if startup else sys.stdout)
    if issues:
        print(f"{len(issues)} content problem(s)" + ("; not starting." if startup else "."), file=sys.stderr)
        return 2 if startup else 1
    if not startup:
        print(f"content OK: {len(schema.registered()) + 1} checks, no problems.")
    return 0


async def run_chat(config: Config, user: str = "local", lang: str | None = None) -> None:
    """A terminal chat on the local database, until end of input."""
    redact.watch_loop()
    storage = open_storage(config.db_path)
    core = Core(storage, admins=config.admins, limiter=limiter_for(config, shared_slots(storage)))
    await core.start()
    try:
        console = channels.local().build(core, config, user_id=user, locale=lang)
        core.add_adapter(console)
        # The features' services (the nudge scheduler: reminders print in the terminal while the chat is open).
        services = [factory(core, config) for factory in core.router.services]
        for service in services:
            await service.start()
        try:
            await console.listen()
        finally:
            for service in reversed(services):
                await service.stop()
    finally:
        await core.stop()


# How long a thread holding the GIL (the drawing thread, SQLite's) keeps the event loop waiting for it: 0.5 ms, not
# Python's 5. The loop wakes several times for each reply and waits that long each time; with 300 chats answering
# while plans are drawn, p99 update -> reply 305-495 ms at 5 ms, 228-292 ms at 0.5 ms, for ~4% more CPU per update
# (bench/e2e.py --chats 300 --think 0.5-1.5 --bots ours --code <tree with it>, runs alternated, a quiet machine).
SWITCH_INTERVAL = 0.0005


async def run_platforms(config: Config, console: bool = False) -> None:
    """Every configured adapter in one event loop, until SIGINT/SIGTERM (or a platform's connection dies)."""
    from bot.app import EXIT_UNAVAILABLE, StartupError, build_app

    redact.watch_loop()
    app = await build_app(config, console=console)
    stop = asyncio.Event()
    stopping = asyncio.ensure_future(stop.wait())
    health = None
    try:
        from bot.health import serve as serve_health

        health = await serve_health(app, config.metrics_port, config.metrics_host)  # before the platforms connect
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        gcpolicy.settle()  # start-up's objects out of the garbage collector's walks (bot/gcpolicy.py)
        sys.setswitchinterval(SWITCH_INTERVAL)
        starting = asyncio.ensure_future(app.start())  # a signal during the start-up retries stops them too
        await asyncio.wait({stopping, starting}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            return
        starting.result()  # raises StartupError
        failing = asyncio.ensure_future(app.failed.wait())
        await asyncio.wait({stopping, failing}, return_when=asyncio.FIRST_COMPLETED)
        failing.cancel()
        if app.failed.is_set() and not stop.is_set():
            raise StartupError("a platform connection ended with an error (see the log); exiting", EXIT_UNAVAILABLE)
    finally:
        stopping.cancel()
        await app.stop()  # closes every adapter and the storage, whatever happened above
        if health is not None:
            await health.stop()


def no_platform_message() -> str:
    """What `brandcoach run` says when there is nothing to serve."""
    served = channels.platforms()
    return (f"brandcoach run: no platform token set. Set {' and/or '.join(c.token for c in served)} "
            f"(see README, {' / '.join(repr('Run on ' + c.title) for c in served)}),"
            " or add --console to chat in this terminal.")


def serve(config: Config, console: bool = False) -> int:
    """`brandcoach run`: the exit status (0 after a signal, 2 token missing or rejected, 3 platform unreachable)."""
    from bot.app import EXIT_CONFIG, StartupError

    if not config.has_platform and not console:
        print(no_platform_message(), file=sys.stderr, flush=True)
        return EXIT_CONFIG
    try:
        asyncio.run(run_platforms(config, console=console))
    except StartupError as exc:
        print(f"brandcoach: {redact.redact(str(exc), config.secrets)}", file=sys.stderr, flush=True)
        return exc.code
    return 0


def migrate(db: str, src: str | None, dst: str | None) -> int:
    """`brandcoach migrate`: apply the migrations to the database, or copy SQLite `src` into PostgreSQL `dst`."""
    if bool(src) != bool(dst) or (dst and not is_postgres(dst)):
        print("brandcoach migrate: give both --from SQLITE_FILE and --to postgresql://...", file=sys.stderr)
        return 2
    if src and dst:
        from bot.copydb import copy

        asyncio.run(copy(src, dst))
        return 0

    async def apply() -> int:
        storage = open_storage(db)
        await storage.open()  # opening applies what is missing
        try:
            row = await storage.fetch_one("SELECT max(version) FROM schema_version" if storage.shared
                                          else "PRAGMA user_version")
            return int(row[0] or 0)
        finally:
            await storage.close()

    print(f"schema at version {asyncio.run(apply())}")
    return 0


async def sync_now(config: Config, scope: str | None = None) -> int:
    """`brandcoach sync-commands`: each served channel that has commands to sync syncs them now (forced; `scope`:
    --guild, one server only); 0, or 2 with one line (no such channel's token set, or one failed)."""
    syncing = [c for c in channels.platforms() if c.sync is not None]
    served = [c for c in syncing if config.serves(c)]
    if not served:
        print(f"brandcoach sync-commands: {' or '.join(c.token for c in syncing) or 'no channel token'} is not set.",
              file=sys.stderr)
        return 2
    code = 0
    for channel in served:
        assert channel.sync is not None
        code = max(code, await channel.sync(Core(open_storage(config.db_path)), config, scope))
    return code


def render_pictures(config: Config, args: argparse.Namespace) -> int:
    """`brandcoach render`: the pictures feature's files for one user (it reads the database, so no lock)."""
    import importlib

    tool = importlib.import_module("handlers.pictures.cli")  # by name, as features are loaded: the engine imports none
    return int(asyncio.run(tool.render_user(config.db_path, args.user, args.out, args.platform)))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from bot import logsetup
    try:
        logsetup.configure(args.log_format, getattr(logging, str(args.log_level).upper(), logging.WARNING))
    except ValueError as exc:  # BRANDCOACH_LOG_FORMAT neither text nor json
        print(f"brandcoach: {exc}", file=sys.stderr)
        return 2
    for name in filter(None, os.environ.get("BRANDCOACH_DEBUG_LOGGERS", "").split(",")):  # e.g. bot.core,bot.inbox
        logging.getLogger(name.strip()).setLevel(logging.DEBUG)
    from bot.config import ConfigError
    try:
        config = from_env(db_path=getattr(args, "chat_db", None) or args.db)
    except ConfigError as exc:
        print(f"brandcoach: {exc}", file=sys.stderr)
        return 2
    redact.install(config.secrets)
    redact.install_hooks(config.secrets)
    logsetup.mask(config.secrets)  # the JSON lines' own masking (the filter above masks the records already)
    if args.command in ("backup", "restore"):  # no content check; restore takes the database's lock itself
        from bot.backup import run as copy_database
        return copy_database(args.command, config.db_path, args.backup_file)
    if args.command == "check-content" or check_content(startup=True):
        return check_content(args) if args.command == "check-content" else 2
    if args.command == "sync-commands":  # no database lock: it only writes the small sync record beside it
        return asyncio.run(sync_now(config, getattr(args, "guild", None)))
    if args.command == "render":
        return render_pictures(config, args)
    if not is_postgres(config.db_path):  # PostgreSQL: any number of workers share its limits and locks
        from bot.dblock import hold_or_exit  # one process per SQLite database (nudge rate limits): else exit 2
        hold_or_exit(args.src if args.command == "migrate" and args.src else config.db_path)
    if args.command == "migrate":
        return migrate(config.db_path, args.src, args.dst)
    code = 0
    try:
        if args.command == "chat" or (args.command is None and not config.has_platform):
            asyncio.run(run_chat(config, getattr(args, "user", "local"), getattr(args, "lang", None)))
        else:
            code = serve(config, console=getattr(args, "console", False))
    except KeyboardInterrupt:
        print(file=sys.stderr)
    return code
