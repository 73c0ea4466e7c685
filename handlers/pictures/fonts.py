"""The pictures' font (DejaVu Sans, shipped in fonts/ with its licence) and text made safe for it.

Imaging libraries are imported inside the functions, so that start-up (and `brandcoach --help`) never loads them.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


# What plans are written in: Latin letters with their accents, punctuation, currency signs, and every character of
# the catalogs and the content (read once per process). A document with any other character (Arabic, Hebrew,
# Greek...) uses the whole faces, as before. Every glyph more costs each PDF a little (fontTools reads the cut face
# again per document), so the ranges stay narrow.
SMALL_RANGES = ((0x20, 0x7E), (0xA0, 0x17F), (0x2010, 0x2044), (0x20AC, 0x20AC))


def _written_chars() -> set[int]:
    """Every character in the catalogs' and the content's files (their comments too: a few more glyphs at most)."""
    from importlib import resources

    from bot.i18n import locales_dir

    folders: list[Any] = [resources.files("content"), resources.files("locales")]
    if locales_dir():
        folders.append(Path(str(locales_dir())))
    chars: set[int] = set()
    for folder in folders:
        for file in Path(str(folder)).rglob("*.toml"):
            chars.update(ord(c) for c in file.read_text(encoding="utf-8"))
    return chars


@lru_cache(maxsize=1)
def small_chars() -> frozenset[int]:
    """The characters the small faces hold: SMALL_RANGES and the catalogs' characters that both faces draw."""
    wanted = {c for lo, hi in SMALL_RANGES for c in range(lo, hi + 1)} | _written_chars()
    return frozenset(wanted & covered())


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


def within_small(texts: Iterable[str]) -> bool:
    """Whether every character of `texts` (line breaks aside) is one the cut faces hold (small_chars)."""
    return {ord(c) for text in texts for c in text} <= small_chars() | {0x0A}


# Whether the pictures drawn here need the whole faces (their text holds a character the card faces lack).
_WHOLE: ContextVar[bool] = ContextVar("whole_faces", default=False)


@contextmanager
def faces_for(texts: Iterable[str]) -> Iterator[None]:
    """Draw inside this block with the card faces (`card_faces`) when every character of `texts` is in them, else
    with the whole faces."""
    token = _WHOLE.set(not within_small(texts))
    try:
        yield
    finally:
        _WHOLE.reset(token)


def cut_face(path: Path, unicodes: Iterable[int], whole_design: bool) -> bytes:
    """The face at `path` cut to `unicodes` (fontTools). `whole_design`: its hinting and layout tables kept, so a text
    within it is drawn exactly as with the whole face (the card, by Pillow); else without them (the PDF's: fpdf2
    drops them anyway, and PDF viewers need no hints)."""
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True, recalcTimestamp=False)
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, hinting=whole_design,
                             layout_features=["*"] if whole_design else [], name_IDs=["*"], glyph_names=True,
                             legacy_kern=whole_design)
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: nothing draws them (and fontTools warns)
    if not whole_design:
        options.drop_tables += ["GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "kern"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(unicodes))
    subsetter.subset(font)
    data = io.BytesIO()
    font.save(data)
    return data.getvalue()


@lru_cache(maxsize=1)
def card_faces() -> dict[bool, bytes]:
    """Both faces (key: bold) cut once per process to the characters plans are written in (small_chars),
    keeping their outlines, hinting and layout tables, so a text within them is drawn exactly as with the whole
    faces. Why: Pillow reads a face per size, and the card uses ~20 sizes; whole, they cost ~15 MB resident (each
    maps the 700 KB file and touches most of it), cut ~0.1 MB."""
    return {bold: cut_face(path, small_chars(), whole_design=True) for bold, path in ((False, REGULAR), (True, BOLD))}


def pil_font(size: int, bold: bool = False) -> FreeTypeFont:
    """The face at a pixel size, made once per process (Pillow fonts are immutable; the card's layout tries a few
    dozen sizes): the card faces, or the whole ones inside faces_for() for a text they cannot draw."""
    return _pil_font(size, bold, _WHOLE.get())


@lru_cache(maxsize=256)
def _pil_font(size: int, bold: bool, whole: bool) -> FreeTypeFont:
    import io

    from PIL import ImageFont

    if whole:
        return ImageFont.truetype(str(BOLD if bold else REGULAR), size)
    return ImageFont.truetype(io.BytesIO(card_faces()[bold]), size)
