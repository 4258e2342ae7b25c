"""The scale simulator as the agent sees it: encode → serve → poll → decode round trips."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from edge_agent.adapters.modbus.decode import RegisterBlock, decode_observation
from edge_agent.adapters.modbus.poller import ModbusPoller
from edge_agent.adapters.modbus.profile import load_profile
from simulators.modbus_scale import encode_reading, run_scale_simulator, serve
from simulators.modbus_server import TcpEndpoint, load_register_map
from simulators.weight_process import ScaleReading, StationSettings
from tests.adapters.conftest import eventually, free_port, observed, rtu_device, running, tcp_device
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.timeout(30)]


@pytest.mark.parametrize(
    ("profile", "weight", "gross", "tare"),
    [
        ("scales/laumas-tlu", Decimal("1250.0"), Decimal("1500.0"), Decimal("250.0")),
        ("scales/tuna-id551", Decimal("1.250"), Decimal("1.500"), Decimal("0.250")),
    ],
)
def test_encoding_decodes_to_the_same_reading(
    profile: str, weight: Decimal, gross: Decimal, tare: Decimal
) -> None:
    reading = ScaleReading(gross_g=1500.0, tare_g=250.0, stable=True, overload=False)
    scale_map = load_register_map(profile)
    words = encode_reading(scale_map, reading)
    obs = decode_observation(
        load_profile(profile),
        RegisterBlock(scale_map.start, words),
        device="d",
        at=datetime.now(UTC),
    )
    assert (obs.values["weight"], obs.values["gross_weight"], obs.values["tare"]) == (
        weight,
        gross,
        tare,
    )
    assert (obs.values["stable"], obs.values["overload"], obs.values["net"]) == (True, False, True)


async def test_autonomous_simulator_produces_a_changing_weighing_process() -> None:
    port = free_port()
    stop = asyncio.Event()
    settings = StationSettings(mean_dwell_s=0.15, settle_s=0.1)
    simulator = asyncio.create_task(
        run_scale_simulator(
            "scales/laumas-tlu", TcpEndpoint(port=port), 11, settings=settings, stop=stop
        )
    )
    sink = RecordingSink()
    poller = ModbusPoller(tcp_device(port), sink)
    try:
        async with running(poller):

            def stable_weights() -> set[object]:
                return {o.values["gross_weight"] for o in sink.observations if o.values["stable"]}

            await eventually(lambda: len(stable_weights()) >= 3, timeout=10)
    finally:
        stop.set()
        await asyncio.wait_for(simulator, 2)
    assert any(o.values["stable"] is False for o in sink.observations)
    assert all(o.units["weight"] == "g" for o in sink.observations)


async def test_serve_makes_a_pty_pair_when_the_rtu_path_is_new(tmp_path: Path) -> None:
    stop = asyncio.Event()
    agent_end = tmp_path / "scale"
    server = asyncio.create_task(serve("scales/tuna-id551", rtu=agent_end, seed=3, stop=stop))
    sink = RecordingSink()
    try:
        await eventually(agent_end.exists)
        poller = ModbusPoller(rtu_device(agent_end, "scales/tuna-id551"), sink)
        async with running(poller):
            obs = await observed(sink, lambda o: True)
    finally:
        stop.set()
        await asyncio.wait_for(server, 5)
    assert obs.units["weight"] == "kg"
    assert not agent_end.exists(), "socat is gone and took its links with it"
