from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Cloud, ThreadedScale
from tests.pg import database_url, migrated_template, postgres_server

__all__ = ["database_url", "migrated_template", "postgres_server"]


@pytest.fixture
def scale() -> Iterator[ThreadedScale]:
    simulator = ThreadedScale()
    yield simulator
    simulator.close()


@pytest.fixture
def cloud(database_url: str, tmp_path: Path) -> Iterator[Cloud]:
    server = Cloud(database_url, tmp_path).start()
    yield server
    server.stop()
