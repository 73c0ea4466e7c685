"""Every user-visible string exists in both languages with the same placeholders."""
from __future__ import annotations

from bot.i18n import LANGUAGES, Catalog, placeholders
from handlers import steps as S
from handlers import MENU as COMMANDS


def test_both_catalogs_have_the_same_keys() -> None:
    cat = Catalog()
    id_keys, en_keys = set(cat.messages["id"]), set(cat.messages["en"])
    assert id_keys - en_keys == set(), "keys missing in en"
    assert en_keys - id_keys == set(), "keys missing in id"


def test_placeholders_match_across_languages() -> None:
    cat = Catalog()
    for key, template in cat.messages["id"].items():
        assert placeholders(template) == placeholders(cat.messages["en"][key]), key


def test_every_step_and_option_has_its_texts() -> None:
    cat = Catalog()
    for lang in LANGUAGES:
        for step in S.all_steps():
            assert cat.has(f"q.{step.id}.prompt", lang), (lang, step.id)
            assert cat.has(f"q.{step.id}.short", lang), (lang, step.id)
            assert cat.has(f"sec.{step.section}", lang), (lang, step.section)
            for opt in step.options:
                assert cat.has(f"opt.{step.id}.{opt}", lang), (lang, step.id, opt)
        for name in COMMANDS:
            assert cat.has(f"cmd.{name}", lang), (lang, name)


def test_unknown_key_renders_as_itself_and_missing_param_does_not_crash() -> None:
    cat = Catalog()
    assert cat.t("en", "no.such.key") == "no.such.key"
    assert "{max}" in cat.t("en", "err.too_long", count=5)


def test_questionnaire_content_is_valid() -> None:
    steps = S.all_steps()
    assert len(steps) >= 18
    ids = [s.id for s in steps]
    for s in steps:
        if s.options_from:
            assert s.options_from in ids[: ids.index(s.id)]
        if s.when:
            assert s.when[0] in ids[: ids.index(s.id)]
        if s.kind in ("choice", "multi") and not s.options_from:
            assert s.options
