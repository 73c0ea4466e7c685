"""The plan card: a portrait picture (1080×1350) of the plan's essentials, to keep on a phone and share."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from handlers.pictures.fonts import faces_for, safe
from handlers.pictures.layout import Canvas, Fit, Picture, fit

if TYPE_CHECKING:
    from handlers.plan.posting import Posting

# The questionnaire and the posting schedule are imported where the card's texts are made (in the bot), not at the
# top: the drawing worker imports this module to draw, and needs neither (they cost it ~4 MB and the plan's imports).

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
    handle: str
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
    from handlers import steps as S

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


# A handle (@name) or a web address in the name answer: the name question asks for "a name or handle", and the
# handle is how people who see the card find the person.
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?"
                     r"|\b(?:https?://)?(?:www\.)?[A-Za-z0-9-]+\.(?:[a-z]{2,}\.?)+(?:/[^\s)]*)?", re.I)
MAX_PILLARS = 6  # the most the layout holds (the questionnaire asks for 3 to 5 today: content/questionnaire.toml)


def name_and_handle(name: str, contact: str = "") -> tuple[str, str]:
    """The card's name and handle line from the name answer: "Sari Dewi (@saricooks)" -> ("Sari Dewi",
    "@saricooks"); a name that is only a handle stays the name, with no second line. Without a handle in the answer,
    `contact` (the name the chat platform shows for the user) when it says more than the name does, else none."""
    found = [m.group() for m in _HANDLE.finditer(name)]
    if found:
        rest = _HANDLE.sub(" ", name)
        rest = re.sub(r"\(\s*\)|\[\s*\]", " ", rest)
        rest = re.sub(r"\s+", " ", rest).strip(" -–—|·,;:/")
        if rest and any(ch.isalpha() for ch in rest):
            return rest, " · ".join(dict.fromkeys(found))
        return name.strip(), ""
    contact = contact.strip()
    folded = {w.lower() for w in re.findall(r"\w+", name)}
    if contact and not {w.lower() for w in re.findall(r"\w+", contact)} <= folded:
        return name, contact
    return name, ""


def card_facts(answers: Mapping[str, Any], t: Tr, when: Posting | None = None, contact: str = "") -> CardFacts:
    """Pure: the card's texts from the stored answers (a step the content no longer asks is left empty). The
    posting line is the one posting schedule (handlers/plan/posting.py: `when`, the user's; worked out from the
    answers alone when not given), so the card says what the plan and the calendar say. `contact`: the user's name
    on the chat platform, for the handle line when the name answer holds no handle (`name_and_handle`)."""
    from handlers.plan import posting as P

    criticism = str(answers.get("criticism") or "")
    rule_key = f"pic.rule.{criticism}" if criticism else "pic.rule.default"
    rule = t(rule_key)
    if rule == rule_key:
        rule = t("pic.rule.default")
    cadence = str(answers.get("cadence") or "")
    reply = str(answers.get("response_time") or "")
    labels = {k: t(f"pic.card.{k}") for k in ("vision", "audience", "pillars", "platforms", "reply", "rule")}
    name, handle = name_and_handle(safe(str(answers.get("name") or "")), safe(contact))
    return CardFacts(
        kicker=t("pic.card.kicker"), name=name or t("pic.card.no_name"), handle=handle,
        role=safe(_joined(answers, "role", t)), vision=safe(str(answers.get("vision") or "")),
        audience=safe(_joined(answers, "priority_segment", t)),
        pillars=tuple(p for p in (safe(str(i)) for i in _items(answers, "pillars")) if p)[:MAX_PILLARS],
        platforms=safe(_joined(answers, "focus_platforms", t)),
        cadence=safe(t("pic.card.cadence", cadence=P.summary(when or P.decide(answers), t))) if cadence else "",
        reply=safe(label("response_time", reply, t)) if reply else "",
        rule=safe(rule), labels={k: safe(v) for k, v in labels.items()})


# A layout level: the scale of the body's type, and whether each field keeps to fewer lines (the tight levels hold
# six long pillars and long answers). The largest level whose body fits the card is drawn; the space left is shared
# between the blocks, so three short pillars fill the card as well as six long ones.
LEVELS = tuple((scale, False) for scale in (1.3, 1.2, 1.1, 1.0, 0.92, 0.85, 0.78)) + \
    tuple((scale, True) for scale in (0.85, 0.75, 0.66))
LABEL = 24            # a section's label (caps, bold), and the room it takes with the space below it
LABEL_ROOM = 40
GAP = 24              # the least space between two blocks
MAX_GAP = 90          # the most: what is left beyond it stays under the last block
FOOTER_TOP = HEIGHT - 76
ROLE = "#c9d6e8"
# The colours that meet on the card (text and shapes over their backgrounds): the PNG's palette is made of them and
# their blends, once per process (layout.palette).
BLENDS = ((INK, PAPER), (MUTED, PAPER), (ACCENT, PAPER), (BAND, PAPER), (ON_BAND, BAND), (GOLD, BAND),
          (ROLE, BAND), (INK, SOFT), (ACCENT, SOFT), (SOFT, PAPER), (PAPER, BAND))


@dataclass(frozen=True)
class Block:
    """One part of the card's body: its height, and how to draw it from a top y (within that height)."""

    height: float
    draw: Callable[[Canvas, float], None]


