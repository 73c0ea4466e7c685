"""Every user-visible string exists in both languages with the same placeholders.

The content-driven rules live in the content checks (bot/schema.py, handlers/steps.py, handlers/reminders/content.py);
these tests run them on the real catalogs and add what content does not declare (command names).
"""
from __future__ import annotations

from bot import schema
from bot.i18n import LANGUAGES, Catalog, catalog_entries_by_language
from handlers.reminders import content as NC
from handlers import steps as S
from handlers import MENU as COMMANDS


def test_both_catalogs_have_the_same_keys_and_placeholders() -> None:
    assert [str(i) for i in schema.cross_language_issues(catalog_entries_by_language())] == []


def test_cross_language_check_sees_a_missing_key_and_a_placeholder_mismatch() -> None:
    entry = schema.Entry("Hi {name}", "locales/en/x.toml", 3)
    catalogs = {"id": {"a": schema.Entry("Hai {nama}", "locales/id/x.toml", 3)}, "en": {"a": entry, "b": entry}}
    issues = schema.cross_language_issues(catalogs)
    assert [(i.path, i.file) for i in issues] == [("a", "locales/en/x.toml"), ("b", "locales/en/x.toml")]
    assert "missing in 'id'" in issues[1].message


def test_every_step_option_kind_and_idea_has_its_texts() -> None:
    assert [str(i) for i in S.check()] == []
    assert [str(i) for i in NC.check()] == []
    needed = {t.key for t in S.step_texts(S.load_content("questionnaire")) if not t.optional}
    assert {f"q.{s.id}.prompt" for s in S.all_steps()} <= needed
    assert {f"opt.{s.id}.{o}" for s in S.all_steps() for o in s.options} <= needed


def test_every_command_has_its_text() -> None:
    cat = Catalog()
    for lang in LANGUAGES:
        for name in COMMANDS:
            assert cat.has(f"cmd.{name}", lang), (lang, name)


def test_unknown_key_renders_as_itself_and_missing_param_does_not_crash() -> None:
    cat = Catalog()
    assert cat.t("en", "no.such.key") == "no.such.key"
    assert "{max}" in cat.t("en", "err.too_long", count=5)


def test_questionnaire_content_is_valid() -> None:
    steps = S.all_steps()
    assert len(steps) >= 18
    assert S.step_findings(S.load_content("questionnaire")) == []
    assert all(s.options or s.options_from for s in steps if s.kind in ("choice", "multi"))


# Words of a role's label that name no role on their own ("Public official", "Content creator", "Everyday person").
NOT_A_ROLE = {"public", "publik", "content", "konten", "everyday", "person", "orang", "biasa"}


def role_words(cat: Catalog, lang: str) -> dict[str, str]:
    """Each word of the role options' labels that names one role -> that role."""
    import re

    role = next(s for s in S.all_steps() if s.id == "role")
    owners: dict[str, set[str]] = {}
    for option in role.options:
        for word in re.findall(r"\w+", cat.t(lang, f"opt.role.{option}").lower()):
            owners.setdefault(word, set()).add(option)
    return {w: next(iter(o)) for w, o in owners.items() if len(o) == 1 and len(w) > 3 and w not in NOT_A_ROLE}


def test_questions_shown_to_everyone_never_address_one_role_only() -> None:
    """A bakso seller and an official get the same hints as an artist: a question or hint names no role, or several
    (examples from different roles), never one ('Banyak artis dibantu tim khusus…')."""
    import re

    cat = Catalog()
    for lang in LANGUAGES:
        words = role_words(cat, lang)
        assert len(set(words.values())) >= 5  # the labels give words for most roles
        for step in S.all_steps():
            for part in ("prompt", "hint"):
                key = f"q.{step.id}.{part}"
                if step.id == "role" or not cat.has(key, lang):
                    continue
                said = re.findall(r"\w+", cat.t(lang, key).lower())
                named = {words[w.removesuffix("s")] for w in said if w.removesuffix("s") in words} | {
                    words[w] for w in said if w in words}
                assert len(named) != 1, (lang, key, named)
