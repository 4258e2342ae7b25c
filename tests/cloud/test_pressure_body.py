"""Request bodies are bounded: a large body is refused early with 413, not buffered and
echoed (issue 9, finding 6)."""

from __future__ import annotations

import logging
import resource
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from cloud.metrics import REFUSALS
from cloud.settings import CloudSettings
from tests.cloud.live import running_api


def _chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    yield b'{"code": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


def test_a_large_json_body_is_refused_with_413_and_not_held(database_url: str) -> None:
    settings = CloudSettings(database_url=database_url, pool_min_size=1, pool_max_size=2)
    with running_api(settings) as url:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        declared = httpx.post(
            f"{url}/v1/enrolments", content=b"{" + b" " * (3 << 20) + b"}",
            headers={"Content-Type": "application/json"}, timeout=30,
        )  # fmt: skip
        streamed = httpx.post(
            f"{url}/v1/enrolments", content=_chunks(100 << 20),
            headers={"Content-Type": "application/json"}, timeout=60,
        )  # fmt: skip
        grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before

    for response in (declared, streamed):
        assert response.status_code == 413, response.text[:200]
        assert len(response.content) < 1_000
        assert "body" in response.json()["detail"]
    assert settings.max_request_bytes < 3 << 20
    assert grown_kib < 64 * 1024, f"the process grew by {grown_kib} KiB"


def test_an_agent_that_hangs_up_mid_upload_is_counted_not_a_crash(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that times out halfway through its batch: the API counts a refusal
    (``client_gone``) and logs no 500 traceback (140 of them filled one benchmark's log)."""
    settings = CloudSettings(database_url=database_url, pool_min_size=1, pool_max_size=2)
    gone = REFUSALS.labels("client_gone")
    with caplog.at_level(logging.WARNING), running_api(settings) as url:
        before = gone._value.get()
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/agents/a1/events HTTP/1.1\r\nHost: api\r\nContent-Length: 100000\r\n"
                b"Content-Encoding: gzip\r\n\r\n" + b"x" * 1000
            )
        deadline = time.monotonic() + 10
        while gone._value.get() == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert gone._value.get() == before + 1
        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
