"""/check on sponsored posts and product claims: an undisclosed paid or affiliate promotion, a fast beauty result
promised, a health claim quoted by the words that make it, and false scarcity answered with a fix about scarcity."""
from __future__ import annotations

import pytest

from bot.core import Core
from handlers.check.review import risks
from handlers.understand.risk import assess
from nudge_helpers import cmd, done_user


@pytest.mark.parametrize("draft", [
    "Guys literally ini serum paling worth it!! Glowing in 3 days no cap. Link di bio ya bestie, pake kode NADIRA10 "
    "buat diskon 🫶",
    "Jerawat hilang semalam pake toner ini, kode AYU15 buat diskon 15%",
    "My skin was glowing in 3 days with this one, use my code SARA20 for 20% off",
    "Dapat dari brand nih, sunscreen paling ringan yang pernah aku coba. Cek keranjang kuning",
    "Sis ini lip tint fav aku, pakai kode RINA5 untuk potongan 5rb yaa",
    "Got this in my PR package last week and honestly obsessed. Link in bio!",
])
def test_an_undisclosed_paid_promotion_is_asked_to_disclose(draft: str) -> None:
    found = {f.risk: f for f in assess(draft)}
    assert "undisclosed_ad" in found
    assert found["undisclosed_ad"].quote and found["undisclosed_ad"].quote in draft


@pytest.mark.parametrize("draft", [
    "#iklan Guys ini serum paling worth it, pake kode NADIRA10 buat diskon. Link di bio",
    "Paid partnership with @glowlab: use code SARA20 for 20% off. Link in bio",
    "Kerja sama dengan @brandx, pake kode NADIRA10 buat diskon ya bestie",
    "Sunscreen ini dapat dari brand, #sponsored ya. Pake kode RINA5 buat diskon",
    "Promo toko kami: pakai kode HEMAT10 untuk diskon 10% sampai 31 Desember",  # one's own shop: nobody pays
    "Join our 3 days workshop on personal branding, 12-14 December. Link in bio",
    "Workshop 3 hari tentang menulis caption, daftar lewat link di bio",
    "Kulitku makin cerah setelah 3 minggu rutin pakai sunscreen, pelan-pelan aja",
])
def test_disclosed_promotions_and_look_alikes_stay_clean(draft: str) -> None:
    assert risks(draft) == ()


@pytest.mark.parametrize(("draft", "words"), [
    ("Guys literally ini serum paling worth it!! Glowing in 3 days no cap.", "Glowing in 3 days"),
    ("Bestie serum ini worth it bgt, putih dalam 7 hari! cek link di bio", "putih dalam"),
    ("Pake ini 3 hari udah glowing parah", "3 hari udah glowing"),
    ("Jerawat hilang semalam pake toner ini", "Jerawat hilang"),
    ("Acne gone in 2 days!! link in bio", "Acne gone"),
    ("Kue kering enak murah!! Dijamin halal & sehat, bisa turunin kolesterol. Order skrg kak sblm kehabisan",
     "turunin kolesterol"),
    ("Teh herbal ini bisa menurunkan gula darah loh, order sekarang", "menurunkan gula darah"),
    ("This tea lowers cholesterol naturally, order now!", "lowers cholesterol"),
])
def test_a_fast_result_or_health_claim_quotes_the_claim(draft: str, words: str) -> None:
    found = {f.risk: f.quote for f in assess(draft)}
    assert found.get("health_money") == words


async def test_false_scarcity_gets_a_fix_about_scarcity_not_giveaways(core: Core) -> None:
    draft = "Kue kering enak murah!! Dijamin halal & sehat, bisa turunin kolesterol. Order skrg kak sblm kehabisan"
    found = {f.risk: f for f in assess(draft)}
    assert found["deceptive_promo"].quote == "sblm kehabisan" and found["deceptive_promo"].fix == "scarcity"
    for uid, lang in (("s1", "id"), ("s2", "en"), ("s3", "id-formal")):
        user = await done_user(core, uid=uid, lang=lang)
        text, t = (await cmd(core, user, "check", *draft.split()))[0].text, core.catalog.t
        assert t(lang, "check.fix_for.scarcity") in text
        assert t(lang, "check.fix.deceptive_promo") not in text
        assert "“turunin kolesterol”" in text


async def test_the_disclosure_finding_is_said_in_every_language(core: Core) -> None:
    draft = "Guys ini serum paling worth it, pake kode NADIRA10 buat diskon. Link di bio ya bestie"
    for uid, lang in (("d1", "id"), ("d2", "en"), ("d3", "id-formal")):
        user = await done_user(core, uid=uid, lang=lang)
        text, t = (await cmd(core, user, "check", *draft.split()))[0].text, core.catalog.t
        assert t(lang, "check.risk.undisclosed_ad") in text and t(lang, "check.fix.undisclosed_ad") in text
        assert t(lang, "check.no_risk") not in text
