"""Request bodies are bounded: a large body is refused early with 413, not buffered and
echoed (issue 9, finding 6)."""

from __future__ import annotations

import resource
from collections.abc import Iterator

import httpx

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
