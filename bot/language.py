"""Language of a user: detection (word lists + langdetect on en/id, seeded) and a per-user choice that does not flap.

Detection works in three steps, deterministic throughout:
1. clean the text (URLs, mentions, hashtags, e-mails, numbers, emoji and punctuation go) and drop
   language-neutral tokens ("ok", "wkwk", "haha", brand and platform names, proper nouns);
2. weigh the remaining words against hand-written lists of English and Indonesian function and chat
   words (bot.lang_words) plus a little morphology; clear evidence decides here, without statistics;
3. otherwise ask langdetect, restricted to its "en" and "id" profiles (a private, seeded
   DetectorFactory loaded once by warm_up()), and combine its odds with the word evidence.
Indonesian local languages (Javanese, Sundanese, Balinese, ...) are answered in Indonesian: their
common words count as evidence for "id", and a text with no English words is never called "en".
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, replace
from typing import Any

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.lang_words import (AMBIGUOUS, EN_SENTENCE, ENGLISH, INDONESIAN, LOAN_PHRASES, LOANWORDS, LOCAL, NEUTRAL,
                            WEAK_ENGLISH)

# Marker kept in LangState.pending: the language was set from the platform locale (or the default),
# not from anything the user wrote, so the first confident text message may override it at once.
PROVISIONAL = "?"

CONFIDENT = 0.75  # a guess below this never counts towards a switch
SURE = 0.9  # a LONG message this sure switches at once
LONG = 10  # content words of a message that switches a settled chat by itself (shorter ones need a second)
# Replies without language evidence (taps, option numbers, a name) in a provisional language that settle it: someone
# who answers three questions in it reads it, and one sentence in the other language then no longer flips the chat.
SETTLING_ANSWERS = 3

_factory: Any = None

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|id|co|net|org|io|me|ly|gg|app)(?:/\S*)?\b", re.I)
_HANDLE = re.compile(r"[@#]\w+|\S+@\S+\.\w+|(?:^|(?<=\s))/\w+(?:@\w+)?")  # mentions, tags, e-mails, /commands
_TOKEN = re.compile(r"[^\W\d_]+(?:['’`\-][^\W\d_]+)*'?")
_SENTENCE_END = re.compile(r"[.!?\n]\s*$")
_LAUGH = re.compile(
    r"^(?:[wk]*w[wk]*k[wk]*|(?:a?h[aeiou]){2,}h?|(?:[hw]a){2,}|(?:he){2,}|(?:hi){2,}|(?:hu){2,}|(?:xi){2,}"
    r"|lo+l|lm+f?ao+|x+d+|(?:ck){2,}|(?:kw){2,}k?|h+m+|e+h+m*|u+h+|a+h+|o+h+|w+o+w+)$"
)
_RUN3 = re.compile(r"(\w)\1{2,}")
_EN_CONTRACTION = re.compile(r"(?:n't|'s|'m|'re|'ll|'ve|'d)$")


def _profile_json(lang: str) -> str:
    """Raw JSON of one of langdetect's shipped profiles."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    with open(os.path.join(PROFILES_DIRECTORY, lang), encoding="utf-8") as fh:
        return fh.read()


def warm_up() -> None:
    """Load the en and id profiles once, at start-up, not on the first message."""
    global _factory
    if _factory is not None:
        return
    from langdetect.detector_factory import DetectorFactory

    factory = DetectorFactory()
    factory.seed = 0
    factory.load_json_profile([_profile_json(lang) for lang in LANGUAGES])
    _factory = factory


@dataclass(frozen=True)
class LangGuess:
    """What detection found: language (or None), confidence in [0, 1], and how many content words."""

    language: str | None
    confidence: float
    words: int
    local: bool = False
    clear: bool = False  # a clear English sentence (not a list of loanwords or a noun phrase): enough to switch
    plain: bool = False  # English words only, not a list ("see you tomorrow"): counts towards a switch, two in a row


_NONE = LangGuess(None, 0.0, 0)


def _variants(word: str) -> list[str]:
    """The word, then with letter runs ("iyaaa", "bangettt") squeezed."""
    out = [word]
    if _RUN3.search(word):
        out.append(_RUN3.sub(r"\1", word))
        out.append(_RUN3.sub(r"\1\1", word))
    return out


