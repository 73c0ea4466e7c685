"""The pictures' font (DejaVu Sans, shipped in fonts/ with its licence) and text made safe for it.

Imaging libraries are imported inside the functions, so that start-up (and `brandcoach --help`) never loads them.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
_SPACES = re.compile(r"[ \t]+")
_EMOJI_GLUE = "\u200d\ufe0e\ufe0f\u20e3"  # zero-width joiner, variation selectors, keycap: parts of emoji


@lru_cache(maxsize=1)
def covered() -> frozenset[int]:
    """Code points both faces draw (the regular's and the bold's cmaps)."""
    from fontTools.ttLib import TTFont

    maps = [set(TTFont(str(path), lazy=True).getBestCmap()) for path in (REGULAR, BOLD)]
    return frozenset(maps[0] & maps[1])


def safe(text: str) -> str:
    """The text with what the font cannot draw left out (emoji, their joiners and variation selectors).

    Emoji are decoration in a chat; on a printed card a missing-glyph box would look broken, so they go quietly.
    """
    have = covered()
    kept = []
    for ch in unicodedata.normalize("NFC", str(text)):
        if ch in _EMOJI_GLUE:
            continue
        if ch in "\n\t" or ord(ch) in have:
            kept.append(ch)
        elif unicodedata.category(ch) == "Zs":
            kept.append(" ")
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(kept).split("\n")]
    return "\n".join(lines).strip()


@lru_cache(maxsize=256)
def pil_font(size: int, bold: bool = False) -> FreeTypeFont:
    """The face at a pixel size, made once per process (Pillow fonts are immutable; the card's layout tries a few
    dozen sizes)."""
    from PIL import ImageFont

    return ImageFont.truetype(str(BOLD if bold else REGULAR), size)
