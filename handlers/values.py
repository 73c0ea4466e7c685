"""Typed answers as the plan shows them: the value without the words around it, and lists read from prose.

People answer a chat the way they talk: "@nadiaglowup aja kak", "oke deh: 200k followers di TikTok", "Menurut hemat
saya, audiens saya adalah para guru SD hingga SMA, ..., serta panitia seminar dari dinas pendidikan dan PGRI." The
plan, the card and the reminders quote answers back, so what they quote must be the value itself: "@nadiaglowup",
"200k followers di TikTok", and the audiences as whole items.

Why the clean value is what is stored (answers.value) and the typed text is kept beside it (answers.typed, shown by
/export): every feature that quotes an answer (plan, card, PDF, calendar, ideas, reminders, /check's pillars) reads
answers.value, and a feature written later would forget a clean-at-render step; the user also sees the clean value
at once ("Jawabanmu sekarang: ...") and can correct it. Rows written before answers.typed existed have no typed text:
their value is what was typed, and everything reads them as before.

Only the edges of a value are cleaned (and, for lists, the edges of each item): a value never loses its inner words,
so a cleaning mistake can cost a filler-like word at an edge, never the middle of an answer. The words are in
content/lexicon.toml [clean]."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from handlers import lexicon as L
from handlers.lexicon import fold

MAX_PHRASE = 4  # the longest phrase of [clean], in words
_BREAK = ",;:.!?…—–-)"  # a token ending in one of these ends a run of words ("Kak," "oke deh:")
_FINAL = " \t.,;:!?…-–—~*\"'“”‘’"
_LEADING = " \t.,;:!?…-–—~*"  # quotes stay: a quoted item loses its quotes whole (_unwrap)
_ITEM_END = " \t.,;:!?…-–—~*"
_TEXT_END = " \t,;:-–—~*"  # a free-text answer keeps its . ! ? …


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    folded: str  # '' for emoji and punctuation
    brk: bool  # punctuation right after it


@dataclass(frozen=True)
class ListReading:
    """The items read from a typed list answer; `prose` when the reading is more than a split at commas and lines
    (lead-ins dropped, an item kept whole across a comma, a "dan" split): the bot then shows what it understood."""

    items: tuple[str, ...]
    prose: bool


@lru_cache(maxsize=256)  # keyed by content names (steps, lists), not by user text: few keys
def _set(*names: str) -> frozenset[str]:
    return frozenset(fold(w) for name in names for w in L.clean(name) if fold(w))


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in re.finditer(r"\S+", text):
        raw = m.group()
        after = text[m.end():m.end() + 2].lstrip(" ")
        out.append(_Token(m.start(), m.end(), fold(raw), raw[-1] in _BREAK or (after[:1] in "-–—" and after != "")))
    return out


def _match(tokens: Sequence[_Token], i: int, j: int, words: frozenset[str]) -> int:
    """How many tokens from tokens[i] (before j) make one phrase of `words` (the longest), else 0."""
    for k in range(min(MAX_PHRASE, j - i), 0, -1):
        if " ".join(t.folded for t in tokens[i:i + k]) in words:
            return k
    return 0


def _match_end(tokens: Sequence[_Token], i: int, j: int, words: frozenset[str]) -> int:
    """How many tokens ending at tokens[j - 1] (from i on) make one phrase of `words` (the longest), else 0."""
    for k in range(min(MAX_PHRASE, j - i), 0, -1):
        if " ".join(t.folded for t in tokens[j - k:j]) in words:
            return k
    return 0


def _leading_run(tokens: Sequence[_Token], i: int, j: int, item: bool, strict: bool) -> int:
    """Tokens to drop at the start: a run of openers, particles, address and courtesy words, lead-ins and emoji.

    The run is cut after its last word that ends at a comma or colon, or that never starts a value (a particle, a
    courtesy, a lead-in, a hesitation, an emoji); an address word or an opener with nothing after it stays ("Pak Budi
    Santoso", "Jadi guru yang dikenal", "terima kasih. Baik hati" keeps "Baik"). `strict` (a name): the run is cut
    only after a comma or colon (or an emoji)."""
    strong = _set("particles", "courtesy", "lead_ins") | (_set("joiners", "articles") if item else frozenset())
    weak = _set("interjections", "address")
    at, cut = i, 0
    while at < j:
        t = tokens[at]
        if not t.folded:  # an emoji or a dash: never the start of a value
            at += 1
            cut = at - i
            continue
        k_strong, k_weak = _match(tokens, at, j, strong), _match(tokens, at, j, weak)  # the longest phrase wins
        if not k_strong and not k_weak:
            break
        k = max(k_strong, k_weak)
        sure = k_strong >= k_weak or t.folded in _HESITATIONS
        at += k
        if tokens[at - 1].brk or (sure and not strict) or (item and at == j):
            cut = at - i  # (a list item that is only such words, 'oke' before a comma, is no item)
    return cut


_HESITATIONS = frozenset({"hmm", "hm", "hmmm", "hmmmm", "emm", "em", "umm", "um", "uh", "eh", "ehm"})


def _topic_lead(tokens: Sequence[_Token], i: int, j: int, item: bool) -> int:
    """'audiens saya adalah', 'my audience is', 'pilar kontenku:', 'target saya': tokens to drop, else 0.

    A topic with an owner or a copula (or a colon after it); in a free-text answer only with a copula or a colon,
    so 'Konten saya harus bermanfaat' keeps its words."""
    topics, owners, copulas = _set("topics"), _set("owners"), _set("copulas")
    at = i
    owner = False
    if at < j and tokens[at].folded in {"my", "our"}:
        at, owner = at + 1, True
    start = at
    glued = False
    while at < j:
        # a topic phrase ends at a colon or comma: 'pilar: Konten saya...' is the topic 'pilar', not 'pilar konten'
        end = next((x + 1 for x in range(at, j) if tokens[x].brk), j)
        k = _match(tokens, at, end, topics)
        if k:
            at += k
            if tokens[at - 1].brk:
                break
            continue
        word = tokens[at].folded
        suffix = next((s for s in ("ku", "nya") if word.endswith(s) and word[:-len(s)] in topics), None)
        if suffix is not None:  # 'audiensku' (mine), 'targetnya'
            at, glued = at + 1, suffix == "ku"
        break
    if at == start:
        return _bare_copula(tokens, i, j)
    owner = owner or glued
    colon = tokens[at - 1].brk
    if not colon and at < j and not owner and (k := _match(tokens, at, j, owners)):
        at, owner = at + k, True
        colon = tokens[at - 1].brk
    copula = False
    if not colon and at < j and (k := _match(tokens, at, j, copulas)):
        at, copula = at + k, True
        colon = tokens[at - 1].brk
    if at >= j:  # 'audiens saya adalah' before a list on lines: no item; 'pengikut saya' alone may be one
        return at - i if item and (copula or colon) else 0
    if not copula and not colon and tokens[at].folded in _RELATIVE:
        return 0  # 'pengikut saya yang loyal' is an audience, not a lead-in
    if copula or colon or (item and owner):
        return at - i
    return 0


_RELATIVE = frozenset({"yang", "who", "that", "which"})


def _bare_copula(tokens: Sequence[_Token], i: int, j: int) -> int:
    """'adalah guru', 'yaitu ...': a copula left at the start of a value (after a lead-in went)."""
    bare = {"adalah", "ialah", "yaitu", "yakni", "antara lain", "meliputi"}
    k = _match(tokens, i, j, frozenset(bare))
    return k if k and i + k < j else 0


def _trailing_run(tokens: Sequence[_Token], i: int, j: int, item: bool) -> int:
    """Tokens to drop at the end: particles, address and courtesy words, laughter and emoji ('aja kak 🙏')."""
    words = _set("particles", "address", "courtesy") | (_set("tails") if item else frozenset())
    at = j
    while at > i:
        if not tokens[at - 1].folded:
            at -= 1
            continue
        k = _match_end(tokens, i, at, words)
        if not k:
            break
        at -= k
    return j - at


def _strip(text: str, *, item: bool = False, strict: bool = False) -> str:
    """The value without what stands around it (see the module's docstring)."""
    while True:
        tokens = _tokens(text)
        i, j = 0, len(tokens)
        while i < j:
            k = _leading_run(tokens, i, j, item, strict)
            if not k and not strict:
                k = _topic_lead(tokens, i, j, item)
            if not k and item:
                k = _match(tokens, i, j, _set("articles")) if i + 1 < j else 0
            if not k:
                break
            i += k
        while j > i:
            k = _trailing_run(tokens, i, j, item)
            if not k:
                break
            j -= k
        if i >= j:
            return ""
        out = text[tokens[i].start:tokens[j - 1].end].lstrip(_LEADING)
        out = _unwrap(_BULLET.sub("", out).rstrip(_ITEM_END)) if item else out.rstrip(_TEXT_END)
        if out == text:
            return out
        text = out


def _unwrap(text: str) -> str:
    """An item in quotes or brackets as a whole: the quotes go."""
    pairs = {'"': '"', "“": "”", "'": "'", "(": ")", "[": "]"}
    while len(text) >= 2 and text[0] in pairs and text[-1] == pairs[text[0]] \
            and text.count(text[0]) + text.count(pairs[text[0]]) == 2:
        text = text[1:-1].strip()
    return text


def clean_value(text: str, *, name: bool = False) -> str:
    """A free-text answer as the plan shows it: fillers, openers, address and courtesy words, lead-ins and emoji at
    its edges dropped ("oke deh: 200k followers 🙏" -> "200k followers"); '' when nothing else was said. A name keeps
    words before it unless a comma sets them apart ("Pak Budi Santoso"; "@nadiaglowup aja kak" -> "@nadiaglowup")."""
    return _strip(text.strip(), strict=name)


def without_relative_tail(text: str) -> str:
    """A who-answer without a clause that repeats the question after it ('Putri saya, Ibu Ratna, yang membalas
    komentar.' -> 'Putri saya, Ibu Ratna'), so a plan sentence that names the person reads once; the text unchanged
    when nothing comes before such a clause."""
    tokens = _tokens(text)
    for n in range(1, len(tokens)):
        if tokens[n - 1].brk and text[tokens[n - 1].end - 1] == "," and tokens[n].folded in _RELATIVE:
            return text[:tokens[n - 1].end].rstrip(_FINAL)
    return text


def has_words(text: str) -> bool:
    """Letters or digits: an emoji-only answer has none."""
    return any(c.isalnum() for c in text)


# -- lists -----------------------------------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*•·▪►✓✔]|\d{1,2}[.)](?=\s))\s*")  # '1. a', '- a'; never '5.000 murid'

_INLINE_NUMBERS = re.compile(r"(?:^|\s)(\d{1,2})[.)]\s+")
_ABBREVIATIONS = frozenset({"dll", "dsb", "dst", "etc", "eg", "e.g", "ie", "i.e", "dr", "drs", "mr", "mrs", "ms",
                            "prof", "st", "no", "vs", "jl", "ir", "h", "hj", "spd", "s.pd", "s.h", "m.pd", "a.md"})


def naive_items(text: str) -> list[str]:
    """A split at commas, semicolons and lines, bullets and end punctuation aside: what a plain list reads as."""
    parts = re.split(r"[\n;,]+", text)
    items = [_BULLET.sub("", p).strip().rstrip(_FINAL).strip() for p in parts]
    return [i for i in items if i]


def _lines(text: str) -> list[str]:
    """Lines and semicolon parts; '1. a 2. b 3. c' on one line is three lines."""
    out: list[str] = []
    for line in re.split(r"[\n;]+", text):
        numbers = [int(m.group(1)) for m in _INLINE_NUMBERS.finditer(line)]
        if len(numbers) >= 2 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            lead, *rest = _INLINE_NUMBERS.split(line)[::2]
            lead = lead.strip()  # the words before '1.' introduce the list ('target saya 1. ...'): as if with a colon
            out += [f"{lead}:" if lead and lead[-1] not in _BREAK else lead] + [p for p in rest if p.strip()]
        else:
            out.append(line)
    out = [line for line in out if line.strip()]
    if len(out) >= 2 and not _BULLET.match(out[0]) and all(_BULLET.match(line) for line in out[1:]):
        out[0] = out[0].rstrip() + ("" if out[0].rstrip()[-1:] in _BREAK else ":")  # 'audiens saya' over bullets
    return [_BULLET.sub("", line).strip() for line in out]


def _sentences(line: str) -> list[str]:
    """Sentences of a line: a split after . ! ? before a space, never after an abbreviation ('dll.') or a dotted
    title ('S.Pd.', 'M.Si.')."""
    out, start = [], 0
    for m in re.finditer(r"[.!?]+(?=\s)", line):
        word = line[:m.start()].rsplit(None, 1)[-1].lower() if line[:m.start()].strip() else ""
        dotted_title = "." in word.strip(".") and L.is_title(word)  # 'M.Si.', 'S.Pd.I.' ([words].titles)
        if m.group() == "." and (word.strip("(\"'") in _ABBREVIATIONS or len(word) == 1 or dotted_title):
            continue
        out.append(line[start:m.end()])
        start = m.end()
    out.append(line[start:])
    return [s.strip() for s in out if s.strip()]


def _commas(sentence: str) -> list[str]:
    """Comma parts of a sentence, never inside brackets nor between digits ('1,5 juta')."""
    out, depth, start = [], 0, 0
    for at, c in enumerate(sentence):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif c == "," and depth == 0:
            if 0 < at < len(sentence) - 1 and sentence[at - 1].isdigit() and sentence[at + 1].isdigit():
                continue
            out.append(sentence[start:at])
            start = at + 1
    out.append(sentence[start:])
    return out


def _starts_with(text: str, words: frozenset[str]) -> bool:
    tokens = _tokens(text)
    return bool(tokens) and _match(tokens, 0, len(tokens), words) > 0


_SERIES_JOINERS = frozenset({"dan", "and", "serta", "&", "sama", "atau", "or", "plus"})


def _split_pair(item: str) -> list[str]:
    """The last item of a comma series, 'dosen dan mahasiswa', as its two items; one item when the 'dan' joins words
    inside a phrase ('panitia dari dinas pendidikan dan PGRI') or either side is long."""
    tokens = _tokens(item)
    at = [n for n, t in enumerate(tokens) if t.folded in _SERIES_JOINERS and 0 < n < len(tokens) - 1]
    if len(at) != 1:
        return [item]
    n = at[0]
    left, right = _strip(item[:tokens[n].start], item=True), _strip(item[tokens[n + 1].start:], item=True)
    sizes = [len(_tokens(left)), len(_tokens(right))]
    if not all(sizes) or max(sizes) > 4 or any(t.folded in _set("prepositions") for t in _tokens(left)):
        return [item]
    return [left, right]


def read_list(text: str) -> ListReading:
    """The items of a list answer, read as people write one: one per line, separated by commas, or in a sentence.

    Lead-ins go ("Menurut hemat saya,", "audiens saya adalah", "I think", "mostly"), joiners at an item's start go
    ("serta", "dan", "and"), items keep their inner words and commas that continue them ("ibu muda, terutama yang
    bekerja"), final punctuation goes, and "dan"/"and" splits only the last item of a comma series ("guru, dosen dan
    mahasiswa"); "dll"/"etc" are no items."""
    items: list[str] = []
    for line in _lines(text):
        for sentence in _sentences(line):
            chunks = [c for c in _commas(sentence) if c.strip()]
            mine: list[str] = []
            series = 0
            last_joined = False
            for n, chunk in enumerate(chunks):
                if mine and n and _starts_with(chunk, _set("continuations")):
                    mine[-1] = _strip(f"{mine[-1]},{chunk}", item=True)
                    continue
                last_joined = _starts_with(chunk, _set("joiners"))
                value = _strip(chunk, item=True)
                if value and has_words(value) and fold(value) not in _tails():
                    mine.append(value)
                    series += 1
            if series >= 2 and mine and not last_joined:
                mine[-1:] = _split_pair(mine[-1])
            items += mine
    seen: set[str] = set()
    unique: list[str] = []
    for item in items:
        if fold(item) not in seen:
            seen.add(fold(item))
            unique.append(item)
    return ListReading(tuple(unique), unique != naive_items(text))


@lru_cache(maxsize=1)
def _tails() -> frozenset[str]:
    tails = _set("tails")
    joiners = _set("joiners")
    return tails | {" ".join(t.split()[1:]) for t in tails if t.split()[0] in joiners}


# -- fixing a list in one message ----------------------------------------------------------------------------------

_NUM = r"(?:no\.?\s*|nomor\s*|number\s*|#)?"
_NUMS = r"(\d{1,2}(?:\s*(?:,|dan|and|&|\+|-|sama)?\s*\d{1,2})*)"
_DELETE = re.compile(rf"^(?:hapus|hapuskan|buang|hilangkan|coret|delete|remove|drop|del)\s+{_NUM}{_NUMS}$")
_MERGE = re.compile(rf"^(?:gabung|gabungkan|gabungin|satukan|merge|join|combine)\s+{_NUM}{_NUMS}$")
_REPLACE = re.compile(rf"^(?:ganti\s+|ubah\s+|change\s+|replace\s+)?{_NUM}(\d{{1,2}})\s*(?:=|:|jadi\s|menjadi\s|to\s|"
                      r"with\s|->|→)\s*(.+)$", re.DOTALL | re.IGNORECASE)
_ADD = re.compile(r"^(?:tambah|tambahkan|tambahin|add|\+)\s+(.+)$", re.DOTALL | re.IGNORECASE)
_VERB = re.compile(r"^(?:hapus|hapuskan|buang|hilangkan|coret|delete|remove|drop|del|gabung|gabungkan|gabungin|satukan|"
                   r"merge|join|combine|tambah|tambahkan|tambahin|add|ganti|ubah|change|replace)\b")
_COMMAND_SPLIT = re.compile(r"\s*(?:[;\n]|,\s*(?=(?:hapus|buang|hilangkan|coret|delete|remove|drop|del|gabung|satukan|"
                            r"merge|join|combine|tambah|add|ganti|ubah|change|replace)\b|\d{1,2}\s*[=:]))\s*",
                            re.IGNORECASE)


@dataclass(frozen=True)
class ListFix:
    """A one-message fix of a list: the new items, or `bad` when it reads as a fix that cannot be done (a number
    not on the list)."""

    items: tuple[str, ...] = ()
    bad: bool = False


def _numbers(raw: str) -> list[int]:
    found = [int(n) for n in re.findall(r"\d{1,2}", raw)]
    ranged = re.fullmatch(r"\s*(\d{1,2})\s*-\s*(\d{1,2})\s*", raw)
    if ranged and int(ranged.group(1)) < int(ranged.group(2)):
        found = list(range(int(ranged.group(1)), int(ranged.group(2)) + 1))
    return found


def list_fix(text: str, items: Sequence[str], and_word: str) -> ListFix | None:
    """A fix of the list `items` in one message, or None when the message is not one (a new list, say):
    'hapus 2' / 'delete 2', 'gabung 2 3' / 'merge 2 3' (joined with `and_word`), '2 = guru les privat' /
    'ganti 2 jadi ...', 'tambah ...' / 'add ...'; several separated by ';', a comma or a line. Numbers are positions
    in the list as shown."""
    parts = [p.strip() for p in _COMMAND_SPLIT.split(text.strip()) if p.strip()]
    if not parts:
        return None
    deletes: set[int] = set()
    merges: list[list[int]] = []
    replaces: dict[int, str] = {}
    adds: list[str] = []
    for part in parts:
        low = part.lower()
        if m := _DELETE.match(low):
            deletes.update(_numbers(m.group(1)))
        elif m := _MERGE.match(low):
            merges.append(sorted(set(_numbers(m.group(1)))))
        elif m := _REPLACE.match(part):
            replaces[int(m.group(1))] = m.group(2).strip()
        elif m := _ADD.match(part):
            adds += read_list(m.group(1)).items
        else:
            return ListFix(bad=True) if _VERB.match(low) and len(parts) == 1 and len(part.split()) <= 4 else None
    count = len(items)
    used = deletes | set(replaces) | {n for group in merges for n in group}
    if any(not 1 <= n <= count for n in used) or any(len(group) < 2 for group in merges):
        return ListFix(bad=True)
    leader = {n: group[0] for group in merges for n in group}
    out: list[str] = []
    for n in range(1, count + 1):
        if n in deletes or leader.get(n, n) != n:
            continue
        group = [g for g in next((g for g in merges if g[0] == n), [n]) if g not in deletes]
        texts = [replaces.get(g, items[g - 1]) for g in group]
        out.append(f" {and_word} ".join(texts))
    out += adds
    cleaned = tuple(v for v in (_strip(o, item=True) for o in out) if v)
    return ListFix(cleaned) if cleaned else ListFix(bad=True)
