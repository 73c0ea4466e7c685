"""Loads coaching content (questionnaire, nudges, ideas) from the content/ package."""
from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any


@lru_cache(maxsize=None)
def load_content(name: str) -> dict[str, Any]:
    """Parse content/<name>.toml, or <$BRANDCOACH_CONTENT_DIR>/<name>.toml when set (cached: content does not
    change while the bot runs)."""
    folder = os.environ.get("BRANDCOACH_CONTENT_DIR")
    source = Path(folder) if folder else resources.files("content")
    text = source.joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)
