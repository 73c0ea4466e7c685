"""Which storage backend a database setting selects: a `postgresql://` URL or a SQLite path."""
from __future__ import annotations

from bot.clock import Clock
from bot.storage import DEFAULT_DB, Storage


def is_postgres(db: str) -> bool:
    """A `postgresql://` (or `postgres://`) URL selects the PostgreSQL backend; anything else is a SQLite path."""
    return db.startswith(("postgresql://", "postgres://"))


def open_storage(db: str = DEFAULT_DB, clock: Clock | None = None) -> Storage:
    """The storage for BRANDCOACH_DB / --db: PostgreSQL for a URL (asyncpg, imported only then), else SQLite."""
    if is_postgres(db):
        from bot.pg import PgStorage

        return PgStorage(db, clock=clock)
    return Storage(db, clock=clock)
