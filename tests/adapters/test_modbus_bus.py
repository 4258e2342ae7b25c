"""Several controllers on one RS-485 line (a socat pty pair): one client, one transaction at
a time, and a silent unit costs the others a timeout now and then, not their poll rate."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from pathlib import Path

import pytest

from edge_agent.adapters.modbus.adapter import ModbusBus, build_adapters
from edge_agent.adapters.modbus.config import ModbusDeviceConfig
from simulators.coldroom_process import ColdRoomProcess
from simulators.modbus_coldroom import ColdRoomSimulator
from simulators.modbus_server import Exchange, PtyPair, RtuEndpoint
from tests.adapters.conftest import observed, rtu_device, running, tcp_device
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.timeout(30)]

PROFILE = "coldrooms/dixell-xr60cx"
TIMEOUT_S = 0.2
INTERVAL_S = 0.05


def room(path: Path, name: str, unit: int) -> ModbusDeviceConfig:
    return rtu_device(
        path,
        PROFILE,
        id=name,
        device_id=unit,
        timeout_s=TIMEOUT_S,
        poll_interval_ms=int(INTERVAL_S * 1000),
        backoff_initial_s=0.5,
        backoff_max_s=2.0,
    )


async def started(pty_pair: PtyPair, units: Sequence[int]) -> ColdRoomSimulator:
    simulator = ColdRoomSimulator(PROFILE, unit_ids=units)
    await simulator.start(RtuEndpoint(pty_pair.device_end))
    for unit in units:
        await simulator.show(unit, ColdRoomProcess(unit).reading())
    return simulator


def overlapping(traffic: Sequence[Exchange], timeout_s: float) -> list[tuple[Exchange, Exchange]]:
    """Requests that reached the device before the one before them was answered or had
    timed out: proof that two transactions shared the line."""
    bad = []
    requests = [i for i, e in enumerate(traffic) if e.received]
    for i, j in itertools.pairwise(requests):
        answered = any(not e.received and e.unit == traffic[i].unit for e in traffic[i + 1 : j])
        gave_up = traffic[j].at - traffic[i].at >= timeout_s * 0.95
        if not (answered or gave_up):
            bad.append((traffic[i], traffic[j]))
    return bad


async def test_a_silent_unit_does_not_starve_its_neighbour(pty_pair: PtyPair) -> None:
    simulator = await started(pty_pair, [1])
    sink = RecordingSink()
    line = pty_pair.client_end
    bus = ModbusBus([room(line, "room-1", 1), room(line, "gone", 9)], sink)
    healthy = bus.counters()["room-1"]
    window = 1.5
    try:
        async with running(bus):
            await sink.wait_for(lambda s: ("offline", "gone", _reason(s, "gone")) in s.presence)
            before = healthy.frames_ok
            await asyncio.sleep(window)  # a rate is measured over time: nothing to wait for
            polled = healthy.frames_ok - before
    finally:
        await simulator.stop()
    # Nominal is one poll per interval (30); starved, each would wait out the silent unit's
    # timeout first (6). Twice the starved rate leaves room for a loaded CI box.
    starved = window / (TIMEOUT_S + INTERVAL_S)
    assert polled >= 2 * starved, f"{polled} polls in {window} s, starved would be {starved:.0f}"
    assert {o.device for o in sink.observations} == {"room-1"}
    assert [p[:2] for p in sink.presence] == [("online", "room-1"), ("offline", "gone")]
    assert bus.counters()["gone"].extra["timeout"] >= 3
    assert overlapping(simulator.traffic, TIMEOUT_S) == []
    assert sum(e.received for e in simulator.traffic) > 20


def _reason(sink: RecordingSink, device: str) -> str | None:
    return next((r for kind, d, r in sink.presence if kind == "offline" and d == device), None)


async def test_a_unit_that_comes_back_is_found_by_a_probe(pty_pair: PtyPair) -> None:
    simulator = await started(pty_pair, [1])
    sink = RecordingSink()
    line = pty_pair.client_end
    bus = ModbusBus([room(line, "room-1", 1), room(line, "room-2", 2)], sink)
    try:
        async with running(bus):
            await sink.wait_for(lambda s: _reason(s, "room-2") is not None)
            await simulator.stop()
            simulator = await started(pty_pair, [1, 2])
            await observed(sink, lambda o: o.device == "room-2")
    finally:
        await simulator.stop()
    room_2 = [kind for kind, device, _ in sink.presence if device == "room-2"]
    assert room_2 == ["offline", "online"]
    assert _reason(sink, "room-2") == "no answer within 0.2 s reading holding registers 256..258"
    assert bus.counters()["room-2"].online is True
    assert overlapping(simulator.traffic, TIMEOUT_S) == []


def test_build_adapters_makes_one_bus_per_line(tmp_path: Path) -> None:
    a = room(tmp_path / "ttyA", "a", 1)
    b = room(tmp_path / "ttyA", "b", 2)
    c = tcp_device(5020, PROFILE, id="c")
    d = room(tmp_path / "ttyB", "d", 1)
    adapters = build_adapters([a, b, c, d], RecordingSink())
    assert [adapter.name for adapter in adapters] == [
        f"modbus rtu://{tmp_path / 'ttyA'}",
        "modbus tcp://127.0.0.1:5020",
        f"modbus rtu://{tmp_path / 'ttyB'}",
    ]
    assert [sorted(adapter.counters()) for adapter in adapters] == [["a", "b"], ["c"], ["d"]]


def test_build_adapters_refuses_two_settings_on_one_port(tmp_path: Path) -> None:
    a = room(tmp_path / "ttyA", "a", 1)
    b = rtu_device(tmp_path / "ttyA", PROFILE, id="b", device_id=2, baudrate=9600)
    with pytest.raises(ValueError, match=r"devices 'a' and 'b' share rtu://.*ttyA but not"):
        build_adapters([a, b], RecordingSink())