def _lookup(word: str) -> tuple[float, float, bool] | None:
    """(english, indonesian, local) weight of a listed word, (0, 0, False) if neutral, None if unknown."""
    for w in _variants(word):
        if w in NEUTRAL or w in AMBIGUOUS or w in LOANWORDS or _LAUGH.match(w):
            return 0.0, 0.0, False
        en = w in ENGLISH
        idn = w in INDONESIAN
        loc = w in LOCAL
        if en or idn or loc:
            if en and (idn or loc):
                return 0.0, 0.0, False
            if en:
                return (0.5 if w in WEAK_ENGLISH else 1.0), 0.0, False
            return 0.0, 1.0, loc and not idn
    return None


_ID_SUFFIXES = ("nya", "ku", "mu", "lah", "kah", "pun", "kan", "an", "i")
_ID_PREFIXES = ("memper", "menge", "meng", "meny", "mem", "men", "me", "ber", "be", "ter", "te", "di", "ke", "se",
                "peng", "peny", "pem", "pen", "per", "pe", "ku", "kau")
_NASAL = {"meny": "s", "mem": "p", "men": "t", "meng": "k", "peny": "s", "pem": "p", "pen": "t", "peng": "k"}


def _id_stems(word: str) -> list[str]:
    """Candidate Indonesian stems: clitics and affixes stripped (makananku -> makan, menulis -> tulis)."""
    bases = [word]
    for suf in _ID_SUFFIXES:
        for base in list(bases):
            if base.endswith(suf) and len(base) - len(suf) >= 3:
                bases.append(base[: -len(suf)])
    stems = list(bases)
    for base in bases:
        for pre in _ID_PREFIXES:
            if base.startswith(pre) and len(base) - len(pre) >= 3:
                rest = base[len(pre):]
                stems.append(rest)
                if pre in _NASAL:
                    stems.append(_NASAL[pre] + rest)
    return stems[1:]


def _en_stems(word: str) -> list[str]:
    """Candidate English stems: inflections stripped (talking -> talk, dancing -> dance, stopped -> stop)."""
    out: list[str] = []
    for suf in ("ing", "ed", "es", "s", "ly", "er", "est", "d"):
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            stem = word[: -len(suf)]
            out += [stem, stem + "e"]
            if len(stem) >= 4 and stem[-1] == stem[-2]:
                out.append(stem[:-1])
            if stem.endswith("i"):
                out.append(stem[:-1] + "y")
    return out


def _stem_evidence(word: str) -> tuple[float, float]:
    """(english, indonesian) evidence when an unlisted word is an inflected form of a listed one."""
    en = any(s in ENGLISH and s not in INDONESIAN for s in _en_stems(word))
    idn = any(s in INDONESIAN and s not in ENGLISH for s in _id_stems(word))
    if en == idn:
        return 0.0, 0.0
    return (0.8, 0.0) if en else (0.0, 0.8)


def _morphology(word: str) -> tuple[float, float]:
    """Weak (english, indonesian) evidence from the shape of an unlisted word."""
    if _EN_CONTRACTION.search(word):
        return 1.0, 0.0
    n = len(word)
    if n >= 5 and word.endswith("nya"):
        return 0.0, 0.8
    if n >= 6 and word.endswith(("kan", "kah")):
        return 0.0, 0.6
    if n >= 4 and word[:2] in ("ng", "ny", "mb", "nd") and word[2] not in "aeiou" + "y" and word[:2] != "ny":
        return 0.0, 0.8
    if n >= 4 and word[:2] in ("ng", "ny") and word[2] in "aeiou":
        return 0.0, 0.8
    if n >= 6 and re.match(r"^(?:meng|meny|mem|men|ber|per|ter)", word) and not word.endswith(("ing", "ed", "tion")):
        return 0.0, 0.4
    if n >= 6 and word.endswith(("tion", "sion", "ness", "ment", "ful", "less", "ous", "ity")):
        return 0.8, 0.0
    if n >= 5 and word.endswith(("ed", "ly")):
        return 0.4, 0.0
    return 0.0, 0.0


def _split_words(text: str) -> list[tuple[str, bool]]:
    """Letter tokens of a cleaned text, each with whether it looks like a proper noun or acronym."""
    text = _HANDLE.sub(" ", _URL.sub(" ", text))
    out: list[tuple[str, bool]] = []
    for m in _TOKEN.finditer(text):
        raw = m.group().replace("’", "'").replace("`", "'").strip("'")
        if not raw:
            continue
        start = m.start() == 0 or bool(_SENTENCE_END.search(text[: m.start()])) or not out
        proper = (raw[0].isupper() and not start and not raw.isupper()) or (raw.isupper() and 2 <= len(raw) <= 5)
        out.append((raw.lower(), proper))
    return out


