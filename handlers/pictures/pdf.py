"""The whole plan as a PDF: the Markdown plan's sections on one or two A4 pages, with real (selectable) text.

Whatever sections the plan has are printed, in order: a section another feature adds to the plan (e.g. a 30-day
calendar) comes out like any other.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, Protocol

from handlers.pictures.fonts import BOLD, REGULAR, safe

MAX_PAGES = 2
SIZES = (10.0, 9.0, 8.2, 7.5, 6.8)  # body sizes tried, largest first, until the plan fits on MAX_PAGES
FAMILY = "DejaVu"
INK, ACCENT, MUTED = (29, 35, 43), (192, 86, 47), (91, 100, 112)


class SectionLike(Protocol):
    title: str
    lines: list[str]


def _rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def _text(pdf: Any, height: float, text: str) -> None:
    """A left-aligned paragraph; one with right-to-left script is shaped (visual order, joined Arabic letters)."""
    shaped = _rtl(text) and _can_shape()
    if shaped:
        pdf.set_text_shaping(use_shaping_engine=True, features={"liga": False, "kern": False})
    pdf.multi_cell(0, height, text, align="L", new_x="LMARGIN", new_y="NEXT")
    if shaped:
        pdf.set_text_shaping(False)


def _can_shape() -> bool:
    """fpdf2 shapes text with uharfbuzz when it is installed; without it, right-to-left text stays in logical order."""
    import importlib.util

    return importlib.util.find_spec("uharfbuzz") is not None


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
    pdf.add_font(FAMILY, "", str(REGULAR))
    pdf.add_font(FAMILY, "B", str(BOLD))
    pdf.add_page()
    line_h = size * 0.46
    pdf.set_fill_color(31, 58, 95)
    pdf.rect(0, 0, 210, 4, style="F")
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "B", size + 8)
    _text(pdf, (size + 8) * 0.5, title)
    pdf.set_font(FAMILY, "", size)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, line_h, subtitle, new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        pdf.ln(line_h * 0.7)
        pdf.set_text_color(*ACCENT)
        pdf.set_font(FAMILY, "B", size + 1.5)
        pdf.multi_cell(0, line_h * 1.2, safe(section.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(*ACCENT)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(line_h * 0.3)
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, "", size)
        for line in section.lines:
            text = safe(line)
            lines: Any = pdf.multi_cell(pdf.epw - 4, line_h, text, dry_run=True, output="LINES")
            rows = len(lines)
            if pdf.get_y() + rows * line_h > pdf.page_break_trigger:
                pdf.add_page()  # a bullet is never split across two pages
            pdf.set_x(pdf.l_margin)
            pdf.cell(4, line_h, "•")
            _text(pdf, line_h, text)
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
