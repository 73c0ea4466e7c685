"""/check's judgement on labelled drafts: precision and recall per risk category, safe drafts flagged, and the time
to judge one draft. Prints figures, never passes or fails.

    python bench/check.py [--data tests/data/check_dev.tsv] [--fails] [--only CATEGORY]

It also prints the rules alone (content/check.toml without the learned model) on the same drafts, as the
baseline the model is measured against. A TSV row is `writer <TAB> lang <TAB> labels <TAB> draft` (labels
comma-separated, "-" for a safe draft; lines
starting with '#' are comments). What it measures: the risk categories of handlers.understand.risk.assess against
the labels, per category (a draft counts once per label); "safe flagged" is the share of drafts labelled "-" that
got any finding. The time is wall time per draft after one warm-up pass (content compiled, word-form caches warm),
median and p95 over every draft of the file; it leaves out the bot around it (storage, rendering, sending).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.understand.risk import assess, risk_names  # noqa: E402


def load(path: Path) -> list[tuple[str, str, set[str], str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        writer, lang, labels, draft = line.split("\t")
        rows.append((writer, lang, set() if labels == "-" else set(labels.split(",")), draft))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "tests" / "data" / "check_dev.tsv"))
    ap.add_argument("--fails", action="store_true", help="list the drafts judged wrongly")
    ap.add_argument("--only", help="list failures of this category only")
    args = ap.parse_args()
    rows = load(Path(args.data))
    for *_, draft in rows:
        assess(draft)  # warm-up: content compiled, caches filled
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    times: list[float] = []
    safe = safe_flagged = 0
    by_lang: dict[str, list[int]] = {}
    fails = []
    for writer, lang, want, draft in rows:
        t0 = time.perf_counter()
        got = {f.risk for f in assess(draft)}
        times.append(time.perf_counter() - t0)
        for c in got & want:
            tp[c] += 1
        for c in got - want:
            fp[c] += 1
        for c in want - got:
            fn[c] += 1
        if not want:
            safe += 1
            safe_flagged += bool(got)
        right = got == want
        by_lang.setdefault(lang, [0, 0])[0] += right
        by_lang[lang][1] += 1
        if not right and (args.only is None or args.only in (got ^ want)):
            fails.append((writer, lang, sorted(want), sorted(got), draft))
    print(f"{args.data}: {len(rows)} drafts, {safe} safe")
    print(f"{'category':<16} {'recall':>8} {'precision':>10} {'tp':>4} {'fn':>4} {'fp':>4}")
    for c in risk_names():
        n = tp[c] + fn[c]
        rec = tp[c] / n if n else float("nan")
        prec = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else float("nan")
        print(f"{c:<16} {rec:>8.1%} {prec:>10.1%} {tp[c]:>4} {fn[c]:>4} {fp[c]:>4}")
    total_tp, total_fn, total_fp = sum(tp.values()), sum(fn.values()), sum(fp.values())
    print(f"{'all labels':<16} {total_tp / max(1, total_tp + total_fn):>8.1%} "
          f"{total_tp / max(1, total_tp + total_fp):>10.1%}")
    print(f"safe drafts flagged: {safe_flagged}/{safe} ({safe_flagged / max(1, safe):.1%})")
    base_tp = base_fn = base_fp = base_safe = 0
    for _writer, _lang, want, draft in rows:
        got = {f.risk for f in assess(draft, learned=False)}
        base_tp, base_fn, base_fp = base_tp + len(got & want), base_fn + len(want - got), base_fp + len(got - want)
        base_safe += not want and bool(got)
    print(f"rules alone (baseline): recall {base_tp / max(1, base_tp + base_fn):.1%}, precision "
          f"{base_tp / max(1, base_tp + base_fp):.1%}, safe flagged {base_safe}/{safe} ({base_safe / max(1, safe):.1%})")
    for lang, (ok, n) in sorted(by_lang.items()):
        print(f"exactly right ({lang}): {ok}/{n} ({ok / n:.1%})")
    ms = sorted(t * 1000 for t in times)
    print(f"time per draft: median {statistics.median(ms):.2f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.2f} ms, "
          f"max {ms[-1]:.2f} ms (warm caches, one process)")
    if args.fails:
        for writer, lang, want, got, draft in fails:
            print(f"- [{writer} {lang}] want {','.join(want) or '-'} got {','.join(got) or '-'}: {draft}")


if __name__ == "__main__":
    main()
