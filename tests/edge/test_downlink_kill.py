"""The down-channel with the agent as a child process: a SIGKILL while documents are being
applied loses none and applies none twice, and a hold issued in the cloud reaches an online
agent within seconds. Real parts only: the cloud and the agent are child processes, the agent
enrolled with the manual's commands (so it trusts the cloud's key from enrolment),
PostgreSQL, and the agent's SQLite file read as an operator would."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from edgestock.demos.enrolment import enrol_agent
from tests.e2e.harness import SITE, AgentFiles, Cloud, agent_child, wait_until
from tests.pg import database_url, migrated_template, postgres_server

__all__ = ["database_url", "migrated_template", "postgres_server"]

HOLDS = 200


@pytest.fixture
def cloud(database_url: str, tmp_path: Path) -> Iterator[Cloud]:
    server = Cloud(database_url, tmp_path).start()
    yield server
    server.stop()


def agent_config(workdir: Path, cloud: Cloud) -> Path:
    template = {
        "store": {"path": "agent.db", "retention_after_ack": None},
        "cloud": {"timeout_s": 5, "backoff_initial_s": 0.05, "backoff_max_s": 0.5},
        "downlink": {"wait_s": 5, "backoff_initial_s": 0.05, "backoff_max_s": 0.5},
    }
    path = workdir / "agent.yaml"
    enrol_agent(workdir, cloud.database_url, cloud.url, SITE, template, path)
    return path


def applied(files: AgentFiles) -> int:
    rows = files.query("SELECT state FROM checkpoints WHERE name = 'downlink'")
    return int(bytes(rows[0][0]).decode()) if rows else 0


def block_causes(files: AgentFiles) -> list[str]:
    rows = files.query("SELECT body FROM events WHERE type = 'lot.blocked' ORDER BY seq")
    return [str(orjson.loads(body)["data"]["cause"]) for (body,) in rows]


def hold(admin: httpx.Client, lot: str) -> None:
    order = {"action": "hold", "item": "chicken", "lot": lot, "location": "wok",
             "reason": "recall"}  # fmt: skip
    answer = admin.post(f"/v1/sites/{SITE}/holds", json=order)
    assert answer.status_code == 201, answer.text


def test_a_sigkill_mid_apply_neither_loses_nor_repeats_a_document(
    tmp_path: Path, cloud: Cloud
) -> None:
    config = agent_config(tmp_path, cloud)
    files = AgentFiles(tmp_path / "agent.db")
    assert cloud.admin is not None
    with cloud.admin.client() as admin:
        for n in range(1, HOLDS + 1):
            hold(admin, f"L{n}")

        target = random.Random().randint(1, HOLDS // 2)  # a different moment each run
        with agent_child(tmp_path, config) as agent:
            wait_until(lambda: applied(files) >= target, 60, f"{target} documents applied")
            agent.kill()
        at_kill = applied(files)
        # what is applied is exactly what has its events: both or neither were written
        assert block_causes(files) == [f"downlink:{n}" for n in range(1, at_kill + 1)]

        with agent_child(tmp_path, config) as agent:
            wait_until(lambda: applied(files) == HOLDS, 120, f"all {HOLDS} documents applied")

            def acked() -> bool:
                acks = admin.get(f"/v1/sites/{SITE}/downlink").json()["acks"]
                return bool(acks) and acks[0]["seq"] == HOLDS

            wait_until(acked, 60, "the cloud to hear every document applied")
            assert agent.alive()
    assert block_causes(files) == [f"downlink:{n}" for n in range(1, HOLDS + 1)]
    print(f"\nSIGKILL after {at_kill} of {HOLDS} documents applied (aimed at {target})")


def test_a_hold_issued_in_the_cloud_reaches_an_online_agent_within_seconds(
    tmp_path: Path, cloud: Cloud
) -> None:
    """The recall issue wants a hold at the edge within 10 s of the command."""
    config = agent_config(tmp_path, cloud)
    files = AgentFiles(tmp_path / "agent.db")
    assert cloud.admin is not None
    took: list[float] = []
    with cloud.admin.client() as admin, agent_child(tmp_path, config) as agent:
        hold(admin, "WARM-UP")
        wait_until(lambda: applied(files) == 1, 60, "the agent to apply its first document")
        for n in range(1, 6):
            started = time.monotonic()
            hold(admin, f"RECALL-{n}")
            wait_until(lambda n=n: applied(files) == n + 1, 30, f"recall {n} at the edge")
            took.append(time.monotonic() - started)
            held = files.query("SELECT held FROM lot_holds WHERE lot = ?", f"RECALL-{n}")
            assert held == [(1,)]
        assert agent.alive()
    assert max(took) < 10
    print(f"\ncommand to hold at the edge: median {statistics.median(took) * 1000:.0f} ms,"
          f" max {max(took) * 1000:.0f} ms over {len(took)}")  # fmt: skip
