"""The poller against the pymodbus scale simulator over TCP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from domain.observation import Observation
from edge_agent.adapters.base import DeviceAdapter
from edge_agent.adapters.modbus.poller import ModbusPoller
from simulators.modbus_scale import ScaleSimulator
from tests.adapters.conftest import eventually, free_port, observed, running, tcp_device
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.timeout(30)]


def test_the_poller_is_a_device_adapter() -> None:
    poller = ModbusPoller(tcp_device(1), RecordingSink())
    assert isinstance(poller, DeviceAdapter)
    assert poller.name == "modbus scale-1"
    assert set(poller.counters()) == {"scale-1"}


async def test_weights_set_on_the_simulator_arrive_as_observations(
    scale: tuple[ScaleSimulator, int],
) -> None:
    simulator, port = scale
    sink = RecordingSink()
    poller = ModbusPoller(tcp_device(port), sink)
    async with running(poller):
        await simulator.set_weight(1234.5, stable=False)
        unstable = await observed(sink, lambda o: o.values["weight"] == Decimal("1234.5"))
        assert unstable.values["stable"] is False
        await simulator.set_weight(1500.0, tare_g=250.0)
        tared = await observed(sink, lambda o: o.values["stable"] is True and o.values["net"])
    assert tared.values == {
        "weight": Decimal("1250.0"),
        "gross_weight": Decimal("1500.0"),
        "tare": Decimal("250.0"),
        "stable": True,
        "overload": False,
        "net": True,
    }
    assert tared.units["weight"] == "g"
    assert tared.device == "scale-1"
    assert tared.at.tzinfo is not None
    counters = poller.counters()["scale-1"]
    assert counters.frames_bad == 0
    assert counters.frames_ok == len(sink.observations)
    assert counters.online is True
    assert counters.last_seen == sink.observations[-1].at
    assert sink.quarantined == []


class SlowSink(RecordingSink):
    """A pipeline that takes 0.1 s per observation."""

    in_flight: int = 0
    most: int = 0

    async def observe(self, obs: Observation) -> None:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        await asyncio.sleep(0.1)
        self.in_flight -= 1
        await super().observe(obs)


async def test_slow_sink_slows_the_poll_loop(scale: tuple[ScaleSimulator, int]) -> None:
    """An awaited sink is the backpressure: no observation queues up behind it."""
    _, port = scale
    sink = SlowSink()
    poller = ModbusPoller(tcp_device(port, poll_interval_ms=10), sink)
    async with running(poller):
        await sink.wait_for(lambda s: len(s.observations) >= 4)
        ok_then = poller.counters()["scale-1"].frames_ok
    assert sink.most == 1
    assert ok_then <= 5  # ~0.1 s each, not 10 ms


async def test_offline_once_when_the_scale_goes_away_and_online_once_when_it_returns() -> None:
    port = free_port()
    simulator = ScaleSimulator("scales/laumas-tlu")
    await simulator.start_tcp("127.0.0.1", port)
    sink = RecordingSink()
    poller = ModbusPoller(tcp_device(port), sink)
    async with running(poller):
        await observed(sink, lambda o: True)
        assert sink.presence == [("online", "scale-1", None)]
        await simulator.stop()
        await sink.wait_for(lambda s: len(s.presence) == 2)
        # Several failed probes later: still one offline event.
        counters = poller.counters()["scale-1"]
        await eventually(lambda: counters.extra.get("connection", 0) >= 3)
        assert counters.online is False

        simulator = ScaleSimulator("scales/laumas-tlu")
        await simulator.start_tcp("127.0.0.1", port)
        await simulator.set_weight(42.0)
        await observed(sink, lambda o: o.values["weight"] == Decimal("42.0"))
        await simulator.stop()
    kinds = [(kind, device) for kind, device, _ in sink.presence]
    assert kinds == [("online", "scale-1"), ("offline", "scale-1"), ("online", "scale-1")]
    assert counters.extra["breaker_trips"] == 1


async def test_unreachable_device_reports_offline_once_and_keeps_trying() -> None:
    sink = RecordingSink()
    poller = ModbusPoller(tcp_device(free_port()), sink)
    counters = poller.counters()["scale-1"]
    async with running(poller):
        await eventually(lambda: counters.reconnects >= 3)
    assert len(sink.presence) == 1
    kind, device, reason = sink.presence[0]
    assert (kind, device) == ("offline", "scale-1")
    assert (reason or "").startswith("cannot connect (tcp 127.0.0.1:")
    assert counters.frames_bad == 0
    assert sink.quarantined == []
