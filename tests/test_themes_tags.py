"""Issue 23 (3, 7): a pillar's themes by meaning, ideas that fit them and their slot, and hashtags people search."""
from __future__ import annotations

import itertools
from functools import partial

import pytest

from bot.content import load_content
from bot.i18n import LANGUAGES, Catalog
from handlers import hashtags as H
from handlers import ideas as I
from handlers import themes as T
from handlers.reminders import content as NC


def _themed(theme: str) -> set[str]:
    return {i.id for i in NC.ideas() if theme in i.themes}


@pytest.mark.parametrize("pillar, theme, not_theme", [
    ("GRWM kuliah", "beauty", "education"),              # "kuliah" alone is no classroom
    ("honest review produk lokal", "review", "business"),  # a reviewer is not a shop
    ("kelas yoga untuk pemula", "health", "education"),
    ("komunikasi dengan orang tua murid", "education", "daily"),
    ("cerita keseharian musisi indie", "music", "faith"),
    ("program kerja desa", "public", "career"),
])
def test_a_pillar_gets_the_theme_it_means(pillar: str, theme: str, not_theme: str) -> None:
    found = NC.pillar_themes(pillar)
    assert theme in found and not_theme not in found, (pillar, found)
    ids = {i.id for i in I.ranked(pillar, ["exist", "engage", "explain"], "s")}
    assert _themed(theme) & ids and not (_themed(not_theme) - _themed(theme)) & ids, pillar


def test_an_ambiguous_word_alone_decides_nothing_but_two_do() -> None:
    weak = load_content("ideas")["weak_cues"]
    for theme, words in weak.items():
        for word in words:
            assert theme not in T.pillar_themes(f"zz {word} zz") or T.scores(f"zz {word} zz")[theme] >= T.MIN_SCORE
            assert T.scores(f"zz {word} zz").get(theme, 0) <= T.WEAK or len(word.split()) > 1 \
                or word in load_content("ideas")["themes"].get(theme, [])
    for theme, words in weak.items():
        singles = [w for w in words if len(w.split()) == 1]
        if len(singles) >= 2:
            assert theme in T.pillar_themes(f"{singles[0]} {singles[1]}"), (theme, singles[:2])


def test_a_whole_phrase_beats_its_single_words() -> None:
    cues = load_content("ideas")["themes"]
    for theme, words in cues.items():
        for phrase in (w for w in words if len(w.split()) > 1):
            assert theme in T.pillar_themes(phrase), (theme, phrase)


def test_ideas_fit_the_slot_they_name() -> None:
    """An idea whose text names a platform (TikTok, YouTube...) is only drawn on that platform; a format it names
    as words in one language is one of its formats."""
    cat = Catalog()
    platforms = {p: cat.t("en", f"opt.focus_platforms.{p}") for p in ("tiktok", "youtube", "instagram", "linkedin")}
    for idea in NC.ideas():
        for lang in LANGUAGES:
            text = cat.t(lang, f"idea.{idea.id}", topic="x", format="y")
            for p, label in platforms.items():
                if label.split()[0] in text:
                    assert p in idea.platforms, (idea.id, lang, label)


def test_idea_names_the_users_pillar() -> None:
    cat = Catalog()
    t = partial(cat.t, "id")
    text = I.idea_text(t, lambda k: cat.has(k, "id"), "question", "GRWM kuliah", "photo")
    assert "“GRWM kuliah”" in text and cat.t("id", "idea_topic.named") not in text


GLUED_PILLARS = ["komunikasi dengan orang tua murid", "cerita keseharian musisi indie di Surabaya",
                 "kolaborasi bareng musisi lokal Jawa Timur", "honest review produk lokal", "GRWM kuliah",
                 "yoga and breathwork for busy parents", "program kerja desa Sukamaju", "musik akustik"]


def test_hashtags_are_short_mixed_and_never_a_whole_pillar() -> None:
    data = load_content("hashtags")
    for pillar, platform in itertools.product(GLUED_PILLARS, data["per_platform"]):
        lang = H.audience_lang([pillar])
        tags = H.suggest([pillar], H.per_platform(platform), lang)
        assert len(tags) <= H.per_platform(platform)
        words = pillar.lower().split()
        for tag in tags:
            assert tag.startswith("#") and 3 <= len(tag) - 1 <= data["max_chars"], tag
            assert len(words) < 3 or tag[1:] != "".join(words), (pillar, tag)
        if H.per_platform(platform) >= 2 and T.pillar_themes(pillar):  # broad and niche mixed
            broad = {f"#{t}" for t in H.broad(pillar, lang)}
            assert set(tags) & broad and set(tags) - broad, (pillar, tags)


def test_hashtags_follow_the_audience_language() -> None:
    id_tags = H.suggest(["resep masakan untuk anak kos"], 5, H.audience_lang(["resep masakan untuk anak kos"]))
    en_tags = H.suggest(["recipes for the busy student"], 5, H.audience_lang(["recipes for the busy student"]))
    themes = load_content("hashtags")["themes"]
    assert set(id_tags) & {f"#{t}" for t in themes["food"]["id"]} and "#anakkos" in id_tags
    assert set(en_tags) & {f"#{t}" for t in themes["food"]["en"]}


def test_check_suggests_searched_tags_not_the_glued_pillar() -> None:
    from handlers.check.review import review
    answers = {"pillars": ["komunikasi dengan orang tua murid", "tips belajar di rumah"], "focus_platforms": ["instagram"]}
    r = review("Hari ini rapat dengan orang tua murid kelas 5. Terima kasih sudah hadir!", answers)
    assert r.suggestions and "#komunikasidenganorangtuamurid" not in r.suggestions
    assert all(len(t) <= 21 for t in r.suggestions)
