"""A Modbus poller stuck somewhere is never silent: the line's watchdog logs where it is stuck,
counts it, and ends the line so the agent's supervision starts it again. Real pymodbus scale
simulator over TCP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import pytest

from domain.observation import Observation
from edge_agent.adapters.modbus.adapter import ModbusBus
from edge_agent.adapters.modbus.watchdog import STALLS, PollerStalled
from simulators.modbus_scale import ScaleSimulator
from tests.adapters.conftest import free_port, observed, tcp_device
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.timeout(60)]


class WedgedSink(RecordingSink):
    """The agent's side when its store stops coming back: after ``answer`` observations,
    ``observe`` waits until ``unwedge`` is set."""

    def __init__(self, answer: int) -> None:
        super().__init__()
        self.answer = answer
        self.unwedge = asyncio.Event()

    async def observe(self, obs: Observation) -> None:
        if len(self.observations) >= self.answer:
            await self.unwedge.wait()
        await super().observe(obs)


async def test_a_stuck_poller_is_logged_with_where_it_waits_counted_and_its_line_ended(
    scale: tuple[ScaleSimulator, int], caplog: pytest.LogCaptureFixture
) -> None:
    simulator, port = scale
    await simulator.set_weight(250.0)
    sink = WedgedSink(answer=3)
    bus = ModbusBus([tcp_device(port)], sink, stall_after_s=0.5)
    caplog.set_level(logging.WARNING, logger="edge_agent.adapters.modbus.watchdog")
    with pytest.raises(ExceptionGroup) as ended:
        async with asyncio.timeout(20):
            await bus.run()
    (stalled,) = ended.value.exceptions
    assert isinstance(stalled, PollerStalled)
    assert stalled.device == "scale-1"
    assert "in observe" in stalled.where, stalled.where  # where it waits: the sink
    counters = bus.counters()["scale-1"]
    assert counters.extra[STALLS] == 1
    assert counters.last_error is not None
    assert "poller stuck" in counters.last_error
    (line,) = [r for r in caplog.records if "no poll has ended" in r.getMessage()]
    assert "scale-1" in line.getMessage()
    assert "in observe" in line.getMessage()
    assert len(sink.observations) == 3

    # started again (as supervision does) once the sink answers, it reads the scale again
    sink.unwedge.set()
    await simulator.set_weight(400.0)
    task = asyncio.create_task(bus.run())
    try:
        seen = await observed(sink, lambda o: o.values["weight"] == Decimal("400.0"))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert seen.device == "scale-1"
    assert counters.extra[STALLS] == 1


async def test_a_device_that_is_silent_or_gone_is_never_called_stuck(
    scale: tuple[ScaleSimulator, int],
) -> None:
    """Timeouts, a refused connection and the breaker's pauses are the poller's own bounds."""
    simulator, port = scale

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(256):
            pass  # reads every request, answers none
        writer.close()

    silent = await asyncio.start_server(swallow, "127.0.0.1", 0)
    silent_port = silent.sockets[0].getsockname()[1]
    sink = RecordingSink()
    buses = [
        ModbusBus([tcp_device(port)], sink, stall_after_s=0.5),
        ModbusBus([tcp_device(silent_port, id="silent", timeout_s=0.2)], sink, stall_after_s=0.5),
        ModbusBus([tcp_device(free_port(), id="gone")], sink, stall_after_s=0.5),
    ]
    tasks = [asyncio.create_task(bus.run()) for bus in buses]
    counters = {k: v for bus in buses for k, v in bus.counters().items()}

    def seen_enough(s: RecordingSink) -> bool:
        # at 20 ms a poll, 100 answers take 2 s: four times the stall bound
        return len(s.observations) >= 100 and counters["silent"].extra.get("timeout", 0) >= 4

    try:
        await simulator.set_weight(321.0)
        await sink.wait_for(seen_enough, timeout=30)
        assert not any(task.done() for task in tasks), tasks
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        silent.close()
        await silent.wait_closed()
    assert counters["gone"].extra.get("connection", 0) >= 1
    assert all(STALLS not in c.extra for c in counters.values()), counters
