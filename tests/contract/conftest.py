"""Fixtures of the contract suite: a real PostgreSQL behind the real API over HTTP, and
real edge store files, so the same events go through both stores as in production."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cloud.settings import CloudSettings
from tests.cloud.live import running_api
from tests.pg import database_url, empty_database_url, migrated_template, postgres_server

__all__ = ["database_url", "empty_database_url", "migrated_template", "postgres_server"]


@pytest.fixture
def cloud(database_url: str) -> Iterator[httpx.Client]:
    """A client of the cloud API (agents sign their own requests; no user is signed in)."""
    settings = CloudSettings(database_url=database_url, pool_min_size=1, pool_max_size=4)
    with running_api(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client
