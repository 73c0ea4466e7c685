"""Train /check's learned second opinion (handlers/understand/model.py) from the labelled development sets.

    python3 -m pip install '.[train]'    # scikit-learn, for training only (the bot reads the result in plain Python)
    python3 scripts/train_check_model.py [--data tests/data/check_dev.tsv,...] [--out handlers/understand/risk_model.tsv.gz]

Per risk category of content/check.toml (all but the all-caps check, which is a rule), a logistic regression over
tf-idf weighted n-grams (handlers.understand.model.features of the text as the understanding layer reads it),
classes balanced. tests/data/check_holdout.tsv is never trained on: bench/check.py measures on it.
The data (tests/data/check_dev*.tsv) was written by hand for this project (CC0 1.0, see tests/data/README.md).
"""
from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.understand.model import MODEL_FILE, features  # noqa: E402
from handlers.understand.risk import learned_risk_names  # noqa: E402
from handlers.understand.text import words  # noqa: E402

TRAIN = ("check_dev.tsv", "check_dev2.tsv", "check_dev3.tsv", "check_dev4.tsv")
C = 8.0          # inverse regularisation: chosen by leave-one-set-out cross-validation over the three sets
MIN_DF = 2       # an n-gram must occur in two drafts to be learned
KEEP = 0.005     # weights smaller than this are written as 0 (their idf still counts in the norm)


def load(path: Path) -> list[tuple[set[str], str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            _writer, _lang, labels, draft = line.split("\t")
            rows.append((set() if labels == "-" else set(labels.split(",")), draft))
    return rows


def analyse(text: str) -> list[str]:
    return features(words(text))


def main() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=",".join(str(ROOT / "tests" / "data" / f) for f in TRAIN))
    ap.add_argument("--out", default=str(ROOT / "handlers" / "understand" / MODEL_FILE))
    args = ap.parse_args()
    rows = [r for p in args.data.split(",") for r in load(Path(p))]
    risks = learned_risk_names()
    vec = TfidfVectorizer(analyzer=analyse, min_df=MIN_DF, sublinear_tf=True)
    x = vec.fit_transform([d for _, d in rows])
    coef, intercept = [], []
    for risk in risks:
        y = [risk in labels for labels, _ in rows]
        fit = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(x, y)
        coef.append(fit.coef_[0])
        intercept.append(float(fit.intercept_[0]))
    names = vec.get_feature_names_out()
    lines = ["#risks\t" + "\t".join(risks), "#intercept\t" + "\t".join(f"{b:.4f}" for b in intercept)]
    for j, name in enumerate(names):
        ws = [c[j] for c in coef]
        cells = ["0" if abs(w) < KEEP else f"{w:.3f}" for w in ws]
        lines.append(f"{name}\t{vec.idf_[j]:.4f}\t" + "\t".join(cells))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    Path(args.out).write_bytes(gzip.compress(data, mtime=0))
    print(f"{len(rows)} drafts, {len(names)} n-grams, {len(risks)} risks -> {args.out} ({len(data) // 1024} KiB raw)")


if __name__ == "__main__":
    main()
