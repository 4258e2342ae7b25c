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
from simulators.modbus_scale import (
    TcpEndpoint,
    encode_reading,
    load_scale_map,
    run_scale_simulator,
    serve,
)
from simulators.weight_process import ScaleReading, StationSettings
from tests.adapters.conftest import ObservationSink, free_port, rtu_device, tcp_device

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


@pytest.mark.parametrize(
    ("profile", "weight", "gross"),
    [
        ("scales/laumas-tlu", Decimal("1250.0"), Decimal("1500.0")),
        ("scales/tuna-id551", Decimal("1.250"), Decimal("1.500")),
    ],
)
async def test_encoding_decodes_to_the_same_reading(
    profile: str, weight: Decimal, gross: Decimal
) -> None:
    reading = ScaleReading(gross_g=1500.0, tare_g=250.0, stable=True, overload=False)
    scale_map = load_scale_map(profile)
    words = encode_reading(scale_map, reading)
    obs = decode_observation(
        load_profile(profile),
        RegisterBlock(scale_map.start, words),
        device="d",
        at=datetime.now(UTC),
    )
    assert obs.values["weight"] == weight
    assert obs.values["gross_weight"] == gross
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
    sink = ObservationSink()
    poller = ModbusPoller(tcp_device(port), on_observation=sink)
    await asyncio.sleep(0.1)
    task = asyncio.create_task(poller.run())
    try:
        async with asyncio.timeout(10):
            while len({o.values["gross_weight"] for o in sink.seen if o.values["stable"]}) < 3:
                await asyncio.sleep(0.05)
    finally:
        poller.stop()
        await asyncio.wait_for(task, 2)
        stop.set()
        await asyncio.wait_for(simulator, 2)
    assert any(o.values["stable"] is False for o in sink.seen)
    assert all(o.units["weight"] == "g" for o in sink.seen)


async def test_serve_makes_a_pty_pair_when_the_rtu_path_is_new(tmp_path: Path) -> None:
    stop = asyncio.Event()
    agent_end = tmp_path / "scale"
    server = asyncio.create_task(serve("scales/tuna-id551", rtu=agent_end, seed=3, stop=stop))
    sink = ObservationSink()
    try:
        async with asyncio.timeout(5):
            while not agent_end.exists():
                await asyncio.sleep(0.02)
        poller = ModbusPoller(rtu_device(agent_end, "scales/tuna-id551"), on_observation=sink)
        task = asyncio.create_task(poller.run())
        obs = await sink.wait_for(lambda o: True)
        poller.stop()
        await asyncio.wait_for(task, 2)
    finally:
        stop.set()
        await asyncio.wait_for(server, 5)
    assert obs.units["weight"] == "kg"
    assert not agent_end.exists(), "socat is gone and took its links with it"