def _statistical(words: list[str]) -> float:
    """langdetect's log-odds of English over Indonesian for these words (0 when it cannot tell)."""
    from langdetect.lang_detect_exception import LangDetectException

    warm_up()
    detector = _factory.create()
    detector.append(" ".join(words))
    try:
        probs = {p.lang: p.prob for p in detector.get_probabilities()}
    except LangDetectException:
        return 0.0
    p_en = min(max(probs.get("en", 0.0), 1e-4), 1 - 1e-4)
    return math.log(p_en / (1 - p_en))


_LOAN_PHRASE = re.compile(r"(?<![\w&])(?:" + "|".join(re.escape(p) for p in LOAN_PHRASES) + r")(?![\w&])", re.I)
_INTRO = frozenset({"i'm", "im", "i", "my", "we're", "our"})  # a first item opening "I'm Maya" introduces someone
_LIST_SPLIT = re.compile(r"[,;\n•]+|\s-\s")


def _is_list(text: str) -> bool:
    """A list answer ('review produk, tutorial makeup, daily outfit'): short items, no sentence among them (an item
    with two words of English sentences, or a first item that opens with "I'm"/"my" after at most a greeting,
    "Hi! I'm Maya, Maya Yoga Bali", is a sentence: an introduction is no list of loanwords; "me time, self love" is)."""
    items = [i.strip() for i in _LIST_SPLIT.split(text) if i.strip()]
    if len(items) < 2 or any(len(i.split()) > 5 for i in items):
        return False
    words = [[w for w, _ in _split_words(i)] for i in items]
    opens = bool(words[0]) and any(w in _INTRO for w in words[0][:2])
    return not opens and all(sum(w in EN_SENTENCE for w in item) < 2 for item in words)


def _clear_english(words: list[str], en: float, idn: float) -> bool:
    """English sentences, not loanwords: two sentence words (pronouns, auxiliaries, modals) and little Indonesian."""
    markers = sum(w in EN_SENTENCE for w in words)
    return (markers >= 2 and idn <= en / 2) or (markers >= 1 and en >= 3 and idn == 0)


def analyse(text: str) -> LangGuess:
    """Detect the language of a chat message, with a confidence and the number of content words.

    English loanwords and loan phrases inside Indonesian ("behind the scene", "daily outfit") weigh nothing; a list of
    short items or a noun phrase is weak evidence: it is read as English only without a single Indonesian word, and
    only a clear English sentence (`clear`) may switch a chat to English (see decide_language)."""
    if text.lstrip().startswith("/"):
        return _NONE  # a bot command (and its arguments) says nothing about the user's language
    plain = _LOAN_PHRASE.sub(" , ", text)
    guess = _analyse(plain)
    if guess.language != "en":
        return guess
    words = [w for w, _ in _split_words(plain)]
    en = sum(1.0 for w in words if w in ENGLISH and w not in INDONESIAN and w not in LOANWORDS)
    idn = sum(1.0 for w in words if (w in INDONESIAN or w in LOCAL) and w not in ENGLISH)
    clear = _clear_english(words, en, idn)
    if clear:
        return replace(guess, clear=True)
    if idn == 0 and en >= 1 and not _is_list(text):
        return replace(guess, plain=True)
    if idn > 0 and (_is_list(text) or idn >= en):
        return LangGuess("id", 0.5, guess.words, guess.local)  # loanwords inside Indonesian: Indonesian, weakly
    return replace(guess, confidence=min(guess.confidence, 0.7)) if _is_list(text) else guess


def _analyse(text: str) -> LangGuess:
    en = idn = 0.0
    local = False
    content: list[str] = []  # words that carry language (listed, or unknown and not a proper noun)
    hits = 0.0
    for word, proper in _split_words(text):
        found = _lookup(word)
        if found is None and "-" in word:
            parts = word.split("-")
            if len(parts) == 2 and parts[0] and parts[1].startswith(parts[0]):
                found = (0.0, 1.0, False)  # Indonesian reduplication: baik-baik, teman-temanku
        if found is not None:
            e, i, loc = found
            if e or i:
                content.append(word)
                en += e
                idn += i
                hits += 1
                local = local or loc
            continue
        if proper or len(word) == 1:
            continue
        e, i = _stem_evidence(word)
        if e or i:
            hits += 1
        else:
            e, i = _morphology(word)
        en += e
        idn += i
        content.append(word)
    n = len(content)
    if n == 0:
        return _NONE
    margin = en - idn
    lo, hi = min(en, idn), max(en, idn)
    covered = hits >= 0.3 * n or n <= 3
    if (hits > 0 or hi >= 0.8) and hi > 0 and covered and (lo == 0 or (hi - lo >= 2 and lo <= hi / 3)):
        lang = "en" if margin > 0 else "id"
        conf = 1.0 - 0.5 * math.exp(-abs(margin))
    else:
        odds = max(-4.0, min(4.0, _statistical(content))) + 1.5 * margin
        if odds == 0:
            return LangGuess(None, 0.0, n, local)
        lang = "en" if odds > 0 else "id"
        conf = 1.0 / (1.0 + math.exp(-abs(odds)))
    if lang == "en" and n >= 4 and en < 0.5:
        # Local-language texts (and texts without a single English word) get Indonesian, never English.
        return LangGuess("id", 0.5, n, True)
    return LangGuess(lang, conf, n, local)


