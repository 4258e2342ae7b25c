"""One SQLite file shared by threads: a connection per thread, explicit transactions.

The store's writes run on worker threads (``asyncio.to_thread``) while reads may come from
others; a ``sqlite3.Connection`` must not be used by two threads at once, so each thread gets
its own, opened with the same pragmas. Connections are in autocommit mode and every write
transaction is opened explicitly (``BEGIN IMMEDIATE``), so what is atomic is written out.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PRAGMAS: Mapping[str, str | int] = {
    "journal_mode": "wal",
    "synchronous": "full",
    "busy_timeout": 10_000,
    "foreign_keys": 1,
}


class StoreClosed(RuntimeError):
    """The store was closed: it takes no more work (a closed store never reopens silently)."""


class SqliteFile:
    """The connections of one process to one SQLite file (see module doc)."""

    def __init__(self, path: Path, pragmas: Mapping[str, str | int] = PRAGMAS) -> None:
        self.path = path
        self._pragmas = pragmas
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        if self._closed:
            raise StoreClosed(f"{self.path}: the store is closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # check_same_thread=False only so that close() may close every thread's connection
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            for name, value in self._pragmas.items():
                conn.execute(f"PRAGMA {name} = {value}")
            with self._lock:
                self._opened.append(conn)
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """A transaction on this thread's connection: committed on success, else rolled back.

        ``IMMEDIATE`` takes the write lock at once (waiting ``busy_timeout`` for it), so a
        transaction never fails half-way on a read-to-write upgrade.
        """
        conn = self.connection()
        conn.execute(f"BEGIN {mode}")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query, on this thread's connection."""
        return self.connection().execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        row: tuple[Any, ...] | None = self.connection().execute(sql, params).fetchone()
        return row

    def close(self) -> None:
        """Close every thread's connection; later use raises ``StoreClosed``."""
        self._closed = True
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
