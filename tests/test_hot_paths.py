"""The per-update hot paths made cheaper for issue 25 give the answers the plain versions gave: lexicon.longest
against a scan of every phrase, the nearest options of an unreadable answer against the plain difflib scoring, and
the group-commit writer hands a batch to SQLite's thread in two calls whatever its size."""
from __future__ import annotations

from collections.abc import AsyncIterator
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.writer import GroupCommitWriter
from handlers import lexicon as L
from handlers import steps as S

WORDS = st.sampled_from(["a", "b", "c", "jam", "kantor", "tetap", "skip", "dulu", ""])


def scan(tokens: list[str], at: int, phrases: dict[tuple[str, ...], Any]) -> tuple[int, Any] | None:
    """lexicon.longest as it was: every phrase tried."""
    best = None
    for phrase, value in phrases.items():
        n = len(phrase)
        if n and tuple(tokens[at:at + n]) == phrase and (best is None or n > best[0]):
            best = (n, value)
    return best


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=8), st.dictionaries(st.lists(WORDS, max_size=4).map(tuple), st.integers(), max_size=12))
def test_longest_is_the_scan_of_every_phrase(tokens: list[str], phrases: dict[tuple[str, ...], int]) -> None:
    for at in range(len(tokens) + 1):
        assert L.longest(tokens, at, phrases) == scan(tokens, at, phrases)


def closest_plain(step: S.Step, answers: dict[str, Any], text: str, labels: S.Labels) -> list[str]:
    """steps.closest_options without its shortcuts: every word pair judged again, every ratio computed (the same
    reading: two options named in one clause are offered as they are; fillers and politeness dropped first; a word,
    its prefix or a small typo of it counts 1, a merely similar word 0.75)."""
    values = [v for v, _ in S.options_for(step, answers)]
    names = S._names(step, values, labels)
    typed = L.fold(text)
    if not typed:
        return []
    named = S._named(step, values, names, text)
    if len(named) > 1:
        return named[:3]
    skip = L.words("fillers") | L.reading("polite") | L.words("sentence")
    tokens = [t for t in typed.split() if t not in skip] or typed.split()
    typed = " ".join(tokens)

    def hit(t: str, w: str) -> float:
        return 1.0 if S._token_hit(t, w) else 0.75 if SequenceMatcher(None, t, w).ratio() >= 0.7 else 0.0

    def score(v: str) -> float:
        best = 0.0
        for name in names[v]:
            words = name.split()
            overlap = sum(max(hit(t, w) for w in words) for t in tokens) / len(tokens)
            best = max(best, overlap, SequenceMatcher(None, typed, name).ratio())
        return best

    scored = sorted(((score(v), i, v) for i, v in enumerate(values)), key=lambda x: (-x[0], x[1]))
    return [v for s, _, v in scored[:3] if s >= 0.5]


TYPED = ["instagrm", "tiktok dan youtub", "aku mau jualan kue", "linkedn", "pelajar sama mahasiswa", "x",
         "I would rather focus on short videos for teenagers", "facebok grup", "tidak tahu", "edukasi, inspirasi"]


@pytest.mark.parametrize("text", TYPED)
def test_nearest_options_are_those_of_the_plain_scoring(text: str) -> None:
    checked = 0
    for step in S.all_steps():
        if step.kind not in ("choice", "multi") or step.options_from:
            continue
        labels = {v: label or v for v, label in S.options_for(step, {})}
        assert S.closest_options(step, {}, text, labels) == closest_plain(step, {}, text, labels)
        checked += 1
    assert checked


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    con = await aiosqlite.connect(str(tmp_path / "w.sqlite3"))
    await con.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    await con.commit()
    try:
        yield con
    finally:
        await con.close()


async def test_a_batch_goes_to_the_database_thread_in_two_calls(db: aiosqlite.Connection,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    plain = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(fn)
        return await plain(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    w = GroupCommitWriter(db)
    counts = await w.write([("INSERT INTO t (k, v) VALUES (?, ?)", (k, "x")) for k in range(6)]
                           + [("UPDATE t SET v = 'y' WHERE k < 3", ())], counted=True)
    assert counts == [1] * 6 + [3]
    assert len(calls) == 2  # the statements, then the commit
    async with db.execute("SELECT COUNT(*) FROM t WHERE v = 'y'") as cur:
        assert (await cur.fetchone()) == (3,)
    await w.close()