def detect_language(text: str) -> str | None:
    """'id', 'en', or None when the text carries no language we can tell."""
    return analyse(text).language


def language_from_locale(locale: str | None) -> str | None:
    """Map a platform locale ('id', 'en-US', 'en_GB') to a language we speak."""
    if not locale:
        return None
    code = locale.replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


@dataclass(frozen=True)
class LangState:
    """Persisted per-user language: pending is a language seen but not yet adopted, or PROVISIONAL."""

    language: str | None
    pinned: bool = False
    pending: str | None = None
    pending_count: int = 0

    @property
    def settled(self) -> bool:
        """Chosen with /language, or adopted from what the user wrote (not the provisional guess from a locale)."""
        return self.pinned or (self.language is not None and self.pending != PROVISIONAL)


@dataclass(frozen=True)
class LangDecision:
    """New state, and whether an already-set language switched to another one."""

    state: LangState
    changed: bool  # True when an already-set language switched to another one


def decide_language(state: LangState, text: str, locale_hint: str | None = None, *,
                    answered: bool = False) -> LangDecision:
    """Pure rule: locale first, the first confident message sets the language, later ones switch only on clear evidence.

    - pinned (/language) never changes;
    - no language yet: a confident guess sets it; otherwise the locale hint (or the default) sets it
      provisionally, marked pending=PROVISIONAL ("?");
    - provisional (pending "?", e.g. set by the core from the locale on a first command): the first
      confident text (any length) sets the language; changed is True if that differs from before; but
      SETTLING_ANSWERS replies without evidence (`answered`: a tap, an option number, a name) settle it as it is;
    - otherwise a switch needs a LONG message detected with confidence >= SURE (English: a clear sentence), or two
      confident messages in a row in the other language (neutral messages in between neither count nor reset);
      low-confidence guesses (lone "thanks", "sorry") are ignored; a local-language message is "id".
    """
    if state.pinned:
        return LangDecision(state, False)
    guess = analyse(text) if text else _NONE
    sure_enough = guess.confidence >= CONFIDENT or (guess.local and guess.language == "id")
    lang = guess.language if sure_enough else None
    if lang == "en" and state.language != "en" and not guess.clear:
        # Loanwords, lists and noun phrases never switch (or set) English. Plain short English ("yes please") sets a
        # language not known yet; in a chat settled in Indonesian it switches only when it comes twice in a row.
        settled = state.language is not None and state.pending != PROVISIONAL
        if not guess.plain:
            lang = None
        elif settled and state.pending != "en":
            return LangDecision(replace(state, pending="en", pending_count=1), False)
    if state.language is None:
        if lang is not None:
            return LangDecision(LangState(lang, False, None, 0), False)
        start = language_from_locale(locale_hint) or DEFAULT_LANGUAGE
        return LangDecision(LangState(start, False, PROVISIONAL, 0), False)
    if lang is None:
        if answered and state.pending == PROVISIONAL:
            count = state.pending_count + 1
            if count >= SETTLING_ANSWERS:
                return LangDecision(replace(state, pending=None, pending_count=0), False)
            return LangDecision(replace(state, pending_count=count), False)
        return LangDecision(state, False)
    if lang == state.language:
        return LangDecision(replace(state, pending=None, pending_count=0), False)
    if state.pending == PROVISIONAL or (guess.words >= LONG and guess.confidence >= SURE):
        return LangDecision(LangState(lang, False, None, 0), True)
    count = state.pending_count + 1 if state.pending == lang else 1
    if count >= 2:
        return LangDecision(LangState(lang, False, None, 0), True)
    return LangDecision(replace(state, pending=lang, pending_count=count), False)
