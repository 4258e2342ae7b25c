"""The cloud API over real HTTP: uvicorn on 127.0.0.1 in a thread of the test process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from cloud.app import create_app
from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from edgestock.processes import free_port
from tests.cloud.auth import TEST_SITES, admin_client
from tests.pg import create_database, drop_database, own_name

_DATABASES: dict[str, str] = {}


def database_of(base_url: str) -> str:
    """The database URL of the API at ``base_url`` served by ``running_api`` (so helpers
    given only a client, such as the builders' agent enrolment, can reach its database)."""
    return _DATABASES[base_url.rstrip("/")]


@contextmanager
def running_api(settings: CloudSettings, wrap: Callable[[Any], Any] | None = None) -> Iterator[str]:
    """Serve ``create_app(settings)`` (inside ``wrap``, an ASGI wrapper, if given) until the
    block ends; yields the base URL."""
    port = free_port()
    app = create_app(settings)
    config = uvicorn.Config(
        wrap(app) if wrap else app, host="127.0.0.1", port=port, log_level="warning",
        lifespan="on",
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API did not start (see the log above)")
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    _DATABASES[url] = settings.database_url
    try:
        yield url
    finally:
        del _DATABASES[url]
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def shared_client(server: PostgresServer, template: str, name: str) -> Iterator[httpx.Client]:
    """A client (an org admin of the test organisation) of an API on a database of its own
    (``name``), for a module's read-only tests that share one loaded database instead of
    paying for a fresh one each."""
    name = own_name(name)
    url = create_database(server, name, template=template)
    try:
        settings = CloudSettings(database_url=url, pool_min_size=1, pool_max_size=4)
        site, *more = TEST_SITES
        with (
            running_api(settings) as base,
            admin_client(base, url, site, more_sites=tuple(more)) as client,
        ):
            yield client
    finally:
        drop_database(server, name)
