"""/idea: an idea by pillar and format that is never one of the user's last 8 (shared with the nudges' idea_log)."""
from __future__ import annotations

from dataclasses import replace
from functools import partial

from bot.core import Core
from bot.i18n import LANGUAGES, Catalog
from handlers.ideas import NO_REPEAT, idea_text, match_pillar, pick
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


# -- the user's pillar is shown in a slot of its own, never inside an idea's sentence --------------------------

ODD_PILLARS = ["behind the scene", "jualan bakso", "gmn biar laris wkwk", "Q&A", "tips & trik 😊", "k-pop", "x"]


def typed_pillars() -> list[str]:
    """Pillars as the generated answers, the personas and a few odd ones a user might type."""
    import answers as A
    from conftest import PERSONA_EN, PERSONA_ID

    found = [str(p) for lang in LANGUAGES for p in A.plan_answers(None, lang).get("pillars") or []]
    found += [str(p) for persona in (PERSONA_ID, PERSONA_EN) for p in persona.get("pillars") or []]
    return [*found, *ODD_PILLARS]


def test_every_idea_names_the_pillar_only_quoted_in_its_slot() -> None:
    """The sentence names the user's theme in their words, but only quoted, in the {topic} slot: the rest of the
    sentence never depends on what was typed (no 'kenapa kamu mulai menekuni behind the scene'), a pillar too long
    or a whole sentence reads 'this theme', and no pillar reads 'your topic'."""
    cat = Catalog()
    for lang in LANGUAGES:
        t = partial(cat.t, lang)
        has = partial(_has, cat, lang)
        generic = t("idea_topic.named")
        for idea in NC.ideas():
            for fmt in ("photo", "short_video"):
                baseline = idea_text(t, has, idea.id, "zz-marker", fmt)
                assert "{" not in baseline, (lang, idea.id)  # all filled
                quoted = t("idea_topic.quoted", pillar="zz-marker")
                for pillar in typed_pillars():
                    text = idea_text(t, has, idea.id, pillar, fmt)
                    named = " ".join(pillar.split())
                    if len(named) > NC.TOPIC_MAX or any(c in named for c in ".!?;:"):
                        assert text == baseline.replace(quoted, generic), (lang, idea.id, pillar)
                    else:
                        assert text == baseline.replace(quoted, t("idea_topic.quoted", pillar=named)), (lang, pillar)
                assert idea_text(t, has, idea.id, "", fmt) == idea_text(t, has, idea.id, "  ", fmt)
                assert "zz-marker" not in idea_text(t, has, idea.id, "zz-marker. Itu saja!", fmt)


def _has(cat: Catalog, lang: str, key: str) -> bool:
    return cat.has(key, lang)


def test_an_idea_text_that_puts_the_pillar_mid_sentence_is_refused_by_the_content_check() -> None:
    """check-content: idea.<id> may only use what render fills ({topic}, {format}); {pillar} is named."""
    from bot.schema import Text, text_issues
    from bot.content import content_doc
    from bot.i18n import catalog_entries_by_language

    catalogs = catalog_entries_by_language()
    idea_id = NC.ideas()[0].id
    entry = catalogs["id"][f"idea.{idea_id}"]
    bad = {**catalogs, "id": {**catalogs["id"], f"idea.{idea_id}": replace(entry, text="kenapa kamu menekuni {pillar}")}}
    issues = text_issues(content_doc("ideas"), [Text(f"idea.{idea_id}", "ideas[0].id", NC.IDEA_FILLS)], bad)
    assert any("{pillar}" in i.message for i in issues)
    assert not text_issues(content_doc("ideas"), [Text(f"idea.{idea_id}", "ideas[0].id", NC.IDEA_FILLS)], catalogs)


async def test_idea_and_nudge_show_an_odd_pillar_in_its_slot(core: Core) -> None:
    """/idea and the nudge's idea name the pillar once, quoted: in the idea's sentence, else before it."""
    from handlers.reminders.content import render

    cat = Catalog()
    for n, lang in enumerate(LANGUAGES):
        answers = {**ANSWERS, "pillars": ["behind the scene"]}
        user = await done_user(core, uid=f"odd-{lang}", lang=lang, answers=answers)
        out = await cmd(core, user, "idea")
        assert out[0].text.count("behind the scene") == 1 and "“behind the scene”" in out[0].text
        kind = next(k for k in NC.kinds().values() if k.idea)
        chosen = NC.ideas()[n]
        msg = render(cat, lang, kind, nudge_id=1, slot=0, sent_count=0, answers=answers, times=["09:00"], days=[0],
                     week="2026-W02", idea=(chosen, "behind the scene"))
        assert msg.text.count("behind the scene") == 1 and "“behind the scene”" in msg.text
