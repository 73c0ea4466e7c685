"""content/whatsapp.toml: the words that run commands, and which approved template each nudge kind goes as outside
the 24-hour window. Its schema and check live here, beside the loader (bot/schema.py's registry runs it)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from bot import schema
from bot.content import content_doc

PARAMS = ("name",)  # what a template's body parameters may be filled with
_NAME = r"[a-z0-9_]{1,512}"

SCHEMA = schema.Table({
    "commands": schema.Field(schema.MapOf(schema.Field(schema.ListOf(str), required=True), key_pattern=r"[a-z_]+")),
    "templates": schema.Field(schema.MapOf(schema.Field(schema.Table({
        "template": schema.Field(str, required=True, pattern=_NAME),
        "category": schema.Field(str, required=True, choices=("utility", "marketing")),
        "params": schema.Field(schema.ListOf(str), choices=PARAMS),
    }), required=True), key_pattern=r"[a-z0-9_]+")),
    "languages": schema.Field(schema.MapOf(schema.Field(str, required=True, pattern=r"[a-z]{2,3}(_[A-Z]{2})?"),
                                           key_pattern=r"[a-z]{2}")),
})


@dataclass(frozen=True)
class Template:
    """The approved template a nudge kind goes as outside the window (its slot name before WHATSAPP_TEMPLATES)."""

    kind: str
    name: str
    category: str
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class WhatsAppContent:
    words: dict[str, str]            # typed word (lower case) -> command
    templates: dict[str, Template]   # nudge kind -> template
    languages: dict[str, str]        # catalog language -> template language code


def findings(data: dict[str, Any]) -> list[schema.Finding]:
    """Schema problems, a word given to two commands, and a nudge kind the nudges do not have."""
    found = schema.validate(data, SCHEMA)
    words: dict[str, str] = {}
    for command, listed in (data.get("commands") or {}).items():
        for word in listed if isinstance(listed, list) else []:
            if not isinstance(word, str) or not word.strip() or " " in word.strip() or word.startswith("/"):
                found.append((f"commands.{command}", f"{word!r} must be one word without a slash"))
            elif words.setdefault(word.strip().lower(), command) != command:
                found.append((f"commands.{command}", f"{word!r} already runs /{words[word.strip().lower()]}"))
    kinds = _nudge_kinds()
    if kinds is not None:
        found += [(f"templates.{kind}", f"unknown nudge kind {kind!r} (content/nudges.toml has {', '.join(kinds)})")
                  for kind in (data.get("templates") or {}) if kind not in kinds]
    return found


def _nudge_kinds() -> list[str] | None:
    try:
        kinds = content_doc("nudges").data.get("kinds")
    except Exception:  # noqa: BLE001  the nudges' own check reports their file
        return None
    return list(kinds) if isinstance(kinds, dict) else None


def check() -> list[schema.Issue]:
    doc = content_doc("whatsapp")
    return doc.issues(findings(doc.data))


@cache
def load() -> WhatsAppContent:
    """The checked content (a problem raises ContentError naming the file and line: the channel does not start)."""
    problems = check()
    if problems:
        raise schema.ContentError(problems)
    data = content_doc("whatsapp").data
    words = {str(w).strip().lower(): str(cmd) for cmd, listed in (data.get("commands") or {}).items()
             for w in listed}
    templates = {kind: Template(kind, str(raw["template"]), str(raw["category"]), tuple(raw.get("params") or ()))
                 for kind, raw in (data.get("templates") or {}).items()}
    return WhatsAppContent(words, templates, {str(k): str(v) for k, v in (data.get("languages") or {}).items()})


schema.register_check("whatsapp", check)
