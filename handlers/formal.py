"""Formal Indonesian: a user who writes formally, or asks for it, is addressed with "Anda" (locales/id-formal/).

The register is read from what the user writes (content/formal.toml [detect]) and kept like the language: the first
message that shows one sets it, a switch then needs SWITCH_AFTER clear messages in a row in the other register
(neutral messages in between neither count nor reset), and an explicit request ("pakai Anda", "panggil saya Bapak",
"pakai kamu aja": [ask]) or /formal chooses it for good. The engine renders in the catalog variant of the stored
register (bot.i18n.Catalog.tag); this feature reads, stores and checks it. The content check refuses an Indonesian
text with a casual word ([informal]) and no formal form, and a formal form with one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from bot import schema
from bot.content import content_doc, load_content
from bot.context import Context
from bot.i18n import catalog_entries_by_language
from bot.features import Command, Feature
from bot.router import Router
from handlers import questionnaire as Q

CONTENT = "formal"
LANG = "id"                 # the language whose catalog has the formal variant
FORMAL, CASUAL = "formal", "informal"
TAG = f"{LANG}-{FORMAL}"    # locales/id-formal/
SWITCH_AFTER = 2            # clear messages in a row in the other register that switch a set register

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»|`[^`]*`")
_COMMAND = re.compile(r"(?<![\w/])/[a-z_]+")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_SENTENCE_END = re.compile(r"[.!?…]['\")\]]*\s*$")
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\U0001F1E6-\U0001F1FF]")
_TAIL = re.compile(r"^\s*(?:[.!?…]|$)")  # a softener ends its sentence ("Coba lagi ya.")...
_LEAD = re.compile(r"[.!?…:\n]")          # ...which has words before it ("Ya." alone is an answer)


@dataclass(frozen=True)
class Words:
    """content/formal.toml, read once."""

    informal: frozenset[str]
    tail: frozenset[str]
    clitics: tuple[str, ...]
    not_clitics: frozenset[str]
    formal_weights: dict[str, int]
    informal_weights: dict[str, int]
    formal_at: int
    informal_at: int
    sentence_words: int
    sentence_weight: int
    emoji_many: int
    emoji_weight: int
    ask_formal: tuple[str, ...]
    ask_informal: tuple[str, ...]
    around: frozenset[str]
    max_words: int


@cache
def words() -> Words:
    data = load_content(CONTENT)
    informal, detect, ask = data["informal"], data["detect"], data["ask"]
    return Words(frozenset(informal["words"]), frozenset(informal.get("tail_words", [])), tuple(informal["clitics"]),
                 frozenset(informal.get("not_clitics", [])), dict(detect["formal"]), dict(detect["informal"]),
                 int(detect["formal_at"]), int(detect["informal_at"]), int(detect["sentence_words"]),
                 int(detect["sentence_weight"]), int(detect["emoji_many"]), int(detect["emoji_weight"]),
                 tuple(ask["formal"]), tuple(ask["informal"]), frozenset(ask["around"]), int(ask["max_words"]))


def tokens(text: str) -> list[str]:
    """Lower-case words ("Bapak/Ibu" is two)."""
    return _WORD.findall(text.lower())


def _padded(toks: list[str]) -> str:
    return f" {' '.join(toks)} "


def _weight(padded: str, table: dict[str, int]) -> int:
    return sum(weight * padded.count(f" {phrase} ") for phrase, weight in table.items())


# ---- what a user writes -----------------------------------------------------------------------------------------

def read_register(text: str) -> str | None:
    """FORMAL, CASUAL, or None when the message does not show a register (a name, a number, "ya", a short answer)."""
    w = words()
    toks = tokens(text)
    if not toks:
        return None
    padded = _padded(toks)
    formal = _weight(padded, w.formal_weights)
    casual = _weight(padded, w.informal_weights)
    if len(_EMOJI.findall(text)) >= w.emoji_many:
        casual += w.emoji_weight
    stripped = text.strip()
    if casual == 0 and len(toks) >= w.sentence_words and ({"saya", "kami"} & set(toks)) \
            and stripped[:1].isupper() and _SENTENCE_END.search(stripped):
        formal += w.sentence_weight
    if formal >= w.formal_at and casual == 0:
        return FORMAL
    if casual >= w.informal_at and formal == 0:
        return CASUAL
    return None


def requested(text: str) -> str | None:
    """FORMAL or CASUAL when the message asks to be addressed so ("pakai Anda", "panggil saya Bapak", "pakai kamu
    aja"), else None: the longest phrase of [ask] found wins, and every other word must be one of `around`."""
    w = words()
    toks = tokens(text)
    if not toks or len(toks) > w.max_words:
        return None
    padded = _padded(toks)
    found = [(len(p.split()), reg, p) for reg, phrases in ((FORMAL, w.ask_formal), (CASUAL, w.ask_informal))
             for p in phrases if f" {p} " in padded]
    if not found:
        return None
    rest = padded
    for _, _, phrase in sorted(found, reverse=True):
        rest = rest.replace(f" {phrase} ", " ")
    if any(t not in w.around for t in rest.split()):
        return None
    return max(found)[1]


# ---- the user's state -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisterState:
    """How a user is addressed (None: not shown yet, the language's own catalog), whether they chose it, and the
    other register seen in a row so far."""

    register: str | None
    pinned: bool = False
    pending: str | None = None
    count: int = 0


def decide_register(state: RegisterState, seen: str | None) -> RegisterState:
    """Pure rule: a chosen register never changes; the first message that shows a register sets it; then a switch
    needs SWITCH_AFTER messages in a row in the other register (messages that show none neither count nor reset)."""
    if state.pinned or seen is None:
        return state
    if state.register is None:
        return RegisterState(seen)
    if seen == state.register:
        return replace(state, pending=None, count=0)
    count = state.count + 1 if state.pending == seen else 1
    if count >= SWITCH_AFTER:
        return RegisterState(seen)
    return replace(state, pending=seen, count=count)


def _state(ctx: Context) -> RegisterState:
    u = ctx.user
    return RegisterState(u.register, bool(u.register_pinned), u.register_pending, u.register_count)


async def _store(ctx: Context, new: RegisterState, *, ride: bool) -> None:
    await ctx.storage.update_user(ctx.user.id, ride=ride, register=new.register, register_pinned=int(new.pinned),
                                  register_pending=new.pending, register_count=new.count)
    u = ctx.user
    u.register, u.register_pinned, u.register_pending, u.register_count = new.register, new.pinned, new.pending, \
        new.count


async def _choose(ctx: Context, register: str) -> None:
    await _store(ctx, RegisterState(register, True), ride=False)
    ctx.say("formal.on" if register == FORMAL else "formal.off")
    await Q.reprompt(ctx)


async def watch(ctx: Context) -> bool:
    """Every private message: an explicit request is answered here (True); Indonesian free text that shows a register
    updates the user's (riding on the answer's commit), before the reply is rendered."""
    inbound = ctx.inbound
    if inbound.kind != "text" or not inbound.text or inbound.answers:
        return False
    asked = requested(inbound.text)
    if asked is not None:
        await _choose(ctx, asked)
        return True
    route = ctx.core.router.awaited_route(ctx.awaits)
    if ctx.lang != LANG or (route is not None and not route.language_evidence):  # a zone or clock times: no register
        return False
    state = _state(ctx)
    new = decide_register(state, read_register(inbound.text))
    if new != state:
        await _store(ctx, new, ride=True)
    return False


async def cmd_formal(ctx: Context) -> None:
    """/formal: formal Indonesian (Anda); again (or /formal off): back to casual (kamu)."""
    arg = ctx.inbound.args[0].lower() if ctx.inbound.args else ""
    if arg in ("off", "no", "tidak", "santai", "kamu", "informal", "casual"):
        register = CASUAL
    elif arg in ("on", "yes", "ya", "anda", "formal"):
        register = FORMAL
    else:
        register = CASUAL if ctx.user.register == FORMAL else FORMAL
    await _choose(ctx, register)


def _watch(router: Router) -> None:
    router.watch(watch)


FEATURE = Feature("formal", commands=(Command("formal", cmd_formal),), setup=_watch)


# ---- the catalogs' check ----------------------------------------------------------------------------------------

def voice(text: str) -> str:
    """The coach's own words of a catalog text: quoted words (what a user may type), /commands and placeholders out."""
    return _PLACEHOLDER.sub(" ", _COMMAND.sub(" ", _QUOTED.sub(" ", text)))


def casual_words(text: str) -> list[str]:
    """The casual words of a catalog text, in order (content/formal.toml [informal]); [] for a neutral text."""
    w = words()
    spoken = voice(text)
    out: list[str] = []
    for m in _WORD.finditer(spoken):
        word = m.group(0).lower()
        if word in w.informal:
            out.append(m.group(0))
        elif word in w.tail and _TAIL.match(spoken[m.end():]) and _WORD.search(_LEAD.split(spoken[:m.start()])[-1]):
            out.append(m.group(0))
        elif word not in w.not_clitics and any(word.endswith(c) and len(word) > len(c) + 1 for c in w.clitics):
            out.append(m.group(0))
    return out


_WORD_LIST = schema.Field(schema.ListOf(str), required=True, pattern=r"[a-z]+(?: [a-z]+)*")
_WEIGHTS = schema.Field(schema.MapOf(schema.Field(int, min=1, max=5), key_pattern=r"[a-z]+(?: [a-z]+)*"),
                        required=True)
_AT = schema.Field(int, required=True, min=1, max=20)
SCHEMA = schema.Table({
    "informal": schema.Field(schema.Table({
        "words": _WORD_LIST, "tail_words": _WORD_LIST, "clitics": _WORD_LIST, "not_clitics": _WORD_LIST}),
        required=True),
    "detect": schema.Field(schema.Table({
        "formal_at": _AT, "informal_at": _AT, "sentence_words": _AT, "sentence_weight": _AT, "emoji_many": _AT,
        "emoji_weight": _AT, "formal": _WEIGHTS, "informal": _WEIGHTS}), required=True),
    "ask": schema.Field(schema.Table({
        "max_words": _AT, "formal": _WORD_LIST, "informal": _WORD_LIST, "around": _WORD_LIST}), required=True),
})


def content_findings(data: dict[str, Any]) -> list[schema.Finding]:
    """content/formal.toml: its schema, no word twice in a list, no phrase asking for both registers, and requests
    short enough to be asked."""
    found = schema.validate(data, SCHEMA)
    if found:
        return found
    for table in ("informal", "ask"):
        for name, values in data[table].items():
            if isinstance(values, list):
                found += [(f"{table}.{name}", f"{v!r} is listed twice") for v in schema.duplicates(values)]
    both = set(data["ask"]["formal"]) & set(data["ask"]["informal"])
    found += [("ask", f"{p!r} asks for both registers") for p in sorted(both)]
    both = set(data["detect"]["formal"]) & set(data["detect"]["informal"])
    found += [("detect", f"{p!r} counts for both registers") for p in sorted(both)]
    limit = int(data["ask"]["max_words"])
    found += [(f"ask.{reg}", f"{p!r} has more than max_words ({limit}) words") for reg in ("formal", "informal")
              for p in data["ask"][reg] if len(p.split()) > limit]
    return found


def catalog_issues() -> list[schema.Issue]:
    """locales/id/ against locales/id-formal/: every casual text has a formal form, and no formal form is casual.
    (Unknown keys and placeholders that differ are the engine's catalog check.)"""
    catalogs = catalog_entries_by_language((LANG, TAG))
    base, formal = catalogs[LANG], catalogs[TAG]
    out: list[schema.Issue] = []
    for key, entry in base.items():
        casual = casual_words(entry.text)
        if casual and key not in formal:
            out.append(schema.Issue(entry.file, entry.line, key, f"casual Indonesian ({', '.join(casual)}) with no "
                                    f"formal form: add {key} to locales/{TAG}/ (the same key, \"Anda\"/\"saya\", no "
                                    f"casual words; words of content/{CONTENT}.toml [informal])"))
    for key, entry in formal.items():
        casual = casual_words(entry.text)
        if casual:
            out.append(schema.Issue(entry.file, entry.line, key, f"the formal form has casual words "
                                    f"({', '.join(casual)}): content/{CONTENT}.toml [informal]"))
    return out


def check() -> list[schema.Issue]:
    """`brandcoach check-content`: content/formal.toml and the formal Indonesian catalog."""
    doc = content_doc(CONTENT)
    issues = doc.issues(content_findings(doc.data))
    if issues:
        return issues
    return catalog_issues()


schema.register_check("formal", check)
