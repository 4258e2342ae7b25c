"""The line server restarts mid-run: offline once, online once, notifications resume in time.

A real restart: the server is stopped (its sessions and subscriptions die with it) and a new
one is started on the same port, as a PLC or an OPC UA gateway comes back after a reboot.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio

from edge_agent.adapters.opcua.adapter import OpcUaLineAdapter
from simulators.opcua.server import LineServer
from tests.adapters.conftest import free_port
from tests.adapters.opcua.conftest import latest, line_config, quick_backoff, running
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


@pytest_asyncio.fixture
async def line() -> AsyncIterator[LineServer]:
    server = LineServer("lines/filling-line")
    await server.start("127.0.0.1", free_port())
    try:
        yield server
    finally:
        await server.stop()


async def test_a_server_restart_is_one_outage_and_notifications_resume(line: LineServer) -> None:
    port = int(line.endpoint.rsplit(":", 1)[1].split("/")[0])
    sink = RecordingSink()
    adapter = OpcUaLineAdapter(line_config(line.endpoint), sink, backoff=quick_backoff())
    async with running(adapter):
        await line.set_value("good_count", 100)
        await sink.wait_for(lambda s: latest(s, "good_count") == Decimal(100))

        await line.stop()
        await sink.wait_for(lambda s: "offline" in [p[0] for p in s.presence], timeout=3)
        await line.start("127.0.0.1", port)
        back_at = time.monotonic()
        await line.set_value("state", "Execute")
        await line.set_value("good_count", 101)
        await sink.wait_for(lambda s: latest(s, "good_count") == Decimal(101), timeout=5)
        resumed_s = time.monotonic() - back_at

    # One jittered backoff step (at most 0.3 s here) plus connect and subscribe on loopback.
    assert resumed_s < 1.5
    assert [kind for kind, _, _ in sink.presence] == ["online", "offline", "online"]
    reason = sink.presence[1][2]
    assert reason is not None
    assert reason.startswith("connection lost")
    counters = adapter.counters()["line-1"]
    assert counters.reconnects == 1
    assert counters.online is True
    assert latest(sink, "state") == "Execute"
