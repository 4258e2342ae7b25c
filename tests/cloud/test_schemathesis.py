"""schemathesis over every route of the cloud's OpenAPI, signed in as an org admin: no 5xx.

Generated requests (valid and invalid: wrong types, huge numbers, odd strings, NUL and
control characters, missing fields) go to a real API on a real PostgreSQL for a bounded
time with a fixed seed. Agent routes need the agent's signature: here they must answer
401, never 5xx; their bad input is tested with signed batches in test_refusals.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cloud.settings import CloudSettings
from tests.cloud.auth import TEST_SITES, admin_client
from tests.cloud.live import running_api

SEED = 20261204
CONFIG = """
[dictionaries.sites]
values = ["site-1", "site-2"]

[dictionaries.nodes]
values = [1]

# mostly the test organisation's own site and root node, so generated requests reach past
# the "unknown site" 404 into the routes; sometimes generated values, NUL and all
[parameters]
"path.site" = { dictionary = "sites", probability = 0.8 }
"path.node_id" = { dictionary = "nodes", probability = 0.8 }
"""
BUDGET_S = 45
"""Time schemathesis may spend; with start-up the test stays within a minute."""


@pytest.fixture
def signed_in(database_url: str) -> Iterator[tuple[str, str]]:
    # a wide per-address allowance: generated sign-ins must reach the route, not the limit
    settings = CloudSettings(database_url=database_url, pool_min_size=1, pool_max_size=4,
                             sign_in_address_allowance=100_000)  # fmt: skip
    site, *more = TEST_SITES
    with running_api(settings) as url, admin_client(url, database_url, site,
                                                    more_sites=tuple(more)) as client:  # fmt: skip
        yield url, str(client.headers["Authorization"])


def test_no_generated_request_gets_a_server_error(
    signed_in: tuple[str, str], tmp_path: Path
) -> None:
    url, authorization = signed_in
    report = tmp_path / "junit.xml"
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config),
        "run", f"{url}/openapi.json",
        "--checks", "not_a_server_error", "--seed", str(SEED), "--max-time", str(BUDGET_S),
        "--workers", "1", "--request-timeout", "20", "--header", f"Authorization: {authorization}",
        "--suppress-health-check", "all", "--report", "junit", "--report-junit-path", str(report),
        "--output-truncate", "true",
    ]  # fmt: skip
    began = time.monotonic()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=BUDGET_S + 40, check=False,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}, cwd=tmp_path,
    )  # fmt: skip
    took = time.monotonic() - began

    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "Server error" not in done.stdout
    assert took < BUDGET_S + 30
    # it did test: every operation of the schema has its test case in the report
    paths = httpx.get(f"{url}/openapi.json").json()["paths"]
    operations = sum(len(methods) for methods in paths.values())
    assert operations >= 25
    junit = report.read_text(encoding="utf-8")
    assert len(re.findall(r'<testcase name="(?:GET|POST|PUT|DELETE|PATCH) ', junit)) == operations
    assert 'failures="0"' in junit
    assert 'errors="0"' in junit
