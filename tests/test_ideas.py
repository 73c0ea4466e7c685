"""/idea: an idea by pillar and format that is never one of the user's last 8 (shared with the nudges' idea_log)."""
from __future__ import annotations

from bot.core import Core
from handlers.ideas import NO_REPEAT, match_pillar, pick
from handlers.reminders import content as NC
from handlers.reminders.store import NudgeStore
from nudge_helpers import ANSWERS, cmd, done_user, keys, tap


def test_pick_skips_the_recent_ideas_for_any_pillar_and_purposes() -> None:
    for pillar in ["musik akustik", "kopi pagi", "", "zzz"]:
        for purposes in (["engage"], ["explain"], [], ["exist", "reminder"]):
            recent: list[str] = []
            for n in range(40):
                idea = pick(pillar, purposes, recent, f"s{n}")
                assert idea is not None and idea.id not in recent[:NO_REPEAT]
                recent.insert(0, idea.id)


def test_pillar_argument_by_number_or_words() -> None:
    pillars = ["musik akustik", "kopi pagi", "kehidupan kampus"]
    assert match_pillar(pillars, "2") == 1
    assert match_pillar(pillars, "Kopi") == 1
    assert match_pillar(pillars, "kampus") == 2
    assert match_pillar(pillars, "gitar") is None and match_pillar(pillars, "9") is None


async def test_idea_never_repeats_the_last_eight(core: Core) -> None:
    user = await done_user(core, lang="en")
    store = NudgeStore(core.storage)
    for n in range(30):
        recent = await store.recent_ideas(user.id)
        out = await cmd(core, user, "idea", *(["kopi"] if n % 3 else []))
        assert keys(out) == ["ideas.title"]
        given = (await store.recent_ideas(user.id))[0]
        assert given not in recent[:NO_REPEAT]
        assert any(c.value.startswith("i:") for c in out[0].choices)
    assert "kopi pagi" in out[0].text


async def test_idea_by_pillar_and_button(core: Core) -> None:
    user = await done_user(core, lang="id")
    out = await cmd(core, user, "idea", "musik")
    assert "musik akustik" in out[0].text.split("\n")[0]
    more = [c for c in out[0].choices if c.value == "i:0:-1"]
    assert more
    out = await tap(core, user, more[0].value)
    assert keys(out) == ["ideas.title"] and "musik akustik" in out[0].text
    out = await cmd(core, user, "idea", "gitar")
    assert keys(out) == ["ideas.unknown_pillar", "ideas.title"]


async def test_nudge_ideas_and_idea_share_the_log(core: Core) -> None:
    user = await done_user(core, lang="en")
    store = NudgeStore(core.storage)
    sent = [i.id for i in NC.ideas()][:NO_REPEAT]
    for n, idea in enumerate(reversed(sent)):
        await store.log_idea(user.id, idea, 1000 + n)
    for _ in range(5):
        await cmd(core, user, "idea")
        assert (await store.recent_ideas(user.id))[0] not in sent
    assert ANSWERS["pillars"]
