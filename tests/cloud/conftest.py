"""Fixtures of the cloud tests: a real PostgreSQL and the API over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cloud.settings import CloudSettings
from tests.cloud.auth import TEST_SITES, admin_client
from tests.cloud.live import running_api
from tests.pg import database_url, empty_database_url, migrated_template, postgres_server

__all__ = ["database_url", "empty_database_url", "migrated_template", "postgres_server"]


@pytest.fixture
def cloud_settings(database_url: str) -> CloudSettings:
    return CloudSettings(database_url=database_url, pool_min_size=1, pool_max_size=4)


@pytest.fixture
def api_url(cloud_settings: CloudSettings) -> Iterator[str]:
    with running_api(cloud_settings) as url:
        yield url


@pytest.fixture
def client(api_url: str, database_url: str) -> Iterator[httpx.Client]:
    """A client of an org admin of the test organisation, which holds ``TEST_SITES``."""
    site, *more = TEST_SITES
    with admin_client(api_url, database_url, site, more_sites=tuple(more)) as http:
        yield http
