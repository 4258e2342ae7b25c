"""PostgreSQL for tests: one real server per session, a fresh migrated database per test.

Import the fixtures into a conftest (``from tests.pg import postgres_server, ...``).
Each test's database is ``CREATE DATABASE ... TEMPLATE`` of a database migrated once per
session, which takes tens of milliseconds, so tests are isolated without paying for
migrations each time.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from cloud.migrate import migrate
from cloud.postgres_server import PostgresServer

TEMPLATE_DB = "edgestock_template"

_database_numbers = itertools.count(1)


def create_database(server: PostgresServer, name: str, *, template: str | None = None) -> str:
    """Create database ``name`` (optionally from ``template``) and return its URL."""
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(statement)
    return server.url_for(name)


def drop_database(server: PostgresServer, name: str) -> None:
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test session, stopped (by its PID file) at the end."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def migrated_template(postgres_server: PostgresServer) -> str:
    """Name of a database migrated once per session, the template of each test's database."""
    url = create_database(postgres_server, TEMPLATE_DB)
    migrate(url)
    return TEMPLATE_DB


@pytest.fixture
def database_url(postgres_server: PostgresServer, migrated_template: str) -> Iterator[str]:
    """URL of a fresh, migrated database of this test's own, dropped afterwards."""
    name = f"edgestock_test_{next(_database_numbers)}"
    url = create_database(postgres_server, name, template=migrated_template)
    try:
        yield url
    finally:
        drop_database(postgres_server, name)


@pytest.fixture
def empty_database_url(postgres_server: PostgresServer) -> Iterator[str]:
    """URL of a fresh database with no schema at all (for migration tests)."""
    name = f"edgestock_empty_{next(_database_numbers)}"
    url = create_database(postgres_server, name)
    try:
        yield url
    finally:
        drop_database(postgres_server, name)
