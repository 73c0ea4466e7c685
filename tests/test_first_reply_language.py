"""The language of the first reply at the name step: a clearly English introduction ("Hi! I'm Maya Lindqvist, Maya
Yoga Bali") settles English, an Indonesian one stays Indonesian, and a bare name tells no language (the chat stays
provisional). Several writers' phrasings."""
from __future__ import annotations

import pytest

from bot.core import Core
from bot.i18n import base_language
from bot.language import PROVISIONAL
from nudge_helpers import cmd, say


async def _first(core: Core, uid: str, text: str) -> tuple[str, str | None]:
    """(the language the reply to a first message is in, the user's pending language mark after it)."""
    user = await core.storage.get_or_create_user("fake", uid, "X")
    await core.storage.update_user(user.id, locale_hint="id")
    out = await say(core, user, text)
    found = await core.storage.find_user("fake", uid)
    assert found is not None
    return base_language(out[-1].lang), found.lang_pending


@pytest.mark.parametrize("text", ["Hi! I'm Maya Lindqvist, Maya Yoga Bali", "I'm Maya Lindqvist, Maya Yoga Bali",
                                  "Hello, my name is Maya Lindqvist", "Hi there! I'm Sarah Tan, Tan Dental Care"])
async def test_an_english_introduction_settles_english(core: Core, text: str) -> None:
    lang, pending = await _first(core, f"en-{abs(hash(text))}", text)
    assert lang == "en" and pending is None


@pytest.mark.parametrize("text", ["Selamat siang. Nama saya Drs. H. Bambang Suryono, M.Si.",
                                  "Halo kak, aku Rina, Rina Batik"])
async def test_an_indonesian_introduction_stays_indonesian(core: Core, text: str) -> None:
    assert (await _first(core, f"id-{abs(hash(text))}", text))[0] == "id"


@pytest.mark.parametrize("text", ["Maya Lindqvist", "Maya Lindqvist, Maya Yoga Bali"])
async def test_a_bare_name_tells_no_language(core: Core, text: str) -> None:
    user = await core.storage.get_or_create_user("fake", f"bare-{abs(hash(text))}", "X")
    await cmd(core, user, "start")
    before = await core.storage.find_user("fake", user.platform_user_id)
    assert before is not None and before.lang_pending == PROVISIONAL
    await say(core, user, text)
    after = await core.storage.find_user("fake", user.platform_user_id)
    assert after is not None and after.language == before.language and after.lang_pending == PROVISIONAL
