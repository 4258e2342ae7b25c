"""``edgestock trace`` as a process against a real database the API filled through ingest."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import httpx

from tests.cloud.builders import AgentChain, post_events
from tests.cloud.live import database_of
from tests.cloud.test_trace import PLANT


def edgestock(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "edgestock", "trace", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_the_command_prints_the_trace_in_every_format(client: httpx.Client) -> None:
    chain = AgentChain(agent="plant-1", site="site-1")
    assert post_events(client, "plant-1", chain.add(PLANT)).status_code == 200
    url = database_of(str(client.base_url).rstrip("/"))

    text = edgestock(url, "skewer", "SK-1", "--backward")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "backward trace of skewer / SK-1"
    assert lines[1].startswith("skewer / SK-1 @ site-1")
    assert "chicken / CH-1 @ site-1" in lines[3]
    assert "from farm-a" in lines[3]

    tree = json.loads(edgestock(url, "chicken", "CH-1", "--forward", "--format", "json").stdout)
    assert tree["roots"][0]["children"][0]["lot"] == "MA-1"
    rows = list(csv.DictReader(io.StringIO(
        edgestock(url, "skewer", "SK-1", "--backward", "--format", "csv").stdout)))  # fmt: skip
    assert [row["lot"] for row in rows] == ["SK-1", "MA-1", "CH-1", "SA-1"]
    assert edgestock(url, "skewer", "SK-1", "--backward", "--format", "svg").stdout.startswith(
        "<svg"
    )


def test_the_command_refuses_what_it_cannot_answer(client: httpx.Client) -> None:
    url = database_of(str(client.base_url).rstrip("/"))
    both = edgestock(url, "skewer", "SK-1", "--backward", "--forward")
    assert both.returncode == 2
    assert "exactly one of --backward and --forward" in both.stderr
    unknown = edgestock(url, "skewer", "NOPE", "--forward")
    assert unknown.returncode == 1
    assert "'NOPE'" in unknown.stderr
