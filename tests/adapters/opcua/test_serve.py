"""``serve``, the CLI entry point: a seeded line running on its own, followed by the adapter."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from edge_agent.adapters.opcua.adapter import OpcUaLineAdapter
from simulators.opcua_line import serve
from tests.adapters.conftest import free_port
from tests.adapters.opcua.conftest import line_config, quick_backoff, running, values_of
from tests.adapters.sink import RecordingSink

PACKML = {"Stopped", "Resetting", "Idle", "Starting", "Execute", "Completing", "Complete"}
PACKML |= {"Aborting", "Aborted", "Clearing", "Holding", "Held", "Unholding", "Suspending"}
PACKML |= {"Suspended", "Unsuspending"}
pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_a_served_line_runs_through_packml_states_until_stopped() -> None:
    port = free_port()
    stop = asyncio.Event()
    # 200 s of line time per second: a 2000-piece batch takes about one second.
    line = asyncio.create_task(
        serve(host="127.0.0.1", port=port, seed=3, tick_s=0.01, time_scale=200, stop=stop)
    )
    sink = RecordingSink()
    endpoint = f"opc.tcp://127.0.0.1:{port}/edgestock/line"
    adapter = OpcUaLineAdapter(line_config(endpoint), sink, backoff=quick_backoff())
    try:
        async with running(adapter):
            await sink.wait_for(lambda s: "Execute" in values_of(s, "state"), timeout=10)
            await sink.wait_for(lambda s: len(set(values_of(s, "state"))) >= 3, timeout=10)
            # the line counts good pieces while it executes: wait for one, not for luck
            await sink.wait_for(
                lambda s: any(v > 0 for v in values_of(s, "good_count")), timeout=10
            )
    finally:
        stop.set()
        await asyncio.wait_for(line, 5)
    states = values_of(sink, "state")
    assert set(states) <= PACKML
    assert len(set(states)) >= 3
    assert any(v > 0 for v in values_of(sink, "good_count"))
    assert str(values_of(sink, "batch")[-1]).startswith("LOT-3-")
    assert all(isinstance(v, Decimal) for v in values_of(sink, "line_speed"))
    assert sink.quarantined == []