def _lines(c: Canvas, x: float, y: float, laid: Fit, colour: str, width: float, bottom: float, *,
           bold: bool = False, leading: float = 1.3) -> float:
    for line in laid.lines:
        c.text(x, y, line, laid.size, colour, bold=bold, max_width=width, max_bottom=bottom)
        y += laid.size * leading
    return y


def _label(c: Canvas, x: float, y: float, text: str, width: float, bottom: float) -> None:
    laid = fit(text.upper(), LABEL, width, 1, bold=True, min_size=18)
    _lines(c, x, y, laid, ACCENT, width, bottom, bold=True)


def _sized(size: float, floor: int) -> tuple[int, int]:
    """A scaled size and its smallest, never above it."""
    px = max(12, 2 * round(size / 2))  # even sizes: fewer faces to load (fonts.pil_font), steps of 2 px as fit()
    return px, min(px, floor)


def _body(facts: CardFacts, scale: float, tight: bool) -> list[Block]:
    """The card's body at one level, measured (nothing drawn yet)."""
    inner = WIDTH - 2 * MARGIN
    half = (inner - 40) / 2
    blocks: list[Block] = []

    def text_block(title: str, laid: Fit, colour: str, leading: float = 1.3) -> Block:
        height = LABEL_ROOM + laid.height(leading)

        def draw(c: Canvas, y: float) -> None:
            _label(c, MARGIN, y, title, inner, y + height)
            _lines(c, MARGIN, y + LABEL_ROOM, laid, colour, inner, y + height, leading=leading)
        return Block(height, draw)

    if facts.vision:
        size, low = _sized(36 * scale, 24)
        blocks.append(text_block(facts.labels["vision"], fit(facts.vision, size, inner, 2 if tight else 3,
                                                            min_size=low, frame="“{}”"), INK))
    if facts.audience:
        size, low = _sized(34 * scale, 22)
        blocks.append(text_block(facts.labels["audience"], fit(facts.audience, size, inner, 1 if tight else 2,
                                                              min_size=low), INK))
    if facts.pillars:
        blocks.append(_pillars(facts, scale, tight))
    if facts.platforms or facts.cadence or facts.reply:
        size, low = _sized(30 * scale, 20)
        lines = 1 if tight else 2
        platforms = fit(facts.platforms, size, half, lines, min_size=low) if facts.platforms else None
        cadence = fit(facts.cadence, size - 2, half, lines, min_size=low) if facts.cadence else None
        reply = fit(facts.reply, size, half, lines, min_size=low) if facts.reply else None
        left = LABEL_ROOM + sum(f.height(1.3) for f in (platforms, cadence) if f is not None)
        right = LABEL_ROOM + reply.height(1.3) if reply is not None else 0.0
        height = max(left, right)

        def columns(c: Canvas, y: float, height: float = height) -> None:  # this block's height, bound now
            bottom = y + height
            if platforms is not None or cadence is not None:
                _label(c, MARGIN, y, facts.labels["platforms"], half, bottom)
                yy = y + LABEL_ROOM
                if platforms is not None:
                    yy = _lines(c, MARGIN, yy, platforms, INK, half, bottom)
                if cadence is not None:
                    _lines(c, MARGIN, yy, cadence, MUTED, half, bottom)
            if reply is not None:
                x = MARGIN + half + 40
                _label(c, x, y, facts.labels["reply"], half, bottom)
                _lines(c, x, y + LABEL_ROOM, reply, INK, half, bottom)
        blocks.append(Block(height, columns))
    if facts.rule:
        size, low = _sized(30 * scale, 20)
        rule = fit(facts.rule, size, WIDTH - 2 * MARGIN, 2 if tight else 3, min_size=low)
        pad = 22
        height = pad + LABEL_ROOM + rule.height(1.3) + pad - (rule.size * 0.3)

        def box(c: Canvas, y: float, height: float = height) -> None:
            c.draw.rounded_rectangle((MARGIN - 24, y, WIDTH - MARGIN + 24, y + height), radius=18, fill=SOFT)
            _label(c, MARGIN, y + pad, facts.labels["rule"], inner, y + height)
            _lines(c, MARGIN, y + pad + LABEL_ROOM, rule, INK, inner, y + height)
        blocks.append(Block(height, box))
    return blocks


