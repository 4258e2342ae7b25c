"""PostgreSQL restarts under a running cloud: while it is down every route answers 503 with
Retry-After (never 500), and once it is back the pool hands out fresh connections, not the
dead ones. Found by the chaos soak: agents got 500 from the signature check after a restart."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cloud.migrate import migrate
from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from tests.cloud.live import running_api
from tests.soak.faulty_link import FaultyLink

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def restartable() -> Iterator[tuple[PostgresServer, FaultyLink]]:
    """A server over a kept data directory, reached through a link whose port stays put
    (the server takes a new port at each start)."""
    root = Path(tempfile.mkdtemp(prefix="edgestock-restart-"))
    root.chmod(0o755)  # the server's own account must reach its data directory
    with PostgresServer(root / "data") as server:
        migrate(server.url)
        link = FaultyLink(server.port).start()
        try:
            yield server, link
        finally:
            link.close()


def test_a_restarted_database_is_503_meanwhile_and_served_again_after(
    restartable: tuple[PostgresServer, FaultyLink],
) -> None:
    server, link = restartable
    url = server.url.replace(f":{server.port}/", f":{link.port}/")
    settings = CloudSettings(database_url=url, pool_min_size=2, pool_max_size=2, pool_timeout_s=3)
    sign_in = {"grant_type": "password", "username": "nobody@example.org", "password": "x" * 12}
    with running_api(settings) as base, httpx.Client(base_url=base, timeout=20) as client:
        before = client.post("/v1/auth/token", data=sign_in)
        assert before.status_code == 400, before.text  # the database was asked, and said no
        server.kill()
        down = client.post("/v1/auth/token", data=sign_in)
        assert down.status_code == 503, down.text
        assert down.headers["retry-after"] == "2"
        assert down.json()["error"] == "unavailable"
        server.start()
        link.target_port = server.port
        answers = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the pool reconnects with its own backoff
            answers.append(client.post("/v1/auth/token", data=sign_in).status_code)
            if answers[-1] != 503:
                break
            time.sleep(0.5)
    assert answers[-1] == before.status_code, answers
    assert set(answers) <= {503, before.status_code}, answers
