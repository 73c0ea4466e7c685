"""/check: the labelled drafts table (tests/data/check_drafts.tsv), the review's parts, and the command's flow."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import Core
from handlers.check.review import review, risks
from nudge_helpers import ANSWERS, cmd, done_user, keys, say

TABLE = Path(__file__).parent / "data" / "check_drafts.tsv"


def rows() -> list[tuple[str, set[str], str]]:
    out = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, expected, draft = line.split("\t")
            out.append((lang, set() if expected == "-" else set(expected.split(",")), draft))
    return out


@pytest.mark.parametrize(("lang", "expected", "draft"), rows(), ids=[r[2][:40] for r in rows()])
def test_labelled_drafts(lang: str, expected: set[str], draft: str) -> None:
    assert set(risks(draft)) == expected


def test_the_table_covers_every_class_both_ways_in_both_languages() -> None:
    table = rows()
    assert len(table) >= 40
    classes = {"harassment", "sara", "hoax", "defamation", "bait", "caps"}
    for cls in classes:
        for lang in ("id", "en"):
            assert any(cls in exp and la == lang for la, exp, _ in table), (cls, lang)
    assert sum(1 for _, exp, _ in table if not exp) >= 15  # negated, quoted, educational and plain drafts


def test_limits_for_the_users_platforms() -> None:
    answers = {**ANSWERS, "focus_platforms": ["x", "instagram", "tiktok"]}
    long = "Cerita di balik lagu akustik baru. " * 10 + " ".join(f"#tag{n}" for n in range(31))
    r = review(long, answers)
    over = {(o.platform, o.what) for o in r.over}
    assert over == {("x", "chars"), ("instagram", "hashtags")}
    assert r.checked == ("x", "instagram", "tiktok")
    short = review("Lagu akustik baru, dengarkan di link bio!", answers)
    assert short.over == () and short.cta and short.pillar == "musik akustik"
    assert "#musikakustik" in short.suggestions


def test_call_to_action_and_pillar() -> None:
    assert not review("Pagi yang tenang di kafe.", ANSWERS).cta
    assert review("Kopi pagi kalian apa?", ANSWERS).cta
    assert review("Kopi pagi kalian apa?", ANSWERS).pillar == "kopi pagi"
    assert review("Hari ini hujan.", ANSWERS).pillar is None
    tagged = review("Hari ini hujan. #kopipagi", ANSWERS)
    assert tagged.pillar == "kopi pagi" and "#kopipagi" not in tagged.suggestions


async def test_check_with_a_draft_replies_in_the_users_language(core: Core) -> None:
    user = await done_user(core, lang="id")
    out = await cmd(core, user, "check", "DASAR", "GOBLOK", "SEMUA", "YANG", "KOMEN", "DI", "SINI")
    assert keys(out) == ["check.title"]
    assert "Hinaan" in out[0].text and "kapital" in out[0].text and "ketenaran negatif" in out[0].text
    en = await done_user(core, uid="u2", lang="en")
    out = await cmd(core, en, "check", "New", "acoustic", "song", "out", "now.", "Listen", "via", "the", "link", "in", "bio")
    assert "nothing risky" in out[0].text and "asks readers" in out[0].text and "musik akustik" in out[0].text


async def test_check_alone_waits_for_the_draft_and_stores_nothing(core: Core) -> None:
    user = await done_user(core, lang="en")
    before = await core.storage.export_user(user.id)
    out = await cmd(core, user, "check")
    assert keys(out) == ["check.ask"] and out[0].expects == "text"
    draft = "Share before it gets deleted: secret recipe for kopi pagi!"
    out = await say(core, user, draft)
    assert keys(out) == ["check.title"] and "hoax" in out[0].text
    after = await core.storage.export_user(user.id)
    assert draft not in repr(after) and "deleted" not in repr(after)
    assert after["answers"] == before["answers"]
    flow = await core.storage.get_flow(user.id)
    assert flow is not None and flow.awaits is None  # the next message is not taken as a draft


@pytest.mark.parametrize("draft", [
    "Warga etnis X itu pemalas semua, jangan pilih calon dari agama Y! #jatim #pilkada #kopipagi",
    "Share before they delete this! Kopi pagi secret.",
    "Idiots who buy fake batik deserve it. Buy kopi pagi from us instead!",
    "yg gak share berarti pendukung penipu. Kopi pagi!",
])
def test_bait_and_insults_get_no_praise(draft: str) -> None:
    r = review(draft, ANSWERS)
    assert r.risks and r.withheld and not r.cta and r.bait_cta


def test_a_risky_draft_without_any_ask_is_not_called_bait() -> None:
    r = review("Toko batik sebelah itu penipu", ANSWERS)
    assert r.risks == ("defamation",) and not r.cta and not r.bait_cta


def test_chat_spellings_are_read_as_words() -> None:
    assert risks("yg gak share berarti pendukung penipu") == ("bait",)
    assert risks("yang nggak share berarti pendukung penipu") == ("bait",)
    assert risks("Yg tdk share berarti gak sayang ibu") == ("bait",)


async def test_a_risky_draft_is_not_praised_in_either_language(core: Core) -> None:
    for uid, lang in (("u1", "id"), ("u2", "en")):
        user = await done_user(core, uid=uid, lang=lang)
        draft = "Warga etnis X itu pemalas semua, jangan pilih calon dari agama Y! Kopi pagi #kopipagi"
        out = await cmd(core, user, "check", *draft.split())
        text = out[0].text
        t = core.catalog.t
        assert t(lang, "check.risk.sara") in text and t(lang, "check.cta_withheld") in text
        assert t(lang, "check.cta_yes") not in text and t(lang, "check.no_risk") not in text
        assert t(lang, "check.on_brand", pillar="kopi pagi") not in text
        clean = await cmd(core, user, "check", *"Kopi pagi kalian apa? Tulis di komentar".split())
        assert t(lang, "check.cta_yes") in clean[0].text and t(lang, "check.on_brand", pillar="kopi pagi") in clean[0].text


async def test_bait_is_called_bait_once(core: Core) -> None:
    """'like kalau setuju' drew the bait warning and then the same point again as a withheld call to action."""
    for uid, lang in (("b1", "id"), ("b2", "en")):
        user = await done_user(core, uid=uid, lang=lang)
        out = await cmd(core, user, "check", *"Kopi pagi paling enak, like kalau setuju".split())
        text, t = out[0].text, core.catalog.t
        assert t(lang, "check.risk.bait") in text
        assert t(lang, "check.cta_withheld") not in text and t(lang, "check.cta_no") not in text


@pytest.mark.parametrize("draft, found", [
    ("Katanya bakso sebelah pake daging tikus, share aja biar pada tau.", ("defamation", "hoax")),
    ("Bakso Pak Kumis pakai boraks!", ("defamation",)),
    ("The stall next door uses rat meat.", ("defamation",)),
    ("Bakso kami tanpa boraks dan formalin, aman buat anak.", ()),                        # about one's own food
    ("Cara mengenali bakso yang mengandung boraks: teksturnya kenyal sekali.", ()),       # education
    ("Resep bakso sapi asli, share aja ke temanmu ya", ()),                              # sharing, no rumour
])
def test_a_food_rumour_about_the_seller_next_door_is_an_accusation(draft: str, found: tuple[str, ...]) -> None:
    assert risks(draft) == found
