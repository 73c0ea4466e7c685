"""The whole plan as a PDF: the Markdown plan's sections on one or two A4 pages, with real (selectable) text.

Whatever sections the plan has are printed, in order: a section another feature adds to the plan (e.g. a 30-day
calendar) comes out like any other.
"""
from __future__ import annotations

import copy
import logging
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from handlers.pictures.fonts import BOLD, REGULAR, safe

log = logging.getLogger(__name__)
MAX_PAGES = 2
SIZES = (10.0, 9.0, 8.2, 7.5, 6.8)  # body sizes tried, largest first, until the plan fits on MAX_PAGES
FAMILY = "DejaVu"
INK, ACCENT, MUTED = (29, 35, 43), (192, 86, 47), (91, 100, 112)


class SectionLike(Protocol):
    title: str
    lines: list[str]


def _rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def _text(pdf: Any, height: float, text: str, width: float = 0) -> None:
    """A left-aligned paragraph from the current x, `width` wide (0: to the right margin), wrapped here (see `wrap`);
    one with right-to-left script goes through fpdf2's own layout, shaped (visual order, joined Arabic letters)."""
    if _rtl(text):
        shaped = _can_shape()
        if shaped:
            pdf.set_text_shaping(use_shaping_engine=True, features={"liga": False, "kern": False})
        pdf.multi_cell(width, height, text, align="L", new_x="LMARGIN", new_y="NEXT")
        if shaped:
            pdf.set_text_shaping(False)
        return
    _lines(pdf, height, wrap(pdf, text, width))


def _can_shape() -> bool:
    """fpdf2 shapes text with uharfbuzz when it is installed; without it, right-to-left text stays in logical order."""
    import importlib.util

    return importlib.util.find_spec("uharfbuzz") is not None


def _lines(pdf: Any, height: float, lines: Sequence[str]) -> None:
    """Lines already wrapped, one cell each, from the current x; a page break keeps that x."""
    x = pdf.get_x()
    for line in lines:
        pdf.set_x(x)
        pdf.cell(0, height, line, new_x="LMARGIN", new_y="NEXT")


def wrap(pdf: Any, text: str, width: float = 0) -> list[str]:
    """The text's lines at the current font in `width` mm from the current x (0: to the right margin), breaking at
    spaces (inside a word only when it alone is too long), as fpdf2's multi_cell would place them.

    fpdf2's own line breaking measures the line again for every character (quadratic, pure Python: most of a
    plan's drawing time); here each word is measured once from the font's width table.
    """
    font, k = pdf.current_font, pdf.k
    scale = pdf.font_size_pt * 0.001 / k
    room = (width or pdf.w - pdf.r_margin - pdf.get_x()) - 2 * pdf.c_margin + 1e-6
    cw = font.cw

    def width_of(s: str) -> float:
        return sum(cw[ord(c)] for c in s) * scale

    space = width_of(" ")
    out: list[str] = []
    for paragraph in text.split("\n"):
        line: str | None = None  # None: nothing on this line yet
        line_w = 0.0
        for word in paragraph.split(" "):
            w = width_of(word)
            if line is not None:
                if line_w + space + w <= room:
                    line, line_w = f"{line} {word}", line_w + space + w
                    continue
                out.append(line)
            while w > room and len(word) > 1:
                cut = _fit(word, room, width_of)
                out.append(word[:cut])
                word = word[cut:]
                w = width_of(word)
            line, line_w = word, w
        out.append(line or "")
    return out


def _fit(word: str, room: float, width_of: Any) -> int:
    """How many leading characters of `word` fit in `room` (at least one)."""
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if width_of(word[:mid]) <= room:
            lo = mid
        else:
            hi = mid - 1
    return lo


