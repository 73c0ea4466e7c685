"""Loads coaching content (questionnaire, nudges, ideas) from the content/ package."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=None)
def load_content(name: str) -> dict[str, Any]:
    """Parse content/<name>.toml (cached: content does not change while the bot runs)."""
    text = resources.files("content").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)
