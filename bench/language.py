"""Benchmark language detection (prints figures, never pass/fail): ours vs langdetect as shipped.

Usage: python bench/language.py [--data ../shared/data/langid-dev.tsv] [--mixed tests/data/codemixed.tsv]
       [--holdout tests/data/codemixed_holdout.tsv]
       [--users 400] [--seed 7]

Input: a TSV with columns slice, label, words, text; label is "id", "en", "other" (an Indonesian
local language) or "none" (no language). Scoring: "other" counts as correct when the answer is "id"
or None (the bot replies to those users in Indonesian; "en" is wrong); "none" is correct only for None.
Without --data it runs on the project's own set, tests/data/chat_lang.tsv.

Code-mixed report (--mixed, default tests/data/codemixed.tsv, written for this project, CC0, see tests/data/README.md):
for Indonesian-majority messages, the share read as English (target <= 0.5%) and the share that switch a chat
set to Indonesian; for English-majority ones, the share recognised as English (target >= 90%) and the share that
switch at once. Three detectors, like with like: ours, langdetect as shipped, and langdetect restricted to en+id
(as the bot uses it).

Data attribution for ../shared/data/langid-dev.tsv (quote it with any figure from it):
- Tatoeba English-Indonesian sentence pairs (manythings.org export of tatoeba.org), CC-BY 2.0 FR,
  sentences by Tatoeba contributors (slices tatoeba_short, tatoeba_4-30w);
- NusaX sentiment corpus, test split (IndoNLP/nusax), CC-BY-SA 4.0 (slices nusax, nusax_other:*).
"""
from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import language  # noqa: E402
from bot.language import LangState, decide_language  # noqa: E402

ATTRIBUTION = (
    "Data: Tatoeba en-id pairs (manythings.org export of tatoeba.org, CC-BY 2.0 FR, Tatoeba contributors); "
    "NusaX sentiment test split (IndoNLP/nusax, CC-BY-SA 4.0)."
)
NEUTRAL_MESSAGES = ["ok", "wkwk", "haha", "👍", "😂😂", "🙏", "10", "https://instagram.com/x", "hehe", "ok 👍", "?"]

Row = tuple[str, str, int, str]  # slice, label, words, text


def load(path: Path) -> list[Row]:
    """Read the labelled TSV (lines starting with '#' are comments)."""
    with path.open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return [(r["slice"], r["label"], int(r["words"]), r["text"]) for r in reader]


def correct(label: str, answer: str | None) -> bool:
    """Scoring rule: local languages ('other') accept 'id' or None; 'none' accepts only None."""
    if label == "other":
        return answer in ("id", None)
    if label == "none":
        return answer is None
    return answer == label