def add_fonts(pdf: Any) -> None:
    """DejaVu regular and bold in `pdf`. fpdf2 parses a font for every document (its width table, ~45 ms a face);
    here each face is parsed once per process and every document gets a copy sharing those read-only tables, with
    its own glyph subset and its own fontTools font (writing the PDF subsets that one in place)."""
    from fontTools.ttLib import TTFont
    from fpdf.fonts import SubsetMap

    for style, path in (("", REGULAR), ("B", BOLD)):
        key = f"{FAMILY.lower()}{style}"
        try:
            font = copy.copy(_parsed(style, str(path)))
            font.i = len(pdf.fonts) + 1
            font.ttfont = TTFont(str(path), recalcTimestamp=False, lazy=True)
            font.subset = SubsetMap(font)
            font.missing_glyphs = []
            font.biggest_size_pt = 0
            font._hbfont = None
            pdf.fonts[key] = font
        except (AttributeError, TypeError):  # an fpdf2 whose font object differs: its own (slower) way
            log.warning("fpdf2's font object changed: parsing the fonts for each PDF", exc_info=True)
            pdf.fonts.pop(key, None)
            pdf.add_font(FAMILY, style, str(path))


@lru_cache(maxsize=2)
def _parsed(style: str, path: str) -> Any:
    """A face parsed by fpdf2 once per process (the template add_fonts copies)."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    return TTFFont(FPDF(), Path(path), f"{FAMILY.lower()}{style}", style)


def _document(title: str, subtitle: str, sections: Sequence[SectionLike], size: float,
              footer: str) -> Any:
    from fpdf import FPDF

    class Doc(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FAMILY, "", 7.5)
            self.set_text_color(*MUTED)
            self.cell(0, 5, f"{footer} · {self.page_no()}/{{nb}}", align="C")

    pdf = Doc(format="A4", unit="mm")
    pdf.set_title(title)
    pdf.set_creator("brandcoach")
    pdf.set_margins(16, 14, 16)
    pdf.set_auto_page_break(True, margin=16)
    add_fonts(pdf)
    pdf.add_page()
    line_h = size * 0.46
    pdf.set_fill_color(31, 58, 95)
    pdf.rect(0, 0, 210, 4, style="F")
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "B", size + 8)
    _text(pdf, (size + 8) * 0.5, title)
    pdf.set_font(FAMILY, "", size)
    pdf.set_text_color(*MUTED)
    _text(pdf, line_h, subtitle)
    for section in sections:
        pdf.ln(line_h * 0.7)
        pdf.set_text_color(*ACCENT)
        pdf.set_font(FAMILY, "B", size + 1.5)
        _text(pdf, line_h * 1.2, safe(section.title))
        pdf.set_draw_color(*ACCENT)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(line_h * 0.3)
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, "", size)
        for line in section.lines:
            text = safe(line)
            wrapped = None if _rtl(text) else wrap(pdf, text, pdf.epw - 4)  # laid out once, printed as laid out
            laid: Any = wrapped if wrapped is not None else \
                pdf.multi_cell(pdf.epw - 4, line_h, text, dry_run=True, output="LINES")
            rows = len(laid)
            if pdf.get_y() + rows * line_h > pdf.page_break_trigger:
                pdf.add_page()  # a bullet is never split across two pages
            pdf.set_x(pdf.l_margin)
            pdf.cell(4, line_h, "•")
            if wrapped is None:
                _text(pdf, line_h, text)
            else:
                _lines(pdf, line_h, wrapped)
    return pdf


def render_pdf(title: str, subtitle: str, sections: Sequence[SectionLike], footer: str) -> bytes:
    """The plan's PDF at the largest body size that fits MAX_PAGES pages (the smallest size if none does)."""
    return render_pdf_pages(title, subtitle, sections, footer)[0]


def render_pdf_pages(title: str, subtitle: str, sections: Sequence[SectionLike], footer: str) -> tuple[bytes, int]:
    """render_pdf, with the number of pages."""
    for size in SIZES:  # laid out at each size until it fits; only the one kept is written (fonts subset) out
        pdf = _document(safe(title), safe(subtitle), sections, size, safe(footer))
        if pdf.page_no() <= MAX_PAGES:
            break
    return bytes(pdf.output()), pdf.page_no()
