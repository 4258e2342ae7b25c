"""The poller against the pymodbus scale simulator over TCP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from domain.observation import Observation
from edge_agent.adapters.modbus.poller import LinkFault, ModbusPoller
from simulators.modbus_scale import ScaleSimulator
from tests.adapters.conftest import ObservationSink, free_port, quick_backoff, tcp_device

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


@pytest.fixture
async def scale() -> AsyncIterator[tuple[ScaleSimulator, int]]:
    simulator = ScaleSimulator("scales/laumas-tlu")
    port = await simulator.start_tcp("127.0.0.1", free_port())
    try:
        yield simulator, port
    finally:
        await simulator.stop()


async def stop_poller(poller: ModbusPoller, task: asyncio.Task[None]) -> None:
    poller.stop()
    await asyncio.wait_for(task, 2)


async def test_weights_set_on_the_simulator_arrive_as_observations(
    scale: tuple[ScaleSimulator, int],
) -> None:
    simulator, port = scale
    sink = ObservationSink()
    poller = ModbusPoller(tcp_device(port), on_observation=sink, backoff=quick_backoff())
    task = asyncio.create_task(poller.run())
    try:
        await simulator.set_weight(1234.5, stable=False)
        unstable = await sink.wait_for(lambda o: o.values["weight"] == Decimal("1234.5"))
        assert unstable.values["stable"] is False
        await simulator.set_weight(1500.0, tare_g=250.0)
        tared = await sink.wait_for(lambda o: o.values["stable"] is True)
        assert tared.values == {
            "weight": Decimal("1250.0"),
            "gross_weight": Decimal("1500.0"),
            "stable": True,
            "overload": False,
            "net": True,
        }
        assert tared.units["weight"] == "g"
        assert tared.device == "scale-1"
        assert tared.at.tzinfo is not None
    finally:
        await stop_poller(poller, task)
    assert poller.counters.frames_bad == 0
    assert poller.counters.frames_ok == len(sink.seen)
    assert poller.counters.online is True


async def test_slow_consumer_slows_the_poll_loop(scale: tuple[ScaleSimulator, int]) -> None:
    """An awaited callback is the backpressure: no observation queues up behind it."""
    _, port = scale
    in_flight = 0
    most = 0

    async def slow(_: Observation) -> None:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.1)
        in_flight -= 1

    poller = ModbusPoller(tcp_device(port, poll_interval_ms=10), on_observation=slow)
    task = asyncio.create_task(poller.run())
    await asyncio.sleep(0.55)
    await stop_poller(poller, task)
    assert most == 1
    assert 3 <= poller.counters.frames_ok <= 7  # ~0.1 s each, not 10 ms


async def test_offline_once_when_the_scale_goes_away_and_online_once_when_it_returns() -> None:
    port = free_port()
    simulator = ScaleSimulator("scales/laumas-tlu")
    await simulator.start_tcp("127.0.0.1", port)
    sink = ObservationSink()
    offline: list[tuple[str, str]] = []
    online: list[str] = []

    async def went_offline(device: str, reason: str) -> None:
        offline.append((device, reason))

    poller = ModbusPoller(
        tcp_device(port),
        on_observation=sink,
        on_offline=went_offline,
        on_online=online.append,
        backoff=quick_backoff(),
    )
    task = asyncio.create_task(poller.run())
    try:
        await sink.wait_for(lambda o: True)
        assert online == ["scale-1"]
        await simulator.stop()
        async with asyncio.timeout(5):
            while not offline:
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.6)  # several failed reconnects: still one offline call
        assert len(offline) == 1
        assert offline[0][0] == "scale-1"
        assert poller.counters.online is False
        assert poller.counters.faults[LinkFault.CONNECTION] >= 2

        simulator = ScaleSimulator("scales/laumas-tlu")
        await simulator.start_tcp("127.0.0.1", port)
        await simulator.set_weight(42.0)
        await sink.wait_for(lambda o: o.values["weight"] == Decimal("42.0"))
        await asyncio.sleep(0.2)
        assert online == ["scale-1", "scale-1"]  # first contact, then the return
        assert len(offline) == 1
    finally:
        await stop_poller(poller, task)
        await simulator.stop()


async def test_cancelling_the_task_stops_cleanly(scale: tuple[ScaleSimulator, int]) -> None:
    _, port = scale
    sink = ObservationSink()
    poller = ModbusPoller(tcp_device(port), on_observation=sink)
    task = asyncio.create_task(poller.run())
    await sink.wait_for(lambda o: True)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)


async def test_unreachable_device_reports_offline_once_and_keeps_trying() -> None:
    reasons: list[str] = []
    poller = ModbusPoller(
        tcp_device(free_port()),
        on_observation=ObservationSink(),
        on_offline=lambda _device, reason: reasons.append(reason),
        backoff=quick_backoff(),
    )
    task = asyncio.create_task(poller.run())
    await asyncio.sleep(0.5)
    await stop_poller(poller, task)
    assert len(reasons) == 1
    assert reasons[0].startswith("cannot connect (tcp 127.0.0.1:")
    assert poller.counters.connects >= 3
    assert poller.counters.frames_bad == 0