def shipped() -> tuple[Callable[[str], str | None], float]:
    """langdetect as shipped (all profiles, seeded), with its start-up cost in seconds."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
    from langdetect.lang_detect_exception import LangDetectException

    start = time.perf_counter()
    factory = DetectorFactory()
    factory.seed = 0
    factory.load_profile(PROFILES_DIRECTORY)
    cost = time.perf_counter() - start

    def detect(text: str) -> str | None:
        detector = factory.create()
        detector.append(text)
        try:
            lang = detector.detect()
        except LangDetectException:
            return None
        return lang if lang in ("id", "en") else None

    return detect, cost


def restricted() -> tuple[Callable[[str], str | None], float]:
    """langdetect restricted to the en and id profiles (seeded), as the bot uses it, without our word lists."""
    from langdetect.detector_factory import DetectorFactory
    from langdetect.lang_detect_exception import LangDetectException

    start = time.perf_counter()
    factory = DetectorFactory()
    factory.seed = 0
    factory.load_json_profile([language._profile_json(lang) for lang in ("en", "id")])
    cost = time.perf_counter() - start

    def detect(text: str) -> str | None:
        detector = factory.create()
        detector.append(text)
        try:
            return str(detector.detect())
        except LangDetectException:
            return None

    return detect, cost


def mixed_report(rows: list[Row]) -> None:
    """Code-mixed messages: Indonesian-majority read as English / switching; English-majority recognised."""
    by_label: dict[str, list[Row]] = {}
    for row in rows:
        by_label.setdefault(row[1], []).append(row)
    ids, ens = by_label.get("id", []), by_label.get("en", [])
    lists = [r for r in ids if r[0] == "mixed_id_list"]
    print(f"code-mixed: {len(ids)} Indonesian-majority ({len(lists)} list answers), {len(ens)} English-majority")
    for name, (detect, _) in (("ours", ours()), ("langdetect en+id (as the bot uses it)", restricted()),
                              ("langdetect as shipped", shipped())):
        read_en = sum(detect(r[3]) == "en" for r in ids)
        list_en = sum(detect(r[3]) == "en" for r in lists)
        got_en = sum(detect(r[3]) == "en" for r in ens)
        print(f"  {name:38s} id-majority read as en {100 * read_en / max(1, len(ids)):5.1f}% ({read_en})"
              f" | lists read as en {list_en} of {len(lists)} | en-majority recognised"
              f" {100 * got_en / max(1, len(ens)):5.1f}% ({got_en} of {len(ens)})")
    settled_id = LangState("id")
    switched = sum(decide_language(settled_id, r[3]).changed for r in ids)
    list_switched = sum(decide_language(settled_id, r[3]).changed for r in lists)
    at_once = sum(decide_language(settled_id, r[3]).changed for r in ens)
    twice = 0
    for r in ens:
        first = decide_language(settled_id, r[3])
        twice += first.changed or decide_language(first.state, r[3]).changed
    print(f"  decide_language from a chat in Indonesian: id-majority switch {switched} of {len(ids)}"
          f" (lists {list_switched} of {len(lists)}) | en-majority switch at once {at_once} of {len(ens)},"
          f" within two messages {twice} of {len(ens)}")


def ours() -> tuple[Callable[[str], str | None], float]:
    """bot.language.detect_language, with the cost of warm_up() from cold in seconds."""
    language._factory = None
    start = time.perf_counter()
    language.warm_up()
    return language.detect_language, time.perf_counter() - start


def measure(name: str, detect: Callable[[str], str | None], startup: float, rows: list[Row]) -> None:
    """Print accuracy on all / 1-3 / 4+ words, latency and start-up cost for one detector."""
    times: list[float] = []
    ok = {"all": [0, 0], "1-3": [0, 0], "4+": [0, 0]}
    wrong_en_local = 0
    for _, label, words, text in rows:
        t0 = time.perf_counter()
        answer = detect(text)
        times.append(time.perf_counter() - t0)
        good = correct(label, answer)
        for key in ("all", "1-3" if words <= 3 else "4+"):
            ok[key][0] += good
            ok[key][1] += 1
        wrong_en_local += label == "other" and answer == "en"
    times.sort()
    cells = [f"{k} {100 * a / b:5.1f}% ({b - a} wrong of {b})" if b else f"{k}   n/a" for k, (a, b) in ok.items()]
    print(f"{name:34s} " + " | ".join(cells))
    print(
        f"{'':34s} median {statistics.median(times) * 1e6:7.1f} µs | p95 {times[int(0.95 * (len(times) - 1))] * 1e6:7.1f} µs"
        f" | start-up {startup * 1e3:7.1f} ms | local-language texts called 'en': {wrong_en_local}"
    )


def simulate(rows: list[Row], users: int, seed: int) -> None:
    """Simulated conversations through decide_language: share of right-language replies, wrong switches."""
    rng = random.Random(seed)
    pools: dict[tuple[str, bool], list[str]] = {}
    for _, label, words, text in rows:
        if label in ("id", "en", "other"):
            pools.setdefault((label, words <= 3), []).append(text)

    def pick(kind: str, short: bool) -> str:
        pool = pools.get((kind, short)) or pools.get((kind, not short)) or NEUTRAL_MESSAGES
        return rng.choice(pool)

    messages = right = wrong_switches = switches = 0
    for _ in range(users):
        kind = rng.choices(["id", "en", "other"], weights=[6, 3, 1])[0] if ("other", True) in pools or (
            "other", False) in pools else rng.choice(["id", "id", "en"])
        truth = "en" if kind == "en" else "id"
        locale = rng.choices([truth, "en" if truth == "id" else "id", None], weights=[7, 1, 2])[0]
        # the core sets the language from the locale hint (or "id") on the first inbound, e.g. /start
        state = decide_language(LangState(None), "", locale).state
        length = rng.randint(10, 50)
        switch_at = rng.randint(length // 3, 2 * length // 3) if rng.random() < 0.25 else None
        for i in range(length):
            if i == switch_at:
                kind = "en" if truth == "id" else "id"
                truth = kind
            r = rng.random()
            text = rng.choice(NEUTRAL_MESSAGES) if r < 0.15 else pick(kind, r < 0.8)
            decision = decide_language(state, text, locale)
            state = decision.state
            messages += 1
            right += state.language == truth
            switches += decision.changed
            wrong_switches += decision.changed and state.language != truth
    print(
        f"simulation: {users} users, {messages} messages (65% 1-3 words, 20% longer, 15% neutral; "
        f"a quarter switch language midway; 10% write a local language)"
    )
    print(
        f"  replies in the right language {100 * right / messages:.1f}% | switches {switches} | "
        f"wrong switches {100 * wrong_switches / messages:.2f} per 100 messages"
    )


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run both detectors and the simulation, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "chat_lang.tsv")
    parser.add_argument("--mixed", type=Path, default=ROOT / "tests" / "data" / "codemixed.tsv")
    parser.add_argument("--holdout", type=Path, default=ROOT / "tests" / "data" / "codemixed_holdout.tsv",
                        help="code-mixed messages written apart and never tuned on (reported after --mixed)")
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rows = load(args.data)
    print(f"data: {args.data} ({len(rows)} texts; 'other' = id or None is correct, 'none' = None is correct)")
    if args.data.resolve() != (ROOT / "tests" / "data" / "chat_lang.tsv").resolve():
        print(ATTRIBUTION)
    measure("langdetect as shipped (all, seeded)", *shipped(), rows)
    measure("langdetect en+id (as the bot uses it)", *restricted(), rows)
    measure("ours (word lists + langdetect en/id)", *ours(), rows)
    simulate(rows, args.users, args.seed)
    mixed_report(load(args.mixed))
    if args.holdout.exists():
        print(f"held out ({args.holdout.name}, never tuned on):")
        mixed_report(load(args.holdout))


if __name__ == "__main__":
    main()
