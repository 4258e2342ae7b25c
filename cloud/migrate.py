"""Versioned SQL migrations: each file in its own transaction, recorded, safe to run twice.

Files in ``cloud/migrations`` are named ``NNNN_name.sql`` (for every storage mode) or
``NNNN_name.<mode>.sql`` (only for that mode). The storage mode (TimescaleDB or plain
partitioned tables) is chosen once, at the first migration, from what the server offers,
and recorded in ``storage_mode``: later runs follow the record, never the server, so a
database never ends up half in one mode and half in the other.

A run is one transaction: the mode it chose and every migration it applied commit together,
or, when one migration fails, none of them does and the error names the file that failed.
A transaction-level advisory lock makes replicas that start together apply each migration
exactly once, and is released by the commit or rollback itself (nothing to unlock on a
broken connection, which would hide the real error).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

import psycopg

from cloud.settings import StorageChoice

MIGRATION_LOCK_KEY = 0x4564676553746F63
"""Advisory lock key held while migrating ("EdgeStoc" in ASCII)."""

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)(?:\.(timescale|partitioned))?\.sql$")

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    checksum   text        NOT NULL
);
CREATE TABLE IF NOT EXISTS storage_mode (
    only_row  boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    mode      text        NOT NULL CHECK (mode IN ('timescale', 'partitioned')),
    chosen_at timestamptz NOT NULL DEFAULT now()
);
"""


class StorageMode(StrEnum):
    TIMESCALE = "timescale"
    PARTITIONED = "partitioned"


class MigrationError(RuntimeError):
    """Migrations cannot be applied as asked (drifted file, unavailable mode, bad name)."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def label(self) -> str:
        """``NNNN_name``, as reports and errors name a migration."""
        return f"{self.version:04d}_{self.name}"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class MigrationReport:
    """What a run did: the storage mode in force, and which versions it applied or found."""

    storage_mode: StorageMode
    applied: tuple[str, ...]
    already_applied: tuple[str, ...]


def migrations_for(mode: StorageMode) -> list[Migration]:
    """The migrations of ``mode`` in version order, read from the package's SQL files."""
    chosen: dict[int, Migration] = {}
    for entry in (resources.files("cloud") / "migrations").iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.match(entry.name)
        if match is None:
            raise MigrationError(f"migration file {entry.name} is not NNNN_name[.mode].sql")
        version, name, only_for = int(match[1]), match[2], match[3]
        if only_for is not None and only_for != mode.value:
            continue
        if version in chosen:
            raise MigrationError(f"two migrations numbered {version:04d} for mode {mode}")
        chosen[version] = Migration(version, name, entry.read_text(encoding="utf-8"))
    return [chosen[version] for version in sorted(chosen)]


def migrate(conninfo: str, *, storage_mode: StorageChoice = "auto") -> MigrationReport:
    """Bring the database at ``conninfo`` to the latest schema; a no-op when it is there.

    Raises ``MigrationError`` naming the migration and the server's reason when one fails;
    the database is then left exactly as it was before the run.
    """
    with psycopg.connect(conninfo, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        conn.execute(_BOOKKEEPING)
        mode = _settle_storage_mode(conn, storage_mode)
        done = _applied_checksums(conn)
        applied: list[str] = []
        already: list[str] = []
        for migration in migrations_for(mode):
            if migration.version in done:
                _check_unchanged(migration, done[migration.version])
                already.append(migration.label)
                continue
            _apply(conn, migration, mode)
            applied.append(migration.label)
    return MigrationReport(mode, tuple(applied), tuple(already))


def read_storage_mode(conninfo: str) -> StorageMode:
    """The mode recorded by the first migration; refuses an unmigrated database."""
    with psycopg.connect(conninfo) as conn:
        try:
            row = conn.execute("SELECT mode FROM storage_mode").fetchone()
        except psycopg.errors.UndefinedTable:
            row = None
    if row is None:
        raise MigrationError("database is not migrated: run `edgestock cloud migrate`")
    return StorageMode(str(row[0]))


def timescale_available(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    """Whether ``CREATE EXTENSION timescaledb`` can work here: installed *and* preloaded.

    An extension that is installed but missing from ``shared_preload_libraries`` is
    listed as available, yet refuses to be created ("must be preloaded").
    """
    return timescale_missing(conn) is None


def timescale_missing(conn: psycopg.Connection[tuple[object, ...]]) -> str | None:
    """Why this server cannot run TimescaleDB, or None when it can."""
    installed = conn.execute(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
    ).fetchone()
    if installed is None:
        return "the server has no timescaledb extension installed"
    row = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()
    preloaded = str(row[0]) if row else ""
    if "timescaledb" not in (name.strip() for name in preloaded.split(",")):
        return (
            "timescaledb is installed but not preloaded: add it to shared_preload_libraries "
            f"in postgresql.conf and restart the server (it is {preloaded!r})"
        )
    return None


def _settle_storage_mode(
    conn: psycopg.Connection[tuple[object, ...]], wanted: StorageChoice
) -> StorageMode:
    row = conn.execute("SELECT mode FROM storage_mode").fetchone()
    if row is not None:
        recorded = StorageMode(str(row[0]))
        if wanted not in ("auto", recorded.value):
            raise MigrationError(f"database is in {recorded} mode; cannot switch to {wanted}")
        return recorded
    missing = timescale_missing(conn)
    if wanted == "timescale" and missing is not None:
        raise MigrationError(f"storage_mode=timescale cannot be used: {missing}")
    if wanted == "auto":
        mode = StorageMode.TIMESCALE if missing is None else StorageMode.PARTITIONED
    else:
        mode = StorageMode(wanted)
    conn.execute("INSERT INTO storage_mode (mode) VALUES (%s)", (mode.value,))
    return mode


def _applied_checksums(conn: psycopg.Connection[tuple[object, ...]]) -> dict[int, str]:
    rows = conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()
    return {int(str(version)): str(checksum) for version, checksum in rows}


def _check_unchanged(migration: Migration, recorded_checksum: str) -> None:
    if migration.checksum != recorded_checksum:
        raise MigrationError(
            f"migration {migration.label} changed after it was applied "
            "(write a new migration instead of editing an applied one)"
        )


def _apply(
    conn: psycopg.Connection[tuple[object, ...]], migration: Migration, mode: StorageMode
) -> None:
    # A savepoint, so the error can be read (and the run's transaction rolled back whole).
    try:
        with conn.transaction():
            conn.execute(migration.sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
    except psycopg.Error as exc:
        reason = str(exc).strip() or type(exc).__name__
        raise MigrationError(
            f"migration {migration.label} ({mode} mode) failed: {type(exc).__name__}: {reason}; "
            "nothing of this run was applied"
        ) from exc
