"""The database as the cloud commands meet it: reached in one line or refused in one line,
and an embedded PostgreSQL for a newcomer who has none."""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from edgestock.cli.common import fail

log = logging.getLogger("edgestock.cloud")

NO_DATABASE = """\
no database: the cloud keeps its ledger in PostgreSQL and needs its URL.
  - have a server? set DATABASE_URL=postgresql://user:password@host:5432/edgestock
    (or pass --database-url), then run this again
  - none yet? edgestock cloud serve --embedded
    starts a PostgreSQL of its own (as the demo does), migrates it and serves the API
  - in production: docker/compose.yaml (TimescaleDB, the cloud, Mosquitto); docs/operations.md"""


def where(url: str) -> str:
    """host:port/dbname of ``url``, never its password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # a URL psycopg cannot read is named as such, not echoed
        return "the DATABASE_URL given (unreadable)"
    host = parts.get("host") or "localhost"
    return f"{host}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


def unreachable(url: str, error: BaseException) -> typer.Exit:
    """The one line that says the database cannot be reached, and why, for ``raise``."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    # psycopg says "connection failed: connection to server at ... failed: <why>"
    reason = lines[0].rsplit(" failed: ", 1)[-1] if lines else type(error).__name__
    return fail(f"cannot reach the database at {where(url)}: {reason}", 1)


def check_reachable(url: str, timeout_s: int = 5) -> None:
    """Connect once, or fail with one clear line (not a traceback)."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=timeout_s):
            pass
    except psycopg.Error as exc:
        raise unreachable(url, exc) from exc


@contextmanager
def stop_signals_end_blocks() -> Iterator[None]:
    """SIGTERM and SIGINT end the block normally, so what it started is stopped.

    uvicorn handles both while it serves, then raises the signal again once it has shut
    down: with the default SIGTERM handler the process would die there, leaving the
    embedded PostgreSQL running.
    """

    class _Stopped(Exception):
        pass

    def stop(signum: int, frame: object) -> None:
        raise _Stopped

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    except _Stopped:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def embedded_database(data_dir: Path | None) -> Iterator[str]:
    """An embedded PostgreSQL (the demo's), its URL while the block runs; stopped after.

    With ``data_dir`` the data is kept there and found again next time; without, it lives
    in a temporary folder and goes when the server stops.
    """
    from cloud.postgres_server import PostgresServer, PostgresServerError

    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    try:
        server = PostgresServer(data_dir.resolve() if data_dir else None).start()
    except (PostgresServerError, OSError) as exc:
        raise fail(f"cannot start the embedded PostgreSQL: {exc}", 1) from exc
    kept = f"kept in {server.data_dir}" if data_dir else "temporary: it goes when this stops"
    log.info("embedded PostgreSQL at %s (data %s)", server.url, kept)
    try:
        yield server.url
    finally:
        server.stop()
        log.info("embedded PostgreSQL stopped")
