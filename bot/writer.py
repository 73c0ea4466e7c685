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
        self._queue: list[tuple[list[Statement], asyncio.Future[list[int]], bool]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._busy = False  # a transaction is being applied on the connection
        self.batches = 0
        self.transactions = 0

    async def write(self, statements: list[Statement], counted: bool = False) -> list[int]:
        """Apply the statements atomically; returns each statement's row count.

        Row counts are exact when `counted` is set (the transaction then runs statement by statement);
        otherwise a statement batched with others reports -1. Raises what SQLite raised for this transaction.
        """
        if not self._busy and not self._queue:
            return await self._write_now(statements, counted)
        fut: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        self._queue.append((statements, fut, counted))
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="sqlite-group-commit")
        return await fut

    async def _write_now(self, statements: list[Statement], counted: bool) -> list[int]:
        """Nothing else in flight: apply at once (no hand-over to the batching task); later writers queue."""
        self._busy = True
        try:
            return (await self._apply([(statements, counted)]))[0]
        except BaseException:  # a cancelled caller too: never leave half a transaction for the next commit
            await asyncio.shield(self.db.rollback())
            raise
        finally:
            self._busy = False
            if self._queue:
                self._wake.set()
                if self._task is None or self._task.done():
                    self._task = asyncio.create_task(self._run(), name="sqlite-group-commit")

    async def close(self) -> None:
        """Finish what is queued or being written, then stop."""
        while self._queue or self._busy:
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
            if self._busy:
                continue  # a direct write is running; it wakes us when it is done
            batch, self._queue = [e for e in self._queue if not e[1].done()], []  # a cancelled caller: not applied
            if not batch:
                continue
            self._busy = True
            try:
                counts = await self._apply([(s, c) for s, _, c in batch])
            except asyncio.CancelledError:
                await asyncio.shield(self.db.rollback())
                for _, fut, _ in batch:
                    if not fut.done():
                        fut.cancel()
                raise
            except Exception:
                await self.db.rollback()
                for statements, fut, counted in batch:  # isolate the failing transaction; the others commit
                    try:
                        one = await self._apply([(statements, counted)])
                    except Exception as exc:
                        await self.db.rollback()
                        if not fut.done():
                            fut.set_exception(exc)
                    else:
                        if not fut.done():
                            fut.set_result(one[0])
                continue
            finally:
                self._busy = False
            for (_, fut, _), count in zip(batch, counts, strict=True):
                if not fut.done():
                    fut.set_result(count)

    async def _apply(self, batch: list[tuple[list[Statement], bool]]) -> list[list[int]]:
        """Run transactions in order and commit once; neighbours of the same shape run as one executemany.

        Every statement of the batch runs in one call on the database thread, then the commit in another: two
        hand-overs to aiosqlite's thread per batch instead of one per statement plus the commit (each hand-over
        wakes that thread and then the event loop; a user's answer is three to six statements). That goes through
        aiosqlite's `Connection._execute`, the one way it offers to run a function on its thread; a connection
        without it (another aiosqlite) gets one call per statement as before. A caller cancelled before the commit
        is rolled back as before.

        Returns the row counts per transaction (exact where a transaction ran alone, else -1).
        """
        on_thread = getattr(self.db, "_execute", None)
        if on_thread is not None:
            counts: list[list[int]] = await on_thread(self._statements, batch)
        else:
            counts = await self._statements_one_by_one(batch)
        await self.db.commit()
        self.batches += 1
        self.transactions += len(batch)
        return counts

    @staticmethod
    def _runs(batch: list[tuple[list[Statement], bool]]) -> list[tuple[int, int]]:
        """[start, end) of each run of transactions applied together (same statements, none counted)."""
        runs = []
        n = 0
        while n < len(batch):
            tx, counted = batch[n]
            shape = [sql for sql, _ in tx]
            end = n + 1
            while not counted and end < len(batch) and not batch[end][1] \
                    and [sql for sql, _ in batch[end][0]] == shape:
                end += 1
            runs.append((n, end))
            n = end
        return runs

    def _statements(self, batch: list[tuple[list[Statement], bool]]) -> list[list[int]]:
        """The batch's statements, on the database thread (sqlite3 directly), uncommitted."""
        conn = self.db._conn
        counts: list[list[int]] = [[-1] * len(tx) for tx, _ in batch]
        for n, end in self._runs(batch):
            tx = batch[n][0]
            if end - n == 1:
                for i, (sql, params) in enumerate(tx):
                    counts[n][i] = conn.execute(sql, params).rowcount
            else:
                for i, (sql, _) in enumerate(tx):
                    conn.executemany(sql, [batch[m][0][i][1] for m in range(n, end)])
        return counts

    async def _statements_one_by_one(self, batch: list[tuple[list[Statement], bool]]) -> list[list[int]]:
        counts: list[list[int]] = [[-1] * len(tx) for tx, _ in batch]
        for n, end in self._runs(batch):
            tx = batch[n][0]
            if end - n == 1:
                for i, (sql, params) in enumerate(tx):
                    cur = await self.db.execute(sql, params)
                    counts[n][i] = cur.rowcount
            else:
                for i, (sql, _) in enumerate(tx):
                    await self.db.executemany(sql, [batch[m][0][i][1] for m in range(n, end)])
        return counts
