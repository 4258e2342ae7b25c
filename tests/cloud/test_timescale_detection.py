"""Detection of TimescaleDB: installed is not enough, it must be preloaded too.

Runs a server of the machine's own PostgreSQL (``pg_config``) with TimescaleDB installed but
left out of ``shared_preload_libraries``; skips, saying why, where TimescaleDB is not
installed for that PostgreSQL (docs/operations.md, "TimescaleDB", says how to build it).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from cloud.migrate import MigrationError, StorageMode, migrate, timescale_missing
from cloud.postgres_server import PostgresServer
from tests.pg import create_database


def _pg_config(flag: str) -> Path:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        pytest.skip("no pg_config: the machine has no PostgreSQL of its own to look in")
    done = subprocess.run([pg_config, flag], capture_output=True, text=True, check=True)
    return Path(done.stdout.strip())


@pytest.fixture(scope="module")
def not_preloaded() -> Iterator[PostgresServer]:
    """A server whose PostgreSQL has TimescaleDB installed, started without preloading it."""
    control = _pg_config("--sharedir") / "extension" / "timescaledb.control"
    if not control.exists():
        pytest.skip(f"TimescaleDB is not installed for the machine's PostgreSQL ({control})")
    with PostgresServer(bindir=_pg_config("--bindir")) as server:
        yield server


def test_installed_but_not_preloaded_is_not_timescale(not_preloaded: PostgresServer) -> None:
    url = create_database(not_preloaded, "edgestock_not_preloaded_auto")
    with psycopg.connect(url) as conn:
        listed = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone()
        missing = timescale_missing(conn)

    report = migrate(url)

    assert listed == (1,)  # what the old check looked at
    assert missing is not None
    assert "not preloaded" in missing
    assert "shared_preload_libraries" in missing
    assert report.storage_mode is StorageMode.PARTITIONED


def test_asking_for_timescale_there_says_to_preload_it(not_preloaded: PostgresServer) -> None:
    url = create_database(not_preloaded, "edgestock_not_preloaded_asked")

    with pytest.raises(MigrationError, match="installed but not preloaded"):
        migrate(url, storage_mode="timescale")

    with psycopg.connect(url) as conn:
        left = conn.execute("SELECT to_regclass('storage_mode')").fetchone()
    assert left == (None,)
