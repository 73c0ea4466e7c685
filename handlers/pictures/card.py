"""The plan card: a portrait picture (1080×1350) of the plan's essentials, to keep on a phone and share."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from handlers import steps as S
from handlers.plan import posting as P
from handlers.plan.posting import Posting
from handlers.pictures.fonts import pil_font, safe
from handlers.pictures.layout import Canvas, Picture, width_of, wrap

Tr = Callable[..., str]
WIDTH, HEIGHT = 1080, 1350
MARGIN = 80
INK, MUTED, PAPER = "#1d232b", "#5b6470", "#f7f4ee"
BAND, ON_BAND, ACCENT, SOFT = "#1f3a5f", "#ffffff", "#c0562f", "#ece5d8"
GOLD = "#f2b134"


@dataclass(frozen=True)
class CardFacts:
    """What the card shows, already in the user's language (empty where the answer is missing)."""

    kicker: str
    name: str
    role: str
    vision: str
    audience: str
    pillars: tuple[str, ...]
    platforms: str
    cadence: str
    reply: str
    rule: str
    labels: Mapping[str, str]


def label(step_id: str, item: Any, t: Tr) -> str:
    """An answer item as the user reads it: a fixed option's label, else the text itself."""
    step = S.step_by_id(step_id)
    if step is not None and step.options and not step.options_from and str(item) in step.options:
        return t(f"opt.{step_id}.{item}")
    return str(item)


def _items(answers: Mapping[str, Any], step_id: str) -> list[Any]:
    value = answers.get(step_id)
    if value is None or value == "" or value == []:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _joined(answers: Mapping[str, Any], step_id: str, t: Tr, sep: str = " · ") -> str:
    return sep.join(label(step_id, i, t) for i in _items(answers, step_id))


def card_facts(answers: Mapping[str, Any], t: Tr, when: Posting | None = None) -> CardFacts:
    """Pure: the card's texts from the stored answers (a step the content no longer asks is left empty). The
    posting line is the one posting schedule (handlers/plan/posting.py: `when`, the user's; worked out from the
    answers alone when not given), so the card says what the plan and the calendar say."""
    criticism = str(answers.get("criticism") or "")
    rule_key = f"pic.rule.{criticism}" if criticism else "pic.rule.default"
    rule = t(rule_key)
    if rule == rule_key:
        rule = t("pic.rule.default")
    cadence = str(answers.get("cadence") or "")
    reply = str(answers.get("response_time") or "")
    labels = {k: t(f"pic.card.{k}") for k in ("vision", "audience", "pillars", "platforms", "reply", "rule")}
    return CardFacts(
        kicker=t("pic.card.kicker"), name=safe(str(answers.get("name") or "")) or t("pic.card.no_name"),
        role=safe(_joined(answers, "role", t)), vision=safe(str(answers.get("vision") or "")),
        audience=safe(_joined(answers, "priority_segment", t)),
        pillars=tuple(p for p in (safe(str(i)) for i in _items(answers, "pillars")) if p)[:5],
        platforms=safe(_joined(answers, "focus_platforms", t)),
        cadence=safe(t("pic.card.cadence", cadence=P.summary(when or P.decide(answers), t))) if cadence else "",
        reply=safe(label("response_time", reply, t)) if reply else "",
        rule=safe(rule), labels={k: safe(v) for k, v in labels.items()})


def _name_size(canvas: Canvas, name: str) -> tuple[int, list[str]]:
    """The largest name size (72 down to 44 px) at which the name takes at most two lines."""
    for size in (72, 64, 56, 50, 44):
        lines = wrap(name, pil_font(size, True), WIDTH - 2 * MARGIN)
        if len(lines) <= (1 if size > 56 else 2):
            return size, lines
    return 44, wrap(name, pil_font(44, True), WIDTH - 2 * MARGIN, 2)


def _section(canvas: Canvas, y: float, title: str) -> float:
    canvas.text(MARGIN, y, title.upper(), 24, ACCENT, bold=True)
    return y + 40


def render_card(facts: CardFacts) -> Picture:
    """The card as a PNG; every field keeps to its lines (an ellipsis shows where text was cut)."""
    c = Canvas(WIDTH, HEIGHT, PAPER)
    inner = WIDTH - 2 * MARGIN
    size, name_lines = _name_size(c, facts.name)
    band_bottom = 120 + len(name_lines) * size * 1.15 + 70
    c.draw.rectangle((0, 0, WIDTH, band_bottom), fill=BAND)
    c.draw.rectangle((MARGIN, 64, MARGIN + 64, 70), fill=GOLD)
    c.text(MARGIN, 84, facts.kicker.upper(), 24, GOLD, bold=True)
    y = 124.0
    for line in name_lines:
        c.text(MARGIN, y, line, size, ON_BAND, bold=True, max_width=inner)
        y += size * 1.15
    if facts.role:
        c.text(MARGIN, y + 14, facts.role, 30, "#c9d6e8", max_width=inner)
    y = band_bottom + 48
    if facts.vision:
        y = _section(c, y, facts.labels["vision"])
        y = c.paragraph(MARGIN, y, f"“{facts.vision}”", 36, INK, inner, 2, leading=1.3) + 22
    if facts.audience:
        y = _section(c, y, facts.labels["audience"])
        c.text(MARGIN, y, facts.audience, 34, INK, max_width=inner)
        y += 34 * 1.3 + 22
    if facts.pillars:
        y = _section(c, y, facts.labels["pillars"])
        size = next((s for s in (32, 29, 26) if all(width_of(p, pil_font(s)) <= inner - 60 for p in facts.pillars)), 26)
        for n, pillar in enumerate(facts.pillars, 1):
            c.draw.ellipse((MARGIN, y + 2, MARGIN + 40, y + 42), fill=BAND)
            c.text(MARGIN + 20, y + 22, str(n), 22, ON_BAND, bold=True, anchor="mm")
            c.text(MARGIN + 60, y + 3 + (32 - size) / 2, pillar, size, INK, max_width=inner - 60)
            y += 54
        y += 16
    half = (inner - 40) / 2
    if facts.platforms or facts.cadence or facts.reply:
        top = y
        if facts.platforms or facts.cadence:
            _section(c, y, facts.labels["platforms"])
            yy = c.paragraph(MARGIN, y + 40, facts.platforms, 30, INK, half, 2)
            if facts.cadence:
                c.text(MARGIN, yy, facts.cadence, 30, MUTED, max_width=half)
        if facts.reply:
            c.text(MARGIN + half + 40, top, facts.labels["reply"].upper(), 24, ACCENT, bold=True, max_width=half)
            c.paragraph(MARGIN + half + 40, top + 40, facts.reply, 30, INK, half, 2)
        y = top + 40 + 3 * 30 * 1.3 + 20
    if facts.rule:
        box_top = y
        c.draw.rounded_rectangle((MARGIN - 24, box_top, WIDTH - MARGIN + 24, box_top + 150), radius=18, fill=SOFT)
        c.text(MARGIN, box_top + 20, facts.labels["rule"].upper(), 24, ACCENT, bold=True)
        c.paragraph(MARGIN, box_top + 58, facts.rule, 30, INK, inner, 2)
    c.text(MARGIN, HEIGHT - 56, "brandcoach", 22, MUTED, bold=True)
    return c.png()
