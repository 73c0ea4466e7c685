"""Text laid out in boxes on a Pillow canvas: wrapping at word boundaries by measured width; a field too long for
its box is set smaller, then summarised (its first sentence, then its first clause), never cut inside a word.

Every drawn line is recorded as a Box (its real ink bounds and the box it had to stay in), so tests can check
nothing leaves its box. The PNG is encoded against a palette made once per process from the design's colours.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from handlers.pictures.fonts import pil_font

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

ELLIPSIS = "…"


@dataclass(frozen=True)
class Box:
    """What was drawn where: (left, top, right, bottom) in pixels, and the limits it had to stay within."""

    text: str
    left: float
    top: float
    right: float
    bottom: float
    max_right: float
    max_bottom: float = float("inf")


@dataclass
class Picture:
    """A rendered PNG and the boxes of every text line on it."""

    png: bytes
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)


def width_of(text: str, font: FreeTypeFont) -> float:
    return float(font.getlength(text))


_WIDTHS: dict[tuple[str, float, str], float] = {}


def word_width(word: str, font: FreeTypeFont) -> float:
    """A word's advance, remembered per font (fonts live as long as the process: fonts.pil_font)."""
    key = (str(getattr(font, "path", "")), float(getattr(font, "size", 0)), word)
    w = _WIDTHS.get(key)
    if w is None:
        if len(_WIDTHS) > 20_000:
            _WIDTHS.clear()
        w = _WIDTHS[key] = float(font.getlength(word))
    return w


def ink_width(text: str, font: FreeTypeFont) -> float:
    """How far the line reaches: its advance, or its ink where a glyph overhangs it (bold letters, quotes)."""
    return max(float(font.getlength(text)), float(font.getbbox(text)[2]) if text else 0.0)


def _cut(word: str, font: FreeTypeFont, width: float) -> tuple[str, str]:
    """The longest head of a word that fits (at least one character), and the rest."""
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if width_of(word[:mid], font) <= width:
            lo = mid
        else:
            hi = mid - 1
    return word[:lo], word[lo:]


def ellipsize(text: str, font: FreeTypeFont, width: float, cut: bool = False) -> str:
    """The text cut (at a word if it can) with an ellipsis so that it fits the width (`cut`: it was cut already)."""
    if width_of(text, font) <= width and not cut:
        return text
    if cut and width_of(text + ELLIPSIS, font) <= width:
        return text.rstrip(" ,.;:-–") + ELLIPSIS
    head, _ = _cut(text, font, width - width_of(ELLIPSIS, font))
    if " " in head and len(head.rsplit(" ", 1)[0]) > len(head) // 2:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,.;:-–") + ELLIPSIS


def wrap(text: str, font: FreeTypeFont, width: float, max_lines: int = 0) -> list[str]:
    """Lines of at most `width` pixels, breaking at spaces (inside a word only when it alone is too long).

    Each word is measured once and lines are added up from the words (fast), keeping a little room for a last
    letter's ink reaching past its advance; each line's ink is checked once, and in the rare case it still reaches
    past the width the text is wrapped again with more room. With `max_lines`, the last line kept ends in an
    ellipsis when text was left out.
    """
    room = float(getattr(font, "size", 0)) * 0.04
    while True:
        lines = _greedy(text, font, width, width - room)
        if room > width / 2 or all(ink_width(line, font) <= width for line in lines):
            break
        room = room * 2 + 2
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = ellipsize(lines[-1], font, width, cut=True)
    return lines


def _greedy(text: str, font: FreeTypeFont, width: float, budget: float) -> list[str]:
    space = word_width(" ", font)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, line_w = "", 0.0
        for word in paragraph.split(" "):
            w = word_width(word, font)
            if line and line_w + space + w <= budget:
                line, line_w = f"{line} {word}", line_w + space + w
                continue
            if line:
                lines.append(line)
            while w > budget and len(word) > 1:
                head, word = _cut(word, font, budget)
                lines.append(head)
                w = width_of(word, font)
            line, line_w = word, w
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Fit:
    """A field laid out: its font size, its lines, and whether the text was summarised to fit."""

    size: int
    lines: list[str]
    summarised: bool = False

    def height(self, leading: float) -> float:
        return len(self.lines) * self.size * leading


def summaries(text: str) -> list[str]:
    """Shorter forms of a long answer, longest first: its first sentence, then its first clause (the chat-text
    splitter of handlers/understand/text.py, which knows "Rp.50.000" and "dr." are no sentence ends)."""
    from handlers.understand.text import clause_starts, sentences

    out: list[str] = []
    spans = sentences(text)
    if len(spans) > 1:
        out.append(text[spans[0][0]:spans[0][1]].strip())
    first = out[0] if out else text
    cuts = [c for c in clause_starts(first) if 0 < c < len(first.rstrip())]
    if cuts:
        out.append(first[:cuts[0]].strip())
    return [s.rstrip(" ,;:-–—(\"“") for s in out if len(s.rstrip(" ,;:-–—(\"“").split()) >= 2]


def fit(text: str, size: int, width: float, max_lines: int, *, bold: bool = False, min_size: int = 0,
        frame: str = "{}") -> Fit:
    """The largest size from `size` down to `min_size` (steps of 2 px) at which `text` (set in `frame`, e.g.
    quotes) wraps into `max_lines` lines of `width`; else the same with its summaries; else, at `min_size`, the first
    whole words that fit with an ellipsis (a single word wider than the whole line, which no language's words are
    at these sizes, is broken as the last resort)."""
    return _fit(text, size, width, max_lines, bold, min_size, frame)


