"""What typed conversation state costs per message (prints figures, never pass/fail).

Usage: python bench/state.py [--n 200000]

Every message reads what the conversation awaits, and every questionnaire turn at a multi-choice step reads and
writes its draft. Before typed state the route was found by splitting the stored string on ':' and the draft was a
JSON list of strings; now the string is decoded by the template codec (bot/state.py) and routed by type, and the
draft is a dataclass with a JSON codec. Both are timed here in the same run, on the same stored values, and shown
as a ratio (typed / strings) beside the time per message, so the figure is fair on a loaded machine.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.state import decode_awaits, decode_draft, encode_draft  # noqa: E402
from handlers import build_router  # noqa: E402
from handlers import questionnaire as Q  # noqa: E402

STORED = ["times:post", "win:2026-W02", "confirm:delete", "tz", "menu:kind:weekly", "check", "tz:first", "quiet"]


def best(fn: object, n: int, rounds: int = 5) -> float:
    """The best of `rounds` runs of n calls, in seconds per call."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn(n)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times) / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200_000)
    n = parser.parse_args().n
    router = build_router()
    old_routes = {name: object() for name in ("tz", "quiet", "times", "stop", "menu", "win", "confirm", "check")}

    def strings(k: int) -> None:
        for i in range(k):
            s = STORED[i % len(STORED)]
            old_routes.get(s.split(":", 1)[0])

    def typed(k: int) -> None:
        for i in range(k):
            router.awaited_route(decode_awaits(STORED[i % len(STORED)]))

    ticks = ["instagram", "tiktok", "youtube"]
    typed_ticks = Q.Ticks(tuple(ticks))

    def list_draft(k: int) -> None:
        for _ in range(k):
            json.loads(json.dumps(ticks))

    def typed_draft(k: int) -> None:
        for _ in range(k):
            decode_draft(encode_draft(typed_ticks))

    a_old, a_new = best(strings, n), best(typed, n)
    d_old, d_new = best(list_draft, n // 4), best(typed_draft, n // 4)
    print(f"awaited route: strings {a_old * 1e6:.2f} us, typed {a_new * 1e6:.2f} us per message "
          f"(x{a_new / a_old:.1f})")
    print(f"draft write+read: JSON list {d_old * 1e6:.2f} us, typed {d_new * 1e6:.2f} us per turn "
          f"(x{d_new / d_old:.1f})")


if __name__ == "__main__":
    main()
