"""A learned second opinion for /check: per-risk logistic regressions over character and word n-grams of the text
as the understanding layer reads it (chat spellings written out), trained by scripts/train_check_model.py on the
labelled drafts of tests/data/check_dev*.tsv and shipped as handlers/understand/risk_model.tsv.gz.

Why: the lexicon rules (content/check.toml) say exactly which words showed a risk, but on drafts written by people
they were not tuned on they found about six risky drafts in ten; character n-grams carry what word lists miss
(spelling variants, affixes, slang near a known word) and on the held-out set find eight in ten at about the same
precision. The two are combined in handlers.understand.risk: a rule hit stands when the model does not rule it out,
and the model alone flags a draft only when it is confident. Inference is plain Python (no scikit-learn at run
time): the file is read once, lazily, on the first draft.
"""
from __future__ import annotations

import gzip
import math
from array import array
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from bot.gcpolicy import lasting
from handlers.understand.text import Word, words

MODEL_FILE = "risk_model.tsv.gz"
NGRAMS = (2, 3, 4, 5)


def features(ws: list[Word]) -> list[str]:
    """The n-grams of a text's words (also used to train the model, so both sides read text the same way):
    character 2- to 5-grams of each word padded with spaces, the words, and pairs of neighbouring words."""
    toks = [w.norm for w in ws]
    out: list[str] = []
    for t in toks:
        padded = f" {t} "
        for n in NGRAMS:
            out += [padded[i:i + n] for i in range(len(padded) - n + 1)]
    out += ["w:" + t for t in toks]
    out += ["b:" + a + "_" + b for a, b in zip(toks, toks[1:])]
    return out


@dataclass(frozen=True)
class Model:
    """Per-feature idf and one weight per risk, packed in flat float arrays (a dict of tuples held ~24 MB; this
    ~7 MB); an intercept per risk."""

    risks: tuple[str, ...]
    index: dict[str, int]     # feature -> its row
    idf: array               # row -> idf
    weights: array           # row * len(risks) + k -> weight of risk k
    intercept: tuple[float, ...]

    def scores(self, ws: list[Word]) -> dict[str, float]:
        """The probability of each risk for a text's words (tf-idf with log term frequency, l2-normalised, then
        the logistic of each risk's linear score)."""
        counts: dict[int, int] = {}
        for f in features(ws):
            j = self.index.get(f)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        values = {j: (1.0 + math.log(c)) * self.idf[j] for j, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        n = len(self.risks)
        totals = list(self.intercept)
        w = self.weights
        for j, v in values.items():
            v /= norm
            base = j * n
            for k in range(n):
                totals[k] += w[base + k] * v
        return {r: 1.0 / (1.0 + math.exp(-t)) for r, t in zip(self.risks, totals)}

    def evidence(self, ws: list[Word], risk: str) -> Word | None:
        """The word that pushes most towards `risk` (its n-grams' weights summed): what a finding quotes."""
        if risk not in self.risks or not ws:
            return None
        k, n = self.risks.index(risk), len(self.risks)
        best, score = None, 0.0
        for word in ws:
            s = sum(self.weights[j * n + k] for f in features([word]) if (j := self.index.get(f)) is not None)
            if s > score:
                best, score = word, s
        return best


def parse(lines: list[str]) -> Model:
    """The model file: a header `#risks<TAB>r1<TAB>r2...`, `#intercept<TAB>b1...`, then `feature<TAB>idf<TAB>w1...`."""
    risks: tuple[str, ...] = ()
    intercept: tuple[float, ...] = ()
    index: dict[str, int] = {}
    idf = array("f")
    weights = array("f")
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if parts[0] == "#risks":
            risks = tuple(parts[1:])
        elif parts[0] == "#intercept":
            intercept = tuple(float(x) for x in parts[1:])
        elif risks and len(parts) == len(risks) + 2:
            index[parts[0]] = len(idf)
            idf.append(float(parts[1]))
            weights.extend(float(x) for x in parts[2:])
    if not risks or len(intercept) != len(risks):
        raise ValueError("risk model: missing #risks or #intercept header")
    return Model(risks, index, idf, weights, intercept)


@lasting
@lru_cache(maxsize=1)
def model() -> Model | None:
    """The shipped model, read once; None when the package has none (the rules then judge alone)."""
    try:
        raw = resources.files("handlers.understand").joinpath(MODEL_FILE).read_bytes()
    except FileNotFoundError:
        return None
    return parse(gzip.decompress(raw).decode("utf-8").splitlines())


def score_text(text: str) -> dict[str, float]:
    """Each risk's probability for a text ({} without a model)."""
    m = model()
    return m.scores(words(text)) if m is not None else {}
