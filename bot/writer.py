"""Group commit: writes from many users share one SQLite transaction, each caller resumes after its commit."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

Statement = tuple[str, tuple[Any, ...]]


class GroupCommitWriter:
    """Queues write transactions and applies every queued one in a single commit.

    A transaction is a list of statements applied in order and atomically. Transactions with the same
    statements (e.g. two users' answers) run as one executemany each, so a batch costs a few round trips to
    the database thread however many users it carries. `write` returns only after the commit: an
    acknowledged write is on disk (in the WAL) before the user is told.
    """

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self._queue: list[tuple[list[Statement], asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.transactions = 0

    async def write(self, statements: list[Statement]) -> None:
        """Apply the statements atomically; raises what SQLite raised for this transaction alone."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((statements, fut))
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="sqlite-group-commit")
        await fut

    async def close(self) -> None:
        """Finish what is queued, then stop."""
        while self._queue:
            await asyncio.sleep(0)
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._run())
            await asyncio.sleep(0.001)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(0)  # let every coroutine that is ready queue its write into this batch
            batch, self._queue = self._queue, []
            if not batch:
                continue
            try:
                await self._apply([s for s, _ in batch])
            except Exception:
                await self.db.rollback()
                for statements, fut in batch:  # isolate the failing transaction; the others still commit
                    try:
                        await self._apply([statements])
                    except Exception as exc:
                        await self.db.rollback()
                        if not fut.done():
                            fut.set_exception(exc)
                    else:
                        if not fut.done():
                            fut.set_result(None)
                continue
            for _, fut in batch:
                if not fut.done():
                    fut.set_result(None)

    async def _apply(self, transactions: list[list[Statement]]) -> None:
        groups: dict[tuple[str, ...], list[list[Statement]]] = {}
        for tx in transactions:
            groups.setdefault(tuple(sql for sql, _ in tx), []).append(tx)
        for shape, txs in groups.items():
            for i, sql in enumerate(shape):
                rows = [tx[i][1] for tx in txs]
                if len(rows) == 1:
                    await self.db.execute(sql, rows[0])
                else:
                    await self.db.executemany(sql, rows)
        await self.db.commit()
        self.batches += 1
        self.transactions += len(transactions)
