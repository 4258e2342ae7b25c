"""The poller against the pymodbus scale simulator over RTU, through a socat pty pair."""

from __future__ import annotations

from decimal import Decimal

import pytest

from edge_agent.adapters.modbus.poller import ModbusPoller
from simulators.modbus_scale import ScaleSimulator
from simulators.modbus_server import PtyPair
from tests.adapters.conftest import observed, rtu_device, running
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


@pytest.mark.parametrize(
    ("profile", "grams", "expected", "unit"),
    [
        ("scales/laumas-tlu", 2500.3, Decimal("2500.3"), "g"),
        ("scales/tuna-id551", 2500.3, Decimal("2.500"), "kg"),
    ],
)
async def test_rtu_scale_weight_tare_and_flags_arrive(
    pty_pair: PtyPair, profile: str, grams: float, expected: Decimal, unit: str
) -> None:
    simulator = ScaleSimulator(profile)
    await simulator.start_rtu(pty_pair.device_end)
    sink = RecordingSink()
    poller = ModbusPoller(rtu_device(pty_pair.client_end, profile), sink)
    try:
        async with running(poller):
            await simulator.set_weight(grams, stable=False)
            await observed(sink, lambda o: o.values["stable"] is False and o.values["weight"] != 0)
            await simulator.set_weight(grams, stable=True)
            obs = await observed(
                sink, lambda o: o.values["stable"] is True and o.values["weight"] != 0
            )
            await simulator.set_weight(grams + 500, tare_g=500)
            tared = await observed(sink, lambda o: o.values["tare"] != 0)
            await simulator.set_weight(99_999, overload=True)
            await observed(sink, lambda o: o.values["overload"] is True)
    finally:
        await simulator.stop()
    assert obs.values["weight"] == expected
    assert obs.units["weight"] == unit
    assert tared.values["weight"] == expected
    assert tared.values["tare"] == Decimal(500) / (1000 if unit == "kg" else 1)
    assert poller.counters()["scale-rtu"].frames_bad == 0
