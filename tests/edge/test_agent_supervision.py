"""A dead writer stops the agent, saying why, instead of leaving producers waiting forever."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.agent import build, run
from edge_agent.config import load_agent_config
from edge_agent.store import StoreClosed
from edge_agent.writer import WriterStopped
from edgestock.processes import free_port
from tests.e2e.harness import ThreadedScale

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

CONFIG = """\
agent: {{id: a1, site: s1}}
cloud: {{url: "http://127.0.0.1:{cloud}", timeout_s: 0.5}}
devices:
  - id: wok-scale
    profile: scales/laumas-tlu
    transport: {{type: tcp, host: 127.0.0.1, port: {scale}}}
    timeout_s: 0.2
scales:
  - {{device: wok-scale, item: chicken, location: wok}}
"""


@pytest.fixture
def scale() -> Iterator[ThreadedScale]:
    """A real Modbus scale whose weight the agent reads (and so keeps writing)."""
    running = ThreadedScale()
    try:
        yield running
    finally:
        running.close()


async def test_an_agent_whose_store_fails_stops_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, scale: ThreadedScale
) -> None:
    """Found by the chaos soak: with a scale being read, its adapter failed on the dead
    writer while being cancelled, swallowed the cancellation and was started again forever."""
    path = tmp_path / "agent.yaml"
    path.write_text(CONFIG.format(cloud=free_port(), scale=scale.port))
    runtime = build(load_agent_config(path))
    stop = asyncio.Event()
    running = asyncio.create_task(run(runtime, stop, final_sync_s=0.5))
    for grams in range(100, 1100, 100):  # the agent records while the weight moves
        scale.set_weight(grams)
        await asyncio.sleep(0.05)
    runtime.store.close()  # what a store that can no longer write looks like to the writer
    with pytest.raises((WriterStopped, StoreClosed)):  # the rules may read the store first
        async with asyncio.timeout(10):
            await runtime.sink.online("wok-scale-2")
    for grams in range(1100, 1500, 100):  # readings keep coming while it stops
        scale.set_weight(grams)
        await asyncio.sleep(0.05)
    await asyncio.wait_for(running, 15)  # nobody set stop: the agent stopped by itself
    assert runtime.failure is not None
    # whichever of the writer and the syncer touched the dead store first names it
    assert runtime.failure.startswith(("writer stopped: ", "syncer stopped: "))
    assert "the store is closed" in runtime.failure
    assert any(
        r.levelno == logging.CRITICAL and "stops taking work" in r.getMessage()
        for r in caplog.records
    )
    with pytest.raises(WriterStopped):  # and later producers are told at once
        await asyncio.wait_for(runtime.sink.offline("wok-scale-2", "gone"), 1)
