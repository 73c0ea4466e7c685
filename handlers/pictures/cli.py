"""`brandcoach render --user ID --out DIR`: a stored user's plan card, plan PDF and progress chart, as files."""
from __future__ import annotations

import os
import sys

from bot.clock import SystemClock
from bot.i18n import Catalog
from bot.backends import is_postgres, open_storage
from handlers.pictures import chart_file, card_file, pdf_file
from handlers.pictures.store import platforms_of
from handlers.plan import build_plan
from handlers.reminders import schedule as S
from handlers.reminders.commands import streak
from handlers.reminders.manage import posting_of
from handlers.reminders.store import NudgeStore


def _write(out_dir: str, name: str, data: bytes) -> str:
    """Write one file owner-only (0600): the pictures hold the user's answers."""
    path = os.path.join(out_dir, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


async def render_user(db_path: str, user: str, out_dir: str, platform: str | None = None) -> int:
    """Write card, PDF and chart for the user; 0, or 1 with a message on stderr (unknown user, clash, no plan)."""
    if not is_postgres(db_path) and not os.path.exists(db_path):
        print(f"brandcoach render: no database at {db_path}", file=sys.stderr)
        return 1
    storage = open_storage(db_path)
    await storage.open()
    try:
        found = [platform] if platform else await platforms_of(storage, user)
        if len(found) > 1:
            print(f"brandcoach render: user {user} exists on {', '.join(found)}; pick one with --platform",
                  file=sys.stderr)
            return 1
        record = await storage.find_user(found[0], user) if found else None
        if record is None:
            print(f"brandcoach render: no user {user}" + (f" on {platform}" if platform else ""), file=sys.stderr)
            return 1
        answers = await storage.answers(record.id)
        if not answers:
            print(f"brandcoach render: user {user} has no answers yet", file=sys.stderr)
            return 1
        catalog, lang = Catalog(), record.language or "id"

        def t(key: str, **params: object) -> str:
            return catalog.t(lang, key, **params)

        store = NudgeStore(storage)
        settings = await store.get_settings(record.id)
        checkins = await store.checkins(record.id)
        now = SystemClock().now()
        week = S.iso_week(now, S.zone(settings.tz if settings else S.DEFAULT_ZONE))
        title = t("plan.title", name=answers.get("name", ""))
        when = await posting_of(storage, record.id, answers)  # the one posting schedule, as the bot says it
        files = [card_file(answers, t, when, record.display_name), pdf_file(title, build_plan(answers, t), t, now),
                 chart_file(checkins, week, S.prev_week, when.posts, streak(checkins, week), t)]
    finally:
        await storage.close()
    os.makedirs(out_dir, exist_ok=True)
    for file in files:
        print(_write(out_dir, file.name, file.data))
    return 0
