"""`brandcoach migrate --from sqlite.db --to postgresql://...`: copy every table of a SQLite database into
PostgreSQL (after bringing both schemas up to date). Idempotent: rows already there (same key) are left as they
are, so running it again, or after an interrupted run, copies only what is missing."""
from __future__ import annotations

from typing import Any

from bot.backends import open_storage
from bot.storage import Storage

BATCH = 1000


async def _tables_in_order(src: Storage) -> list[str]:
    """Every table of the SQLite database, parents before the tables that refer to them."""
    names = [r[0] for r in await src.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    parents = {t: {r[2] for r in await src.fetch_all(f"PRAGMA foreign_key_list({t})")} - {t} for t in names}
    out: list[str] = []
    while len(out) < len(names):
        ready = [t for t in names if t not in out and parents[t] <= set(out)]
        if not ready:
            raise ValueError("circular foreign keys")
        out += ready
    return out


async def copy(src_path: str, dst_url: str, report: Any = print) -> dict[str, int]:
    """Copy the rows; returns rows newly inserted per table."""
    src = Storage(src_path)
    dst = open_storage(dst_url)
    await src.open()
    await dst.open()
    copied: dict[str, int] = {}
    try:
        dst_cols: dict[str, set[str]] = {r[0]: set() for r in await dst.fetch_all(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
        for r in await dst.fetch_all("SELECT table_name, column_name FROM information_schema.columns"
                                     " WHERE table_schema = current_schema()"):
            dst_cols.setdefault(r[0], set()).add(r[1])
        for table in await _tables_in_order(src):
            if table not in dst_cols:
                report(f"{table}: not in the PostgreSQL schema, skipped")
                continue
            cols = [r[1] for r in await src.fetch_all(f"PRAGMA table_info({table})") if r[1] in dst_cols[table]]
            if "rowid" in dst_cols[table] and "rowid" not in cols:
                cols = ["rowid", *cols]  # idea_log: SQLite's implicit rowid is a column in PostgreSQL
            names = ", ".join(cols)
            insert = (f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(cols))})"
                      " ON CONFLICT DO NOTHING")
            total, last = 0, None
            while True:
                where = "" if last is None else "WHERE rowid > ?"
                rows = await src.fetch_all(f"SELECT rowid AS _r, {names} FROM {table} {where} ORDER BY rowid"
                                           f" LIMIT {BATCH}", () if last is None else (last,))
                if not rows:
                    break
                last = rows[-1][0]
                counts = await dst.write(*[(insert, tuple(r[1:])) for r in rows])
                total += sum(c for c in counts if c > 0)
            copied[table] = total
            report(f"{table}: {total} row(s) copied")
        for table, col in (("users", "id"), ("nudges", "id"), ("idea_log", "rowid")):
            if table in dst_cols:  # identities continue after the copied ids
                await dst.write((f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'),"
                                 f" greatest(coalesce((SELECT max({col}) FROM {table}), 0), 1))", ()))
    finally:
        await src.close()
        await dst.close()
    return copied
