"""Message catalogs: every user-visible string, per language, from locales/."""
from __future__ import annotations

import os
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from bot.content import parse_doc, read_source
from bot.schema import Doc, Entry, catalog_entries, placeholders

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Catalog", "base_language", "language_docs", "load_language", "placeholders",
           "variant_tags"]

LANGUAGES: tuple[str, ...] = ("id", "en")
DEFAULT_LANGUAGE = "id"
# A language's variant (a register such as formal speech) is a folder `locales/<lang>-<variant>/` holding only the
# texts that differ from `locales/<lang>/`, under the same keys; rendering in the tag `<lang>-<variant>` falls back to
# the language for every other key.
VARIANT_SEP = "-"


def base_language(tag: str) -> str:
    """The language of a catalog tag: 'id' for 'id' and for its variant 'id-formal'."""
    return tag.split(VARIANT_SEP, 1)[0]


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


LOCALES_DIR_ENV = "BRANDCOACH_LOCALES_DIR"


def locales_dir() -> str | None:
    """The directory given by $BRANDCOACH_LOCALES_DIR, or None for the packaged locales."""
    return os.environ.get(LOCALES_DIR_ENV) or None


def language_docs(lang: str) -> tuple[Doc, ...]:
    """Every locales/<lang>/*.toml, parsed, with its source (for line numbers); cached per directory."""
    return _language_docs(lang, locales_dir())


@cache
def _language_docs(lang: str, folder: str | None) -> tuple[Doc, ...]:
    listing = resources.files("locales").joinpath(lang) if folder is None else Path(folder) / lang
    names = sorted(e.name for e in listing.iterdir() if e.name.endswith(".toml"))
    return tuple(parse_doc(*read_source(folder, "locales", f"{lang}/{name}")) for name in names)


def variant_tags(languages: tuple[str, ...] = LANGUAGES) -> tuple[str, ...]:
    """Every variant folder of the given languages ('id-formal'), sorted; cached per directory."""
    return _variant_tags(languages, locales_dir())


@cache
def _variant_tags(languages: tuple[str, ...], folder: str | None) -> tuple[str, ...]:
    listing = resources.files("locales") if folder is None else Path(folder)
    return tuple(sorted(e.name for e in listing.iterdir() if e.is_dir() and VARIANT_SEP in e.name
                        and base_language(e.name) in languages))


def load_language(lang: str) -> dict[str, str]:
    """Merge every locales/<lang>/*.toml into one flat {dotted.key: text} map."""
    out: dict[str, str] = {}
    for doc in language_docs(lang):
        _flatten("", doc.data, out)
    return out


def catalog_entries_by_language(languages: tuple[str, ...] = LANGUAGES) -> dict[str, dict[str, Entry]]:
    """{lang: {dotted.key: Entry(text, file, line)}}, for content checks (cached per directory)."""
    return _entries(languages, locales_dir())


@lru_cache(maxsize=8)
def _entries(languages: tuple[str, ...], folder: str | None) -> dict[str, dict[str, Entry]]:
    return {lang: catalog_entries(_language_docs(lang, folder)) for lang in languages}


class _Safe(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalog:
    """Renders catalog keys in a language (or a language's variant tag, 'id-formal'), falling back to the language,
    then to the default language."""

    def __init__(self, languages: tuple[str, ...] = LANGUAGES) -> None:
        self.languages = languages
        self.messages: dict[str, dict[str, str]] = {lang: load_language(lang) for lang in languages}
        self.variants: dict[str, dict[str, str]] = {tag: load_language(tag) for tag in variant_tags(languages)}

    def tag(self, lang: str, variant: str | None) -> str:
        """The tag to render in: `lang`'s variant when the catalogs have it ('id' + 'formal' -> 'id-formal'), else
        `lang` (English has no formal variant: its texts serve every register)."""
        tag = f"{lang}{VARIANT_SEP}{variant}" if variant else lang
        return tag if tag in self.variants else lang

    def has(self, key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
        return key in self.variants.get(lang, {}) or key in self.messages.get(base_language(lang), {})

    def t(self, lang: str, key: str, **params: Any) -> str:
        """Render `key` in `lang` (a language or a variant tag); unknown keys render as the key itself, never crash."""
        table = self.messages.get(base_language(lang)) or self.messages[DEFAULT_LANGUAGE]
        template = self.variants.get(lang, {}).get(key) or table.get(key) or self.messages[DEFAULT_LANGUAGE].get(key)
        if template is None:
            return key
        if not params:
            return template
        try:
            return template.format_map(_Safe(params))
        except (ValueError, IndexError, KeyError, AttributeError):  # a malformed template never crashes a reply
            return template
