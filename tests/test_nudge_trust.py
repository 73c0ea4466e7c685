"""Trust at the edges (issue 11): nudge texts keep their promise, ambiguous sends are never repeated, every
re-send is paced, quiet hours after downtime, blocked users parked out of the due index, one process per
database. Time only moves through FakeClock / injected monotonic clocks; nothing sleeps."""
from __future__ import annotations

from typing import Any

from bot.i18n import LANGUAGES, Catalog, placeholders
from bot.nudges import content as C

# What a kind's content fields promise the user in every variant of its message (README "Reminders"):
# a reply routine built from the response-time answer names the target and the reply times.
PROMISED_BY_SOURCE: dict[tuple[str, str], set[str]] = {
    ("times_from", "response_time"): {"target", "times"},
    ("days_from", "cadence"): set(),  # the days decide when it is sent; the text need not list them
}


def _params_known() -> set[str]:
    cat = Catalog()
    return set(C.params(cat, "en", {}, [], []))


def test_every_variant_of_every_kind_carries_what_its_content_promises() -> None:
    cat = Catalog()
    known = _params_known()
    kinds = C.kinds()
    assert kinds
    for kind in kinds.values():
        need: set[str] = set()
        for field in ("times_from", "days_from"):
            source = getattr(kind, field)
            if source is not None:
                assert (field, source) in PROMISED_BY_SOURCE, f"{kind.id}: say what {field}={source!r} promises"
                need |= PROMISED_BY_SOURCE[(field, source)]
        for lang in LANGUAGES:
            for variant in kind.variants:
                text: Any = cat.messages[lang][f"nudge.{kind.id}.{variant}"]
                used = placeholders(text)
                assert need <= used, (lang, kind.id, variant, sorted(need - used))
                assert used <= known, (lang, kind.id, variant, sorted(used - known))
            if kind.idea:  # the idea is attached as its own line (content.render: nudge.idea with {idea})
                assert "idea" in placeholders(cat.messages[lang]["nudge.idea"]), lang
            if kind.checkin:
                assert cat.has("checkin.ask_posts", lang)


def test_a_rendered_reply_routine_nudge_shows_target_and_times() -> None:
    cat = Catalog()
    kind = C.kinds()["respond"]
    for lang in LANGUAGES:
        target = cat.t(lang, "opt.response_time.12")
        for i, _variant in enumerate(kind.variants):
            msg = C.render(cat, lang, kind, nudge_id=1, slot=0, sent_count=i, answers={"response_time": "12"},
                           times=["08:00", "19:00"], days=[0], week="2026-W02", idea=None)
            assert target in msg.text and "08:00, 19:00" in msg.text, (lang, msg.text)