@lru_cache(maxsize=1024)
def _fit(text: str, size: int, width: float, max_lines: int, bold: bool, min_size: int, frame: str) -> Fit:
    """fit(), remembered: the card tries several levels, each field at several sizes, and a user's card is drawn
    again by /card and /plan."""
    low = min_size or size
    sizes = list(range(size, low - 1, -2)) or [size]
    for n, px in enumerate(sizes):  # the sizes from the largest: the whole text
        lines = wrap(frame.format(text), pil_font(px, bold), width)
        if len(lines) <= max_lines:
            return Fit(px, lines)
        if n == 0 and len(lines) > 2 * max_lines + 2:
            break  # far too long at any of these sizes: summarise
    for candidate in summaries(text):
        for px in sizes:
            lines = wrap(frame.format(candidate), pil_font(px, bold), width)
            if len(lines) <= max_lines:
                return Fit(px, lines, True)
    font = pil_font(sizes[-1], bold)
    words = text.split()
    while len(words) > 1:
        words.pop()
        shortened = " ".join(words).rstrip(" ,.;:-–—") + ELLIPSIS
        lines = wrap(frame.format(shortened), font, width)
        if len(lines) <= max_lines:
            return Fit(sizes[-1], lines, True)
    return Fit(sizes[-1], wrap(frame.format(text), font, width, max_lines), True)


class Canvas:
    """A Pillow image with text helpers that record each line's box."""

    def __init__(self, width: int, height: int, background: str) -> None:
        from PIL import Image, ImageDraw

        self.width, self.height = width, height
        self.image = Image.new("RGB", (width, height), background)
        self.draw: Any = ImageDraw.Draw(self.image)
        self.boxes: list[Box] = []

    def text(self, x: float, y: float, text: str, size: int, color: str, *, bold: bool = False,
             max_width: float | None = None, anchor: str = "la", max_bottom: float | None = None) -> Box:
        """One line at (x, y) (top-left, or as `anchor` says), ellipsized to `max_width` (a safety net: the card
        lays its text out to fit first); its box, and the box it had to stay in, recorded."""
        font = pil_font(size, bold)
        limit = max_width if max_width is not None else self.width - x
        left, top, right, bottom = self.draw.textbbox((x, y), text, font=font, anchor=anchor)
        if anchor[0] == "l":
            shown, room = text, limit
            while right > x + limit and room > 0:  # the ink may reach past the advance width (bold overhang)
                shown = ellipsize(text, font, room)
                room -= max(1.0, right - (x + limit))
                left, top, right, bottom = self.draw.textbbox((x, y), shown, font=font, anchor=anchor)
            text = shown
        self.draw.text((x, y), text, font=font, fill=color, anchor=anchor)
        box = Box(text, left, top, right, bottom, x + limit if anchor[0] == "l" else self.width,
                  self.height if max_bottom is None else max_bottom)
        self.boxes.append(box)
        return box

    def paragraph(self, x: float, y: float, text: str, size: int, color: str, width: float, max_lines: int, *,
                  bold: bool = False, leading: float = 1.3) -> float:
        """Wrapped lines from (x, y); returns the y below the last line."""
        font = pil_font(size, bold)
        for line in wrap(text, font, width, max_lines):
            self.text(x, y, line, size, color, bold=bold, max_width=width)
            y += size * leading
        return y

    def png(self, blends: tuple[tuple[str, str], ...] = ()) -> Picture:
        """The image as a PNG with a palette: a flat design needs few colours. With the design's `blends` (the
        colours that meet: text over its background), each pixel is mapped to a palette made once per process of
        them and their blends (anti-aliased edges), ~1.5 ms; else the palette is worked out from the picture
        (~12 ms). zlib level 3: a few KB larger than level 6, half the time."""
        import io

        from PIL import Image

        out = io.BytesIO()
        if blends:
            image = self.image.quantize(palette=palette(blends), dither=Image.Dither.NONE)
        else:
            image = self.image.quantize(colors=96, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        image.save(out, format="PNG", compress_level=3)
        return Picture(out.getvalue(), self.width, self.height, list(self.boxes))


@lru_cache(maxsize=8)
def palette(blends: tuple[tuple[str, str], ...]) -> Any:
    """A palette image of the colours and evenly spaced blends of each pair that meets (at most 256 entries)."""
    from PIL import Image, ImageColor

    def rgb(colour: str) -> tuple[int, int, int]:
        r, g, b = ImageColor.getrgb(colour)[:3]
        return r, g, b

    entries = list(dict.fromkeys(rgb(c) for pair in blends for c in pair))
    steps = max(2, min(12, (256 - len(entries)) // max(1, len(blends)) + 1))
    for fg, bg in blends:
        a, b = rgb(fg), rgb(bg)
        for k in range(1, steps):
            mix = tuple(round(a[j] + (b[j] - a[j]) * k / steps) for j in range(3))
            if mix not in entries:
                entries.append(mix)  # type: ignore[arg-type]
    entries = entries[:256]
    flat = [v for colour in entries for v in colour]
    image = Image.new("P", (1, 1))
    image.putpalette(flat + flat[:3] * (256 - len(entries)))
    return image
