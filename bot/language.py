"""Language of a user: detection (langdetect, seeded) and a per-user choice that does not flap."""
from __future__ import annotations

from dataclasses import dataclass, replace

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES

_factory_ready = False


def warm_up() -> None:
    """Load langdetect's profiles once, at start-up, not on the first message."""
    global _factory_ready
    if _factory_ready:
        return
    from langdetect import DetectorFactory
    from langdetect.detector_factory import init_factory

    DetectorFactory.seed = 0
    init_factory()
    _factory_ready = True



def detect_language(text: str) -> str | None:
    """'id', 'en', or None when the text carries no language we can tell."""
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    if not words:
        return None
    warm_up()
    from langdetect import detector_factory
    from langdetect.lang_detect_exception import LangDetectException

    try:
        detector = detector_factory._factory.create()  # type: ignore[union-attr]
        detector.append(text)
        probs = detector.get_probabilities()
    except LangDetectException:
        return None
    for p in probs:
        if p.lang in ("id", "ms"):
            return "id"
        if p.lang == "en":
            return "en"
    return None


def language_from_locale(locale: str | None) -> str | None:
    """Map a platform locale ('id', 'en-US', 'en_GB') to a language we speak."""
    if not locale:
        return None
    code = locale.replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


@dataclass(frozen=True)
class LangState:
    language: str | None
    pinned: bool = False
    pending: str | None = None
    pending_count: int = 0


@dataclass(frozen=True)
class LangDecision:
    state: LangState
    changed: bool  # True when an already-set language switched to another one


def decide_language(state: LangState, text: str, locale_hint: str | None = None) -> LangDecision:
    """Pure rule: the first confident message sets the language; later ones switch it only on clear evidence."""
    if state.pinned:
        return LangDecision(state, False)
    guess = detect_language(text) if text else None
    if state.language is None:
        lang = guess or language_from_locale(locale_hint) or DEFAULT_LANGUAGE
        return LangDecision(replace(state, language=lang, pending=None, pending_count=0), False)
    if guess is None or guess == state.language:
        return LangDecision(replace(state, pending=None, pending_count=0), False)
    count = state.pending_count + 1 if state.pending == guess else 1
    if count >= 2 or len(text.split()) >= 3:
        return LangDecision(LangState(guess, False, None, 0), True)
    return LangDecision(replace(state, pending=guess, pending_count=count), False)
