"""Text laid out in boxes on a Pillow canvas: wrapping by measured width, ellipsis when a field is too long.

Every drawn line is recorded as a Box (its real ink bounds), so tests can check nothing leaves the canvas.
"""
from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class Picture:
    """A rendered PNG and the boxes of every text line on it."""

    png: bytes
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)


def width_of(text: str, font: FreeTypeFont) -> float:
    return float(font.getlength(text))


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

    With `max_lines`, the last line kept ends in an ellipsis when text was left out.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if width_of(candidate, font) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while width_of(word, font) > width:
                head, word = _cut(word, font, width)
                lines.append(head)
            line = word
        lines.append(line)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = ellipsize(lines[-1], font, width, cut=True)
    return lines


class Canvas:
    """A Pillow image with text helpers that record each line's box."""

    def __init__(self, width: int, height: int, background: str) -> None:
        from PIL import Image, ImageDraw

        self.width, self.height = width, height
        self.image = Image.new("RGB", (width, height), background)
        self.draw: Any = ImageDraw.Draw(self.image)
        self.boxes: list[Box] = []

    def text(self, x: float, y: float, text: str, size: int, color: str, *, bold: bool = False,
             max_width: float | None = None, anchor: str = "la") -> Box:
        """One line at (x, y) (top-left, or as `anchor` says), ellipsized to `max_width`; its box recorded."""
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
        box = Box(text, left, top, right, bottom, x + limit if anchor[0] == "l" else self.width)
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

    def png(self) -> Picture:
        """The image as a PNG with a palette (a flat design needs few colours: small and quick to encode)."""
        import io

        from PIL import Image

        out = io.BytesIO()
        self.image.quantize(colors=96, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
            out, format="PNG", compress_level=6)
        return Picture(out.getvalue(), self.width, self.height, list(self.boxes))
