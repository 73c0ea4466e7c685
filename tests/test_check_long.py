"""/check <draft> reads the whole message after the command (not the first 20 words), line breaks kept: through
the console, Telegram (fake Bot API) and a Discord DM."""
from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot.adapters.console import ConsoleAdapter
from bot.adapters.discord_dm import dm_inbound
from bot.core import MAX_INBOUND_CHARS, Core
from bot.i18n import Catalog
from bot.types import UserRef, command_text, parse_command
from fake_telegram import FakeTelegram
from nudge_helpers import ANSWERS, done_user
from test_telegram import Chat, running

ANS: dict[str, Any] = {**ANSWERS, "focus_platforms": ["tiktok"]}  # a 4,000-character limit: the count is shown


def caption(breaks: str, lang: str) -> str:
    """About 3,000 characters of harmless caption, then (far past word 20) hoax wording."""
    line = ("Cerita di balik lagu akustik baru kami, direkam di kamar kos." if lang == "id"
            else "The story behind our new acoustic song, recorded in a tiny flat.")
    body = breaks.join([line] * 60)
    tail = " Sebarkan sebelum dihapus!" if lang == "id" else " Share before it gets deleted!"
    body = body[:3000 - len(tail)] + tail
    assert len(body) == 3000
    return body


def test_command_text_keeps_everything_after_the_command_word() -> None:
    assert command_text("/check  baris satu\nbaris dua\n\nbaris tiga ") == "baris satu\nbaris dua\n\nbaris tiga"
    assert command_text("/check@brandcoach_bot\nhalo") == "halo"
    assert command_text("/check") == ""
    words = " ".join(f"w{n}" for n in range(40))
    assert command_text(f"/check {words}") == words and parse_command(f"/check {words}") is not None


async def test_console_check_reads_a_3000_character_caption(core: Core, tmp_path: Path) -> None:
    for uid, lang in (("c-id", "id"), ("c-en", "en")):
        await done_user(core, uid=uid, lang=lang, answers=ANS, platform="console")
        draft = caption(" ", lang)
        out = io.StringIO()
        console = ConsoleAdapter(core, user_id=uid, stdin=io.StringIO(f"/check {draft}\n"), stdout=out,
                                 files_dir=str(tmp_path), auto_start=False)
        inbound = console.to_inbound(f"/check {draft}")
        assert inbound.text == draft and inbound.args[:2] == tuple(draft.split()[:2])
        await console.listen()
        text = out.getvalue()
        assert core.catalog.t(lang, "check.risk.hoax") in text  # the wording at the very end was read
        assert "3000" in text.replace(".", "").replace(",", "")


async def test_console_caps_a_command_like_text(core: Core) -> None:
    await done_user(core, uid="c-long", lang="en", answers=ANS, platform="console")
    console = ConsoleAdapter(core, user_id="c-long", stdin=io.StringIO(""), stdout=io.StringIO(), auto_start=False)
    out = await core.handle(console.to_inbound("/check " + "a" * (MAX_INBOUND_CHARS + 500)))
    assert [o.kind for o in out] == ["refusal"]


def test_discord_dm_command_keeps_line_breaks() -> None:
    message = SimpleNamespace(content="/check Baris satu\nBaris dua\nBaris tiga", attachments=[], stickers=[])
    inbound = dm_inbound(UserRef("discord", "1"), message, SimpleNamespace(catalog=Catalog()))  # type: ignore[arg-type]
    assert inbound.kind == "command" and inbound.command == "check"
    assert inbound.text == "Baris satu\nBaris dua\nBaris tiga"


async def test_telegram_check_reads_a_3000_character_caption_with_line_breaks(tg: FakeTelegram,  # noqa: F811
                                                                               db_path: str) -> None:
    async with running(tg, db_path) as run:
        for uid, lang in ((7101, "id"), (7102, "en")):
            chat = Chat(tg, run.core, uid, lang)
            await done_user(run.core, uid=str(uid), lang=lang, answers=ANS, platform="telegram")
            mark = tg.mark()
            await tg.say(chat.user, "/check " + caption("\n", lang))
            title = chat.t("check.title")
            got = await chat.reply(lambda text: title in text, mark)
            assert chat.t("check.risk.hoax") in got.text
            assert "3000" in got.text.replace(".", "").replace(",", "")
