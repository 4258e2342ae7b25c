from collections.abc import Iterator

import pytest

from cloud.settings import CloudSettings
from tests.cloud.live import running_api
from tests.pg import database_url, migrated_template, postgres_server

__all__ = ["database_url", "migrated_template", "postgres_server"]


@pytest.fixture
def api_url(database_url: str) -> Iterator[str]:
    with running_api(CloudSettings(database_url=database_url, pool_max_size=4)) as url:
        yield url
