"""Loads coaching content (questionnaire, nudges, ideas) from the content/ package or $BRANDCOACH_CONTENT_DIR."""
from __future__ import annotations

import os
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from bot.schema import ContentError, Doc, Issue

CONTENT_DIR_ENV = "BRANDCOACH_CONTENT_DIR"


def content_dir() -> str | None:
    """The directory given by $BRANDCOACH_CONTENT_DIR, or None for the packaged content."""
    return os.environ.get(CONTENT_DIR_ENV) or None


def read_source(folder: str | None, package: str, name: str) -> tuple[str, str]:
    """(file label for messages, text) of <name> in `folder`, or in the packaged `package` when folder is None."""
    if folder is None:
        return f"{package}/{name}", resources.files(package).joinpath(name).read_text(encoding="utf-8")
    path = Path(folder) / name
    return str(path), path.read_text(encoding="utf-8")


def parse_doc(file: str, text: str) -> Doc:
    """Parse TOML into a Doc; bad TOML raises ContentError naming the file and line."""
    try:
        return Doc(file, text, tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise ContentError([Issue(file, int(found.group(1)) if found else 1, "", f"invalid TOML: {exc}")]) from exc


@cache
def _doc(name: str, folder: str | None) -> Doc:
    return parse_doc(*read_source(folder, "content", f"{name}.toml"))


def content_doc(name: str) -> Doc:
    """content/<name>.toml with its source text and file label, for checks that report lines."""
    return _doc(name, content_dir())


def load_content(name: str) -> dict[str, Any]:
    """Parse content/<name>.toml (cached: content does not change while the bot runs)."""
    return content_doc(name).data
