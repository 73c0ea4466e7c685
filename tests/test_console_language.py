"""The terminal chat offers the other language only while the chat's language is not settled (issue 22, item 8)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.core import Core
from bot.language import PROVISIONAL, LangState


async def _session(core: Core, user_id: str, tmp_path: Path, lines: str, locale: str = "id") -> str:
    out = io.StringIO()
    console = ConsoleAdapter(core, user_id=user_id, stdin=io.StringIO(lines), stdout=out, files_dir=str(tmp_path),
                             locale=locale)
    await console.listen()
    return out.getvalue()


def _hint(core: Core, lang: str) -> str:
    return core.catalog.t(lang, "console.language_hint")


@pytest.mark.parametrize("settle, lang", [("/language id\n", "id"), ("/language en\n", "en"),
                                          ("Halo, saya mau membangun personal branding untuk toko batik saya\n", "id")])
async def test_a_settled_chat_is_not_offered_the_other_language_again(core: Core, tmp_path: Path, settle: str,
                                                                      lang: str) -> None:
    first = await _session(core, f"settle-{lang}-{len(settle)}", tmp_path, settle)
    assert first.count(_hint(core, "id")) == 1  # the first screen, before anything was settled, offers it once
    for _ in range(2):  # every later start of the terminal chat
        again = await _session(core, f"settle-{lang}-{len(settle)}", tmp_path, "")
        assert _hint(core, "id") not in again and _hint(core, "en") not in again


async def test_an_unsettled_chat_is_still_offered_it_at_each_start(core: Core, tmp_path: Path) -> None:
    await _session(core, "unsettled", tmp_path, "")
    assert (await _session(core, "unsettled", tmp_path, "")).count(_hint(core, "id")) == 1


@pytest.mark.parametrize("state, settled", [
    (LangState(None), False), (LangState("id", pending=PROVISIONAL), False), (LangState("id"), True),
    (LangState("en", pinned=True), True), (LangState("id", pending="en", pending_count=1), True),
])
def test_what_settled_means(state: LangState, settled: bool) -> None:
    assert state.settled is settled
