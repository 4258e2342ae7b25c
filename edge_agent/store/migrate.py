"""Migrations of an edge store: named, ordered, each in its own transaction, counted by
``PRAGMA user_version`` (which SQLite keeps in the file's header, inside the transaction).

Opening a store brings it to the latest step. A step that fails rolls back whole and leaves
the version where it was, and a file written by a newer agent is refused rather than
misread. Steps run under ``BEGIN IMMEDIATE`` and re-read the version once they hold the
write lock, so two processes opening one file at once apply each step once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass


class MigrationError(RuntimeError):
    """The store cannot be brought to this agent's schema (see the message for why)."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"

    def statements(self) -> list[str]:
        """The SQL split into statements (``executescript`` would commit on its own)."""
        statements, pending = [], ""
        for line in self.sql.splitlines(keepends=True):
            pending += line
            if sqlite3.complete_statement(pending):
                statements.append(pending.strip())
                pending = ""
        if pending.strip():
            raise MigrationError(f"migration {self.label} ends in an unfinished statement")
        return statements


def schema_version(conn: sqlite3.Connection) -> int:
    """The last migration applied to the file (0: none, or a store from before migrations)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> list[str]:
    """Apply the ``migrations`` the file has not had yet, in order; the labels applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    _check_sequence(migrations)
    latest = migrations[-1].version if migrations else 0
    if schema_version(conn) == latest:
        return []  # the usual case: no write lock taken just to open a store
    applied = []
    for migration in migrations:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn)
            if current > latest:
                raise MigrationError(
                    f"the store is at schema version {current}, newer than this agent's"
                    f" {latest}: it was written by a newer agent"
                )
            if migration.version <= current:
                conn.execute("COMMIT")
                continue
            for statement in migration.statements():
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {migration.version}")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise MigrationError(f"migration {migration.label} failed: {exc}") from exc
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        applied.append(migration.label)
    return applied


def _check_sequence(migrations: Sequence[Migration]) -> None:
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(migrations) + 1)):
        raise MigrationError(f"migrations must be numbered 1, 2, 3... in order, not {versions}")
