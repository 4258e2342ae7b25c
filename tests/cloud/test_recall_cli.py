"""``edgestock recall`` as a process against a real database the API filled through ingest."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx

from tests.cloud.live import database_of
from tests.cloud.test_downlink import documents, inbox
from tests.cloud.test_recall import world

__all__ = ["world"]


def edgestock(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "edgestock", "recall", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_the_command_recalls_and_prints_the_report(world: httpx.Client) -> None:
    url = database_of(str(world.base_url).rstrip("/"))

    done = edgestock(url, "chicken", "CH-1", "--reason", "Listeria", "--by", "qa-lead",
                     "--format", "json")  # fmt: skip

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["created_by"] == "qa-lead"
    assert {(r["site"], r["lot"]) for r in report["lots"]} == {
        ("site-1", "CH-1"), ("site-1", "MA-1"), ("site-1", "SK-1"), ("site-2", "SK-1")}  # fmt: skip
    [hold] = [parse.hold() for parse in _parsed(world, "site-2-agent-s", "site-2")]
    assert (hold.lot, hold.reason) == ("SK-1", f"recall {report['id']}: Listeria")


def test_waiting_for_agents_that_do_not_apply_fails_naming_it(world: httpx.Client) -> None:
    url = database_of(str(world.base_url).rstrip("/"))
    waited = edgestock(url, "skewer", "SK-1", "--reason", "foreign body", "--wait", "0.5")
    assert waited.returncode == 3
    assert "not every agent had applied the holds within 0.5 s" in waited.stderr
    assert "site site-2, agent site-2-agent-s: not yet" in waited.stdout
    unknown = edgestock(url, "skewer", "NOPE", "--reason", "x")
    assert unknown.returncode == 1
    assert "'NOPE'" in unknown.stderr


def _parsed(client: httpx.Client, agent: str, site: str) -> list:  # type: ignore[type-arg]
    from domain.downlink import parse_document

    return [parse_document(d, site=site) for d in documents(inbox(client, agent))]
