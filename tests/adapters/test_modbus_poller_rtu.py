"""The poller against the pymodbus scale simulator over RTU, through a socat pty pair."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from edge_agent.adapters.modbus.poller import ModbusPoller
from simulators.modbus_scale import PtyPair, ScaleSimulator
from tests.adapters.conftest import ObservationSink, quick_backoff, rtu_device

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


@pytest.mark.parametrize(
    ("profile", "grams", "expected", "unit"),
    [
        ("scales/laumas-tlu", 2500.3, Decimal("2500.3"), "g"),
        ("scales/tuna-id551", 2500.3, Decimal("2.500"), "kg"),
    ],
)
async def test_rtu_scale_weight_and_flags_arrive(
    pty_pair: PtyPair, profile: str, grams: float, expected: Decimal, unit: str
) -> None:
    simulator = ScaleSimulator(profile)
    await simulator.start_rtu(pty_pair.device_end)
    sink = ObservationSink()
    poller = ModbusPoller(
        rtu_device(pty_pair.client_end, profile), on_observation=sink, backoff=quick_backoff()
    )
    task = asyncio.create_task(poller.run())
    try:
        await simulator.set_weight(grams, stable=False)
        await sink.wait_for(lambda o: o.values["stable"] is False and o.values["weight"] != 0)
        await simulator.set_weight(grams, stable=True)
        obs = await sink.wait_for(lambda o: o.values["stable"] is True and o.values["weight"] != 0)
        await simulator.set_weight(99_999, overload=True)
        await sink.wait_for(lambda o: o.values["overload"] is True)
    finally:
        poller.stop()
        await asyncio.wait_for(task, 2)
        await simulator.stop()
    assert obs.values["weight"] == expected
    assert obs.units["weight"] == unit
    assert poller.counters.frames_bad == 0
