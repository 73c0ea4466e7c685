"""The whole plan as a PDF: the Markdown plan's sections on one or two A4 pages, with real (selectable) text.

Whatever sections the plan has are printed, in order: a section another feature adds to the plan (e.g. a 30-day
calendar) comes out like any other.
"""
from __future__ import annotations

import copy
import io
import logging
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from handlers.pictures.fonts import BOLD, REGULAR, cut_face, safe, small_chars, within_small

log = logging.getLogger(__name__)
MAX_PAGES = 2
SIZES = (10.0, 9.0, 8.2, 7.5, 6.8)  # body sizes tried, largest first, until the plan fits on MAX_PAGES
FAMILY = "DejaVu"
INK, ACCENT, MUTED = (29, 35, 43), (192, 86, 47), (91, 100, 112)


class SectionLike(Protocol):
    title: str
    lines: list[str]


@dataclass(frozen=True)
class _Section:
    """A section's text made safe for the font (once, before it is laid out)."""

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
    """Lines already wrapped, from the current x, each placed where fpdf2's cell() would put it (the text's baseline
    at half the line's height plus 0.3 of the font size, after the cell margin); a page break keeps that x.

    Written with fpdf2's plain text(): cell() lays each line out again (styles, markdown, shaping: most of the
    PDF's layout time) for text already laid out here."""
    x = pdf.get_x()
    for line in lines:
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        y = pdf.get_y()
        if line:
            pdf.text(x + pdf.c_margin, y + 0.5 * height + 0.3 * pdf.font_size, line)
        pdf.set_xy(pdf.l_margin, y + height)


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


# Libraries fpdf2 imports when they are installed, for what the plan's PDF never does (images as arrays, signing and
# encrypting PDFs): ~19 MB resident in whichever process draws. fpdf2 works as if they were absent, which it
# supports; they are hidden only while fpdf2 is imported (other code importing them later gets them).
UNUSED_BY_FPDF = ("numpy", "cryptography")
# Modules fpdf2 imports unconditionally for what the plan's PDF never does: fontTools' variable-font instancer (fpdf2
# imports it at module level for variable fonts; DejaVu is static), and with it fontTools.varLib's package code
# (designspaces, feature, colour and merging builders), of which fontTools.subset needs only two submodules. Each is
# made importable without running it (`unexecuted`): ~3 MB and 35 modules fewer; it runs on first use.
UNRUN_BY_FPDF = ("fontTools.varLib", "fontTools.varLib.instancer")


def unexecuted(name: str) -> None:
    """Put module `name` in sys.modules without running its code, which runs in place the first time one of its
    names is asked for. Its submodules import as usual (a package keeps its __path__): asking for one imports it
    alone. Nothing changes for its users but when the module's own code runs."""
    import importlib
    import importlib.machinery
    import importlib.util
    import sys

    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or name in sys.modules:
        return
    module = importlib.util.module_from_spec(spec)
    loader = spec.loader
    running = threading.RLock()  # two threads asking at once: one runs the code, the other waits for it
    state = {"done": False, "running": False}

    def later(attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        path = module.__dict__.get("__path__")
        if path is not None and importlib.machinery.PathFinder.find_spec(f"{name}.{attr}", path) is not None:
            return importlib.import_module(f"{name}.{attr}")
        with running:
            if not state["done"] and not state["running"]:  # (running: this thread asked again while running it)
                state["running"] = True
                try:
                    loader.exec_module(module)
                except BaseException:
                    if sys.modules.get(name) is module:  # as a failed import: gone, so the next one fails alike
                        del sys.modules[name]
                    raise
                finally:
                    state["running"] = False
                state["done"] = True
                module.__dict__.pop("__getattr__", None)
        try:
            return module.__dict__[attr]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}") from None

    module.__dict__["__getattr__"] = later
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)  # as an import binds it


def fpdf_module() -> Any:
    """fpdf2, imported once without UNUSED_BY_FPDF, and without running UNRUN_BY_FPDF until something uses them."""
    import sys

    if "fpdf.output" not in sys.modules:
        for name in UNRUN_BY_FPDF:
            unexecuted(name)
        hide = [m for m in UNUSED_BY_FPDF if m not in sys.modules]
        for name in hide:
            sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError
        try:
            import fpdf.fonts  # noqa: F401
            import fpdf.output  # noqa: F401
        finally:
            for name in hide:
                if sys.modules.get(name, 0) is None:
                    del sys.modules[name]
    import fpdf

    return fpdf