def _pillars(facts: CardFacts, scale: float, tight: bool) -> Block:
    """The pillars, numbered, all at one size (the size the longest needs), each on its lines."""
    inner = WIDTH - 2 * MARGIN
    size, low = _sized(32 * scale, 20)
    lines = 1 if tight else 2
    laid = [fit(p, size, inner - 60, lines, min_size=low) for p in facts.pillars]
    common = min(f.size for f in laid)
    laid = [fit(p, common, inner - 60, lines, min_size=min(low, common)) for p in facts.pillars]
    circle = min(40.0, max(30.0, 40 * scale))
    rows = [max(circle, f.height(1.25)) for f in laid]
    step = 10 * min(scale, 1.0)
    height = LABEL_ROOM + sum(rows) + step * (len(rows) - 1)

    def draw(c: Canvas, y: float) -> None:
        bottom = y + height
        _label(c, MARGIN, y, facts.labels["pillars"], inner, bottom)
        y += LABEL_ROOM
        for n, (f, row) in enumerate(zip(laid, rows), 1):
            c.draw.ellipse((MARGIN, y, MARGIN + circle, y + circle), fill=BAND)
            c.text(MARGIN + circle / 2, y + circle / 2, str(n), round(circle * 0.55), ON_BAND, bold=True,
                   anchor="mm")
            text_top = y + max(0.0, (circle - f.size * 1.25) / 2) + f.size * 0.08
            _lines(c, MARGIN + 60, text_top, f, INK, inner - 60, y + row + step, leading=1.25)
            y += row + step
    return Block(height, draw)


def _band(facts: CardFacts) -> tuple[float, Callable[[Canvas], None]]:
    """The band at the top (kicker, name, role, handle): its bottom and how to draw it."""
    inner = WIDTH - 2 * MARGIN
    name = fit(facts.name, 72, inner, 1, bold=True, min_size=58)
    if len(name.lines) > 1 or name.summarised:
        name = fit(facts.name, 56, inner, 2, bold=True, min_size=40)
    role = fit(facts.role, 30, inner, 2, min_size=24) if facts.role else None
    handle = fit(facts.handle, 28, inner, 1, bold=True, min_size=20) if facts.handle else None
    y = 124 + name.height(1.15)
    role_top = y + 14
    y = role_top + (role.height(1.3) if role is not None else 0)
    handle_top = y + (8 if role is not None else 14)
    y = handle_top + (handle.height(1.3) if handle is not None else 0)
    bottom = y + 50

    def draw(c: Canvas) -> None:
        c.draw.rectangle((0, 0, WIDTH, bottom), fill=BAND)
        c.draw.rectangle((MARGIN, 64, MARGIN + 64, 70), fill=GOLD)
        _lines(c, MARGIN, 84, fit(facts.kicker.upper(), 24, inner, 1, bold=True, min_size=16), GOLD, inner, 124,
               bold=True)
        _lines(c, MARGIN, 124, name, ON_BAND, inner, bottom, bold=True, leading=1.15)
        if role is not None:
            _lines(c, MARGIN, role_top, role, ROLE, inner, bottom)
        if handle is not None:
            _lines(c, MARGIN, handle_top, handle, GOLD, inner, bottom, bold=True)
    return bottom, draw


def _texts(facts: CardFacts) -> list[str]:
    """Every text the card may draw from its facts."""
    out: list[str] = []
    for value in vars(facts).values():
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(str(v) for v in value)
        elif isinstance(value, Mapping):
            out.extend(str(v) for v in value.values())
    return out


def render_card(facts: CardFacts) -> Picture:
    """The card as a PNG. Every field wraps at word boundaries inside its box; a long answer is set smaller, then
    summarised (its first sentence or clause), never cut inside a word; the body's type is as large as the card
    holds, and the space left is shared between its blocks."""
    with faces_for(_texts(facts)):
        return _render_card(facts)


def _render_card(facts: CardFacts) -> Picture:
    band_bottom, band = _band(facts)
    top, room = band_bottom + 44, FOOTER_TOP - 24 - (band_bottom + 44)

    def fits(level: int) -> list[Block] | None:
        blocks = _body(facts, *LEVELS[level])
        return blocks if sum(b.height for b in blocks) + GAP * (len(blocks) - 1) <= room else None

    lo, hi = 0, len(LEVELS) - 1  # the first level that fits (levels are in order of the room they take)
    found = fits(hi)
    blocks = found if found is not None else _body(facts, *LEVELS[hi])
    while lo < hi and found is not None:
        mid = (lo + hi) // 2
        at = fits(mid)
        if at is not None:
            hi, blocks = mid, at
        else:
            lo = mid + 1
    spare = room - sum(b.height for b in blocks)
    gap = min(MAX_GAP, spare / (len(blocks) - 1)) if len(blocks) > 1 else 0.0
    gap = max(gap, min(GAP, spare / max(1, len(blocks) - 1)))
    c = Canvas(WIDTH, HEIGHT, PAPER)
    band(c)
    y = top
    for block in blocks:
        block.draw(c, y)
        y += block.height + gap
    c.text(MARGIN, HEIGHT - 56, "brandcoach", 22, MUTED, bold=True)
    return c.png(BLENDS)
