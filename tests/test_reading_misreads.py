"""Typed answers the terminal-chat testers saw misread (issue: readers storing wrong answers): a word that only looks
like a risky option is asked about, 'semua' inside a sentence ticks nothing, a candidate is a candidate, chat
abbreviations, and amounts between two options taken to the nearest with the reply saying so. Tests follow
content/: options and names are read from the content and the catalog, never copied."""
from __future__ import annotations

import pytest

from bot.core import Core
from handlers import lexicon as L
from handlers import steps as S
from test_reading import labels, reading

RISKY = [s for s in S.all_steps() if s.warn_options]


def test_the_content_has_risky_options() -> None:
    assert RISKY, "no step of content/questionnaire.toml has warn_options: these tests would prove nothing"


@pytest.mark.parametrize("text", [
    "Bali", "balik", "bale", "Bali aja kak", "kerasan", "hitam", "lawang", "fightt club", "sometime soon",
    "yesterday", "kadangan", "bal", "del", "blok", "clapping", "hit", "keren", "lawan arah",
])
def test_a_word_that_only_looks_like_a_risky_option_is_never_stored_as_it(core: Core, text: str) -> None:
    for step in RISKY:
        found = reading(core, step.id, text)
        named = {n for v in step.warn_options for n in S._names(step, list(step.options), labels(core, step.id))[v]}
        if L.fold(text) in named:
            continue  # the option's own name is an answer
        picked = found.picked if found else []
        assert not set(picked) & set(step.warn_options), (step.id, text, picked)


def test_a_risky_option_named_in_full_is_still_taken(core: Core) -> None:
    for step in RISKY:
        shown = labels(core, step.id)
        for v in step.warn_options:
            for label in shown[v]:
                found = reading(core, step.id, label)
                assert found is not None and found.picked == [v], (step.id, label, found)