def add_fonts(pdf: Any, small: bool = True) -> None:
    """DejaVu regular and bold in `pdf`. fpdf2 parses a font for every document (its width table, ~45 ms a face)
    and subsets it when writing (fontTools reading DejaVu's 6,000 glyphs: most of a PDF's time and ~60 MB). Here
    each face is parsed once per process and every document gets a copy sharing those read-only tables, with its
    own glyph subset and its own fontTools font (writing the PDF subsets that one in place). `small`: the faces cut
    once per process to the characters plans are written in (`small_faces`), which every document's text must be
    within (render_pdf_pages checks); else the whole faces."""
    from fontTools.ttLib import TTFont

    SubsetMap = fpdf_module().fonts.SubsetMap
    faces = small_faces() if small else {}
    for style, path in (("", REGULAR), ("B", BOLD)):
        key = f"{FAMILY.lower()}{style}"
        try:
            font = copy.copy(_parsed(style, small))
            font.i = len(pdf.fonts) + 1
            # recalcBBoxes=False: the glyphs' boxes in the font are right; recomputing them on writing decompiles and
            # compiles every glyph kept (a third of a PDF's time): now they are copied as they are.
            font.ttfont = TTFont(io.BytesIO(faces[style]) if small else str(path), recalcTimestamp=False, lazy=True,
                                 recalcBBoxes=False)
            font.subset = SubsetMap(font)
            font.missing_glyphs = []
            font.biggest_size_pt = 0
            font._hbfont = None
            pdf.fonts[key] = font
        except (AttributeError, TypeError):  # an fpdf2 whose font object differs: its own (slower) way
            log.warning("fpdf2's font object changed: parsing the fonts for each PDF", exc_info=True)
            pdf.fonts.pop(key, None)
            pdf.add_font(FAMILY, style, str(path))


@lru_cache(maxsize=1)
def small_faces() -> dict[str, bytes]:
    """Each face cut once per process (fontTools, ~55 ms a face) to `small_chars`, without hinting or layout
    tables (fpdf2 drops those anyway; PDF viewers do not need hints): ~40 KB instead of ~700 KB, which fpdf2 then
    subsets per document in a few milliseconds."""
    return {style: cut_face(path, small_chars(), whole_design=False) for style, path in (("", REGULAR), ("B", BOLD))}


@lru_cache(maxsize=4)
def _parsed(style: str, small: bool) -> Any:
    """A face parsed by fpdf2 once per process (the template add_fonts copies)."""
    fpdf = fpdf_module()
    FPDF, TTFFont = fpdf.FPDF, fpdf.fonts.TTFFont
    source: Any = io.BytesIO(small_faces()[style]) if small else Path(BOLD if style else REGULAR)
    return TTFFont(FPDF(), source, f"{FAMILY.lower()}{style}", style)


def _document(title: str, subtitle: str, sections: Sequence[_Section], size: float,
              footer: str, small: bool = True) -> Any:
    FPDF = fpdf_module().FPDF

    class Doc(FPDF):  # type: ignore[misc,valid-type]
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
    add_fonts(pdf, small)
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
        _text(pdf, line_h * 1.2, section.title)
        pdf.set_draw_color(*ACCENT)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(line_h * 0.3)
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, "", size)
        for line in section.lines:
            text = line
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


def render_pdf_pages(title: str, subtitle: str, sections: Sequence[SectionLike], footer: str,
                     small: bool | None = None) -> tuple[bytes, int]:
    """render_pdf, with the number of pages. `small`: with the small faces (None: when the text is within them)."""
    title, subtitle, footer = safe(title), safe(subtitle), safe(footer)
    clean = [_Section(safe(s.title), [safe(line) for line in s.lines]) for s in sections]
    if small is None:
        texts = [title, subtitle, footer, "•·/0123456789", *(t for s in clean for t in (s.title, *s.lines))]
        small = within_small(texts)
    for size in SIZES:  # laid out at each size until it fits; only the one kept is written (fonts subset) out
        pdf = _document(title, subtitle, clean, size, footer, small)
        if pdf.page_no() <= MAX_PAGES:
            break
    return bytes(pdf.output()), pdf.page_no()
