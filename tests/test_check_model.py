"""/check's learned second opinion: the shipped model loads, reads text as the rules do, and never overrides
negation, quotation or teaching; a rule's finding is not diluted by a long harmless caption."""
from __future__ import annotations

import gzip

import pytest

from handlers.understand import model as M
from handlers.understand.risk import assess, learned_risk_names
from handlers.understand.text import words


def test_the_shipped_model_covers_every_learned_risk_of_the_content() -> None:
    m = M.model()
    assert m is not None
    assert set(m.risks) == set(learned_risk_names())  # retrain (scripts/train_check_model.py) after adding a risk
    assert len(m.weights) == len(m.idf) * len(m.risks) and len(m.intercept) == len(m.risks)


def test_scores_are_probabilities_and_the_file_format_is_checked() -> None:
    scores = M.score_text("Sebarkan sebelum dihapus! Kabarnya air PDAM beracun.")
    assert scores and all(0.0 <= p <= 1.0 for p in scores.values())
    assert scores["hoax"] > scores["observance"]
    with pytest.raises(ValueError):
        M.parse(["feature\t1.0\t0.5"])
    tiny = M.parse(["#risks\thoax\tbait", "#intercept\t-1.0\t0.0", " se\t2.0\t3.0\t0", "w:sebar\t1.5\t2.0\t0"])
    assert tiny.scores(words("sebar"))["hoax"] > 0.5 and tiny.evidence(words("halo sebar"), "hoax") is not None


def test_the_features_read_chat_spellings_like_the_rules() -> None:
    assert M.features(words("sblm")) == M.features(words("sebelum"))


@pytest.mark.parametrize("draft", [
    "Jangan pernah sebut anakmu bodoh, kata itu membekas lama.",
    "Kata \"bodoh\" bisa melukai hati murid.",
    "We will never tell you who to vote for. Read every candidate's programme.",
    "Cara mengenali hoaks: cek sumbernya sebelum dibagikan ke grup keluarga.",
])
def test_the_model_never_flags_what_the_rules_read_as_negated_quoted_or_taught(draft: str) -> None:
    assert assess(draft) == ()


def test_a_long_harmless_caption_does_not_dilute_one_risky_sentence() -> None:
    line = "Cerita di balik lagu akustik baru kami, direkam di kamar kos. "
    draft = line * 45 + "Sebarkan sebelum dihapus!"
    assert "hoax" in {f.risk for f in assess(draft)}


def test_the_model_file_is_plain_gzip_text() -> None:
    from importlib import resources

    raw = resources.files("handlers.understand").joinpath(M.MODEL_FILE).read_bytes()
    first = gzip.decompress(raw).decode("utf-8").splitlines()[0]
    assert first.startswith("#risks\t")
