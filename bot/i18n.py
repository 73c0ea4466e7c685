"""Message catalogs: every user-visible string, per language, from locales/."""
from __future__ import annotations

import os
import string
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("id", "en")
DEFAULT_LANGUAGE = "id"


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


def load_language(lang: str) -> dict[str, str]:
    """Merge every locales/<lang>/*.toml (or <$BRANDCOACH_LOCALES_DIR>/<lang>/*.toml) into one {dotted.key: text}."""
    out: dict[str, str] = {}
    root = os.environ.get("BRANDCOACH_LOCALES_DIR")
    folder = (Path(root) if root else resources.files("locales")).joinpath(lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            _flatten("", data, out)
    return out


def placeholders(template: str) -> set[str]:
    """Names used as {placeholders} in a template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


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
