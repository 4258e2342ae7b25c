"""PostgreSQL for tests: one real server per session, a fresh migrated database per test.

Import the fixtures into a conftest (``from tests.pg import postgres_server, ...``).
Each test's database is ``CREATE DATABASE ... TEMPLATE`` of a database migrated once per
session, which takes tens of milliseconds, so tests are isolated without paying for
migrations each time.

The server is an embedded one started for the session, or, when ``EDGESTOCK_TEST_DATABASE_URL``
names one (a TimescaleDB server, say), that server: the suite then makes and drops its
databases there, named after this process so that two sessions never meet, and the storage
mode is whatever ``cloud migrate`` chooses on it (``storage_mode`` says which).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import errors, sql

from cloud.migrate import StorageMode, migrate, read_storage_mode
from cloud.postgres_server import PostgresServer

TEST_DATABASE_URL_ENV = "EDGESTOCK_TEST_DATABASE_URL"
TEMPLATE_DB = f"edgestock_template_{os.getpid()}"

_database_numbers = itertools.count(1)
_CREATE_ATTEMPTS = 50
"""TimescaleDB's job scheduler may hold a connection to the template for a moment."""


class DatabaseServer(Protocol):
    """What the fixtures need of a server: URLs of its databases."""

    @property
    def url(self) -> str: ...

    def url_for(self, dbname: str) -> str: ...


class ExternalServer:
    """A server the suite did not start and never stops (``EDGESTOCK_TEST_DATABASE_URL``)."""

    def __init__(self, url: str) -> None:
        self._parts = urlsplit(url)
        if self._parts.scheme not in ("postgresql", "postgres"):
            raise ValueError(f"{TEST_DATABASE_URL_ENV} must be a postgresql:// URL, not {url!r}")

    @property
    def url(self) -> str:
        return self._urlunsplit(self._parts.path or "/postgres")

    def url_for(self, dbname: str) -> str:
        return self._urlunsplit(f"/{dbname}")

    def _urlunsplit(self, path: str) -> str:
        return urlunsplit(self._parts._replace(scheme="postgresql", path=path))


def own_name(base: str) -> str:
    """``base`` made this session's own: a server named by ``EDGESTOCK_TEST_DATABASE_URL`` is
    shared by every session and xdist worker, so a fixed name would meet another's."""
    return f"{base}_{os.getpid()}"


def create_database(server: DatabaseServer, name: str, *, template: str | None = None) -> str:
    """Create database ``name`` (optionally from ``template``) and return its URL."""
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(server.url, autocommit=True) as conn:
        for attempt in range(_CREATE_ATTEMPTS):
            try:
                conn.execute(statement)
                break
            except errors.ObjectInUse:
                # "source database ... is being accessed by other users": a background
                # worker connected to the template between our checks; it leaves soon.
                if template is None or attempt == _CREATE_ATTEMPTS - 1:
                    raise
                _close_template_sessions(conn, template)
                time.sleep(0.1)
    return server.url_for(name)


def drop_database(server: DatabaseServer, name: str) -> None:
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def storage_mode(url: str) -> StorageMode:
    """The storage mode the database at ``url`` was migrated in."""
    return read_storage_mode(url)


def skip_unless_mode(url: str, mode: StorageMode, why: str) -> None:
    """Skip the calling test, naming the mode in force, unless the database is in ``mode``."""
    found = storage_mode(url)
    if found is not mode:
        pytest.skip(f"this database is in {found} mode; {why} is a {mode}-mode behaviour")


def refresh_readings_hourly(url: str, start: datetime, end: datetime) -> None:
    """Materialise TimescaleDB's hourly rollup over [start, end).

    The refresh policy runs as soon as a database is made from the template, and refuses a
    concurrent refresh of the same hours: wait it out (a few hundred ms at most here).
    """
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(_CREATE_ATTEMPTS):
            try:
                conn.execute(
                    "CALL refresh_continuous_aggregate('readings_hourly', %s, %s)", (start, end)
                )
                return
            except errors.LockNotAvailable:
                time.sleep(0.1)
    raise AssertionError("readings_hourly stayed locked by another refresh for 5 s")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[DatabaseServer]:
    """A PostgreSQL server for the whole test session, stopped (by its PID file) at the end.

    With ``EDGESTOCK_TEST_DATABASE_URL`` set, that server instead (left running).
    """
    external = os.environ.get(TEST_DATABASE_URL_ENV)
    if external:
        yield ExternalServer(external)
        return
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def migrated_template(postgres_server: DatabaseServer) -> Iterator[str]:
    """Name of a database migrated once per session, the template of each test's database.

    It is closed to connections once migrated: TimescaleDB's scheduler would otherwise
    connect to it (it holds jobs) and make ``CREATE DATABASE ... TEMPLATE`` fail.
    """
    # Each conftest that imports this fixture makes its own instance: on a shared server
    # (EDGESTOCK_TEST_DATABASE_URL) two of them in one session need two names.
    template = f"{TEMPLATE_DB}_{next(_database_numbers)}"
    url = create_database(postgres_server, template)
    migrate(url)
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false").format(
                sql.Identifier(template)
            )
        )
        _close_template_sessions(conn, template)
    try:
        yield template
    finally:
        with psycopg.connect(postgres_server.url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE false").format(sql.Identifier(template))
            )
        drop_database(postgres_server, template)


@pytest.fixture
def database_url(postgres_server: DatabaseServer, migrated_template: str) -> Iterator[str]:
    """URL of a fresh, migrated database of this test's own, dropped afterwards."""
    name = f"edgestock_test_{os.getpid()}_{next(_database_numbers)}"
    url = create_database(postgres_server, name, template=migrated_template)
    try:
        yield url
    finally:
        drop_database(postgres_server, name)


@pytest.fixture
def empty_database_url(postgres_server: DatabaseServer) -> Iterator[str]:
    """URL of a fresh database with no schema at all (for migration tests)."""
    name = f"edgestock_empty_{os.getpid()}_{next(_database_numbers)}"
    url = create_database(postgres_server, name)
    try:
        yield url
    finally:
        drop_database(postgres_server, name)


def _close_template_sessions(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )
