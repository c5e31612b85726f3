"""The SQLite database, reached from the event loop through one dedicated thread.

SQLite serialises writers anyway; giving every statement to one thread keeps the event loop
free of disk waits and lets a domain function run a whole transaction without interleaving.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TypeVar

import sqlite_utils

T = TypeVar("T")


def connect(path: Path) -> sqlite_utils.Database:
    """Open the database with the settings every connection needs (WAL, foreign keys)."""
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly one
    # `transaction()` block and nothing is committed implicitly behind our back.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    return sqlite_utils.Database(conn)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """All statements inside commit together or not at all."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class Database:
    """Async face of the service database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._db = self._executor.submit(connect, path).result()

    async def read(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run `fn(db)` on the database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, self._db)

    async def write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run `fn(db)` on the database thread inside one transaction."""

        def in_transaction(db: sqlite_utils.Database) -> T:
            with transaction(db):
                return fn(db)

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, in_transaction, self._db)

    def run_sync(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run `fn(db)` from outside the event loop (start-up, offline commands)."""
        return self._executor.submit(fn, self._db).result()

    def close(self) -> None:
        def close_connection(db: sqlite_utils.Database) -> None:
            db.execute("PRAGMA optimize")
            db.conn.close()

        self._executor.submit(close_connection, self._db).result()
        self._executor.shutdown(wait=True)
