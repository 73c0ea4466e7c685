"""The progress chart: posts per week against the cadence target, replies on time, and the streak (PNG)."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from handlers.pictures.fonts import pil_font, safe
from handlers.pictures.layout import Canvas, Picture, fit, width_of

Tr = Callable[..., str]
WIDTH, HEIGHT = 1080, 1080
MARGIN = 80
INK, MUTED, PAPER, GRID = "#1d232b", "#5b6470", "#f7f4ee", "#ddd5c6"
MET, SHORT, NONE, ACCENT, BAND = "#2e8b57", "#e0a030", "#c8c0b2", "#c0562f", "#1f3a5f"
MISSED = "#c0392b"
# The colours that meet on the chart (the PNG's palette: layout.palette).
BLENDS = ((INK, PAPER), (MUTED, PAPER), (ACCENT, PAPER), (GRID, PAPER), (MET, PAPER), (SHORT, PAPER), (NONE, PAPER),
          (MISSED, PAPER), ("#ffffff", BAND), ("#c9d6e8", BAND), (INK, "#f2b134"), ("#f2b134", BAND),
          ("#ffffff", "#3b5479"), ("#3b5479", BAND), (INK, MET), (INK, SHORT))
# A check-in stores a bucket of posts; the chart draws each at its upper end ('5+' at 5, marked with a plus).
BUCKET_HEIGHT = {"0": 0, "1-2": 2, "3-4": 4, "5+": 5}
BUCKET_LOW = {"0": 0, "1-2": 1, "3-4": 3, "5+": 5}


@dataclass(frozen=True)
class Week:
    """One week of the chart: its id ('2026-W14'), the posts bucket and on-time answer (None: no check-in)."""

    week: str
    posts: str | None
    on_time: bool | None


def weeks_back(current: str, n: int, prev: Callable[[str], str]) -> list[str]:
    """The last n week ids, oldest first, ending with `current`."""
    out = [current]
    while len(out) < n:
        out.append(prev(out[-1]))
    return out[::-1]


def chart_weeks(checkins: Sequence[Mapping[str, object]], weeks: Sequence[str]) -> list[Week]:
    """Pure: the check-ins laid on the given weeks (a week without one is empty)."""
    by_week = {str(c["week"]): c for c in checkins}
    out = []
    for w in weeks:
        c = by_week.get(w)
        posts = str(c["posts"]) if c is not None and c.get("posts") in BUCKET_HEIGHT else None
        on_time = None if c is None or c.get("on_time") is None else bool(c.get("on_time"))
        out.append(Week(w, posts, on_time))
    return out


def render_chart(weeks: Sequence[Week], target: int | None, streak: int, t: Tr) -> Picture:
    """The chart as a PNG: bars per week (green when the target was met), a dashed target line, reply dots. Drawn
    with the cut faces (fonts.pil_font): its texts are the catalogs' and week numbers, which they hold."""
    c = Canvas(WIDTH, HEIGHT, PAPER)
    inner = WIDTH - 2 * MARGIN
    c.draw.rectangle((0, 0, WIDTH, 210), fill=BAND)
    c.text(MARGIN, 56, safe(t("pic.chart.title")), 56, "#ffffff", bold=True, max_width=inner * 0.48)
    c.text(MARGIN, 136, safe(t("pic.chart.subtitle", weeks=len(weeks))), 28, "#c9d6e8", max_width=inner * 0.48)
    streak_text = safe(t("pic.chart.streak", streak=streak) if streak else t("pic.chart.streak_zero"))
    font = pil_font(26, True)
    text_w = min(width_of(streak_text, font) + 4, inner * 0.5 - 50)
    pill_left = WIDTH - MARGIN - text_w - 60
    c.draw.rounded_rectangle((pill_left, 70, WIDTH - MARGIN, 150), radius=40, fill="#f2b134" if streak else "#3b5479")
    c.text(pill_left + 30, 94, streak_text, 26, INK if streak else "#ffffff", bold=True, max_width=text_w)

    top, bottom = 330.0, 760.0
    c.text(MARGIN, 250, safe(t("pic.chart.posts")), 28, ACCENT, bold=True, max_width=inner / 2)
    scale_max = max(7, target or 0)
    left = MARGIN + 40
    step = (WIDTH - MARGIN - left) / max(1, len(weeks))

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * value / scale_max

    for v in range(0, scale_max + 1):
        y = y_of(v)
        c.draw.line((left, y, WIDTH - MARGIN, y), fill=GRID, width=2 if v == 0 else 1)
        if v % 2 == 1 or v == 0:
            c.text(left - 14, y, str(v), 22, MUTED, anchor="rm")
    for i, w in enumerate(weeks):
        x0 = left + i * step + step * 0.18
        x1 = left + (i + 1) * step - step * 0.18
        cx = (x0 + x1) / 2
        if w.posts is None:
            c.draw.rectangle((x0, bottom - 6, x1, bottom), fill=NONE)
        else:
            height = BUCKET_HEIGHT[w.posts]
            met = target is not None and BUCKET_LOW[w.posts] >= target
            color = MET if met or (target is None and height) else SHORT
            if height:
                c.draw.rounded_rectangle((x0, y_of(height), x1, bottom), radius=8, fill=color)
            c.text(cx, y_of(height) - 10, w.posts, 20, INK, bold=True, anchor="md")
        c.text(cx, bottom + 16, "W" + w.week.rsplit("W", 1)[-1], 20, MUTED, anchor="ma")
    _how_it_fills(c, weeks, left, step, top, bottom, t)
    if target:
        y = y_of(target)
        x = float(left)
        while x < WIDTH - MARGIN:
            c.draw.line((x, y, min(x + 18, WIDTH - MARGIN), y), fill=ACCENT, width=4)
            x += 30
        label = safe(t("pic.chart.target", n=target))
        label_w = min(width_of(label, pil_font(22, True)) + 4, inner / 2 - 50)
        lx = WIDTH - MARGIN - label_w
        c.draw.line((lx - 50, 268, lx - 32, 268), fill=ACCENT, width=4)
        c.draw.line((lx - 20, 268, lx - 8, 268), fill=ACCENT, width=4)
        c.text(lx, 256, label, 22, ACCENT, bold=True, max_width=label_w)

    row = 880.0
    c.text(MARGIN, row - 60, safe(t("pic.chart.on_time")), 28, ACCENT, bold=True, max_width=inner)
    for i, w in enumerate(weeks):
        cx = left + (i + 0.5) * step
        r = min(18, step * 0.3)
        if w.on_time is None:
            c.draw.ellipse((cx - r / 2, row + 20 - r / 2, cx + r / 2, row + 20 + r / 2), fill=NONE)
        elif w.on_time:
            c.draw.ellipse((cx - r, row + 20 - r, cx + r, row + 20 + r), fill=MET)
        else:
            c.draw.ellipse((cx - r, row + 20 - r, cx + r, row + 20 + r), outline=MISSED, width=4)
    legend_y, x = HEIGHT - 90.0, float(MARGIN)
    for kind, color in (("legend_yes", MET), ("legend_no", MISSED), ("legend_none", NONE)):
        if kind == "legend_no":
            c.draw.ellipse((x, legend_y + 4, x + 24, legend_y + 28), outline=color, width=4)
        else:
            c.draw.ellipse((x, legend_y + 4, x + 24, legend_y + 28), fill=color)
        box = c.text(x + 36, legend_y, safe(t(f"pic.chart.{kind}")), 24, MUTED, max_width=(inner / 3) - 50)
        x = box.right + 44
    return c.png(BLENDS)


FILLING_BELOW = 3  # with fewer weeks checked in than this, the chart says how it fills up


def _how_it_fills(c: Canvas, weeks: Sequence[Week], left: float, step: float, top: float, bottom: float,
                  t: Tr) -> None:
    """A new user's chart is mostly empty weeks: it says how it fills up, in the plot's empty part (all of it
    without any check-in; else the weeks before the first one), in whole words."""
    filled = [i for i, w in enumerate(weeks) if w.posts is not None or w.on_time is not None]
    if len(filled) >= FILLING_BELOW:
        return
    key, size = ("pic.chart.empty", 30) if not filled else ("pic.chart.filling", 24)
    width = (filled[0] if filled else len(weeks)) * step - 40
    if width < 240:
        return  # the check-ins are in the oldest weeks: no empty part to write in
    laid = fit(safe(t(key)), size, width, 6, min_size=18)
    y = top + 30
    c.draw.rectangle((left + 6, y - 12, left + 34 + width, y + laid.height(1.35) + 4), fill=PAPER)  # over the grid
    for line in laid.lines:
        c.text(left + 20, y, line, laid.size, MUTED, max_width=width, max_bottom=bottom - 20)
        y += laid.size * 1.35
