"""Device → durable edge ledger → idempotent sync → cloud ledger, with real parts only."""

import random
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from edgestock.processes import Child
from tests.e2e.harness import (
    AgentFiles,
    Cloud,
    ThreadedScale,
    agent_child,
    station_total,
    wait_until,
    write_agent_config,
)


def settle(scale: ThreadedScale, files: AgentFiles, grams: int) -> None:
    """Put a weight on the scale and wait until the agent has recorded it."""
    scale.set_weight(grams, stable=False)
    time.sleep(0.05)
    scale.set_weight(grams)
    wait_until(lambda: files.weight() == grams, 10, f"the agent to record {grams} g")


def wait_synced(files: AgentFiles, timeout: float = 30) -> None:
    wait_until(
        lambda: files.last_seq() > 0 and files.acked_seq() == files.last_seq(),
        timeout,
        "the cloud to acknowledge every event",
    )


def assert_converged(cloud: Cloud, files: AgentFiles) -> None:
    """Every event is in the cloud exactly once, and both ledgers are the same."""
    agent_events = files.event_hashes()
    assert agent_events, "the agent made no events"
    assert cloud.event_hashes() == agent_events
    assert [seq for seq, _ in agent_events] == list(range(1, len(agent_events) + 1))
    assert cloud.ledger() == files.ledger()


def test_scripted_weights_converge_lot_by_lot(
    tmp_path: Path, cloud: Cloud, scale: ThreadedScale
) -> None:
    files = AgentFiles(tmp_path / "agent.db")
    with agent_child(tmp_path, write_agent_config(tmp_path, cloud, scale.port)) as agent:
        for grams in (1000, 820, 1500, 300):
            settle(scale, files, grams)
        wait_synced(files)
        assert agent.alive()
    lots = sorted(files.ledger().items(), key=lambda line: line[0][1])
    # 1000 received, 180 used, 680 received, then 1200 used: 820 from the older lot first
    assert [qty for _, (qty, unit) in lots] == [Decimal(0), Decimal(300)]
    assert_converged(cloud, files)


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_and_doubles_nothing(
    tmp_path: Path, cloud: Cloud, scale: ThreadedScale
) -> None:
    config = write_agent_config(tmp_path, cloud, scale.port)
    files = AgentFiles(tmp_path / "agent.db")
    rng = random.Random(20261125)
    stop = threading.Event()

    def kitchen() -> None:  # someone keeps using the scale the whole time
        while not stop.is_set():
            scale.set_weight(rng.randrange(0, 5000, 7), stable=rng.random() > 0.2)
            time.sleep(rng.uniform(0.03, 0.15))

    worker = threading.Thread(target=kitchen, daemon=True)
    worker.start()
    try:
        for _ in range(20):
            before = files.last_seq()
            agent = agent_child(tmp_path, config).start()
            # killed at a random moment once it works (a loaded box may take seconds to start)
            deadline = time.monotonic() + 60
            while files.last_seq() <= before and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.5))  # polling, writing, syncing
            agent.kill()
    finally:
        stop.set()
        worker.join(5)
    final = 2345
    with agent_child(tmp_path, config):
        settle(scale, files, final)
        wait_synced(files)
    assert files.last_seq() > 40
    assert_converged(cloud, files)
    assert station_total(files.ledger()) == final  # the ledger weighs what the scale weighs


@pytest.mark.slow
def test_cloud_outage_buffers_then_catches_up(
    tmp_path: Path, cloud: Cloud, scale: ThreadedScale
) -> None:
    files = AgentFiles(tmp_path / "agent.db")
    with agent_child(tmp_path, write_agent_config(tmp_path, cloud, scale.port)) as agent:
        settle(scale, files, 4000)
        wait_synced(files)
        cloud.stop()
        during_outage = [3800, 3400, 3000, 2600, 2200, 1800, 1400]
        for grams in during_outage:
            settle(scale, files, grams)
        behind = files.last_seq() - files.acked_seq()
        assert behind >= 2 * len(during_outage), "events made during the outage wait on disk"
        assert agent.alive()
        cloud.start()
        wait_synced(files)
    assert_converged(cloud, files)
    assert station_total(files.ledger()) == during_outage[-1]


def test_agent_rejects_a_malformed_config_with_the_line(tmp_path: Path) -> None:
    config = tmp_path / "agent.yaml"
    config.write_text("agent: {id: a, site: s}\ncloud: {url: not-a-url}\n")
    child = Child("agent", agent_child(tmp_path, config).argv, tmp_path / "bad.log").start()
    assert child.process is not None
    assert child.process.wait(30) == 2
    assert f"{config}:2: cloud.url" in child.tail()
