"""Message catalogs: every user-visible string, per language, from locales/."""
from __future__ import annotations

import os
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from bot.content import parse_doc, read_source
from bot.schema import Doc, Entry, catalog_entries, placeholders

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Catalog", "language_docs", "load_language", "placeholders"]

LANGUAGES: tuple[str, ...] = ("id", "en")
DEFAULT_LANGUAGE = "id"


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
    """Renders catalog keys in a language, falling back to the default language."""

    def __init__(self, languages: tuple[str, ...] = LANGUAGES) -> None:
        self.languages = languages
        self.messages: dict[str, dict[str, str]] = {lang: load_language(lang) for lang in languages}

    def has(self, key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
        return key in self.messages.get(lang, {})

    def t(self, lang: str, key: str, **params: Any) -> str:
        """Render `key` in `lang`; unknown keys render as the key itself, never crash."""
        table = self.messages.get(lang) or self.messages[DEFAULT_LANGUAGE]
        template = table.get(key) or self.messages[DEFAULT_LANGUAGE].get(key)
        if template is None:
            return key
        if not params:
            return template
        try:
            return template.format_map(_Safe(params))
        except (ValueError, IndexError, KeyError, AttributeError):  # a malformed template never crashes a reply
            return template
