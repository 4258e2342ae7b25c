"""First run of the cloud's commands as a newcomer meets them (issue 16): no database, a
database that is down, a site that does not exist, and ``cloud serve --embedded``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edgestock.processes import Child, edgestock_argv, free_port

pytestmark = pytest.mark.timeout(120)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        edgestock_argv(*args), capture_output=True, text=True, timeout=60, env=clean | (env or {})
    )


def test_serve_without_a_database_says_how_to_get_one() -> None:
    done = run("cloud", "serve")
    assert done.returncode != 0
    assert "DATABASE_URL=postgresql://" in done.stderr
    assert "edgestock cloud serve --embedded" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args", [("cloud", "serve"), ("cloud", "migrate"), ("verify", "--site", "s1")],
    ids=["serve", "migrate", "verify"],
)  # fmt: skip
def test_a_database_that_is_down_is_one_clear_line(args: tuple[str, ...]) -> None:
    url = f"postgresql://edgestock:secret-pw@127.0.0.1:{free_port()}/edgestock"
    done = run(*args, env={"DATABASE_URL": url})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert re.fullmatch(r"cannot reach the database at 127\.0\.0\.1:\d+/edgestock: .+", lines[0])
    assert "Connection refused" in lines[0]
    assert "secret-pw" not in done.stderr  # the password is never echoed


def test_verify_of_a_site_that_does_not_exist_fails(database_url: str) -> None:
    done = run("verify", "--site", "nosuch", env={"DATABASE_URL": database_url})
    assert done.returncode == 1
    assert "no such site" in done.stderr
    assert "intact" not in done.stdout


@pytest.fixture
def reachable_folder() -> Iterator[Path]:
    """A folder the server's account can enter when we are root (pytest's tmp is 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="edgestock-embedded-", dir="/var/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_serve_embedded_starts_its_own_database_and_stops_it(
    tmp_path: Path, reachable_folder: Path
) -> None:
    port, data = free_port(), reachable_folder / "pg"
    argv = edgestock_argv("cloud", "serve", "--embedded", "--port", str(port),
                          "--data-dir", str(data), "--log-format", "json")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    cloud = Child("cloud", argv, tmp_path / "cloud.log", env=env)
    cloud.env = env
    cloud.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert cloud.alive(), cloud.tail()
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if health.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        assert health.json()["database"] == "ok"
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    finally:
        code = cloud.stop(timeout=30)
    lines = (tmp_path / "cloud.log").read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    log = "\n".join(entry["message"] for entry in entries)
    assert any(e["logger"] == "uvicorn.access" and "/healthz" in e["message"] for e in entries)
    assert "embedded PostgreSQL at postgresql://" in log
    assert f"kept in {data}" in log
    assert f"cloud API at http://127.0.0.1:{port}" in log
    assert "migrations: applied 0001_events" in log
    assert "edgestock_http_request_seconds" in metrics.text
    assert "embedded PostgreSQL stopped" in log, log
    assert code == 0, log
    assert not (data / "postmaster.pid").exists()  # the server is gone
