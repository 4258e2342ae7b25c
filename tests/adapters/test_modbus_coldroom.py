"""Cold-room controllers end to end: the adapter against the cold-room simulator over TCP and
RTU, alarms raised and cleared, and the simulated room's physics."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from edge_agent.adapters.modbus.adapter import build_adapters
from simulators.coldroom_process import ColdRoomProcess, ColdRoomReading, ColdRoomSettings
from simulators.modbus_coldroom import ColdRoomSimulator, serve
from simulators.modbus_server import PtyPair, RtuEndpoint, TcpEndpoint
from tests.adapters.conftest import eventually, observed, rtu_device, running, tcp_device
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.timeout(30)]

CALM = ColdRoomProcess(1).reading()


@pytest.mark.parametrize("profile", ["coldrooms/dixell-xr60cx", "coldrooms/carel-ir33"])
async def test_controller_values_and_alarms_arrive_over_tcp(profile: str) -> None:
    simulator = ColdRoomSimulator(profile, unit_ids=[3])
    port = await simulator.start(TcpEndpoint(port=0))
    assert port
    sink = RecordingSink()
    (adapter,) = build_adapters([tcp_device(port, profile, id="room-3", device_id=3)], sink)
    try:
        await simulator.show(3, replace(CALM, air_temp=2.4, product_temp=3.1, compressor=True))
        async with running(adapter):
            calm = await observed(sink, lambda o: o.values["air_temp"] == Decimal("2.4"))
            hot = replace(CALM, air_temp=9.5, door_open=True, alarm_high_temp=True)
            await simulator.show(3, hot)
            await sink.wait_for(lambda s: len(s.alarms) == 1)
            await simulator.show(3, CALM)
            await sink.wait_for(lambda s: len(s.alarms) == 2)
    finally:
        await simulator.stop()
    assert calm.values["product_temp"] == Decimal("3.1")
    assert calm.values["setpoint"] == Decimal("3.0")
    assert (calm.values["compressor"], calm.values["door_open"]) == (True, False)
    assert calm.units["air_temp"] == "°C"
    raised, cleared = sink.alarms
    assert (raised.device, raised.code, raised.active, raised.severity) == (
        "room-3",
        "alarm_high_temp",
        True,
        800,
    )
    assert raised.message.endswith("alarm high temp raised")
    assert (cleared.code, cleared.active) == ("alarm_high_temp", False)
    assert adapter.counters()["room-3"].frames_bad == 0


async def test_three_controllers_on_one_rtu_line_follow_their_own_rooms(
    pty_pair: PtyPair,
) -> None:
    profile = "coldrooms/dixell-xr60cx"
    simulator = ColdRoomSimulator(profile, unit_ids=[1, 2, 3])
    await simulator.start(RtuEndpoint(pty_pair.device_end))
    for unit in (1, 2, 3):
        await simulator.show(unit, replace(CALM, air_temp=float(unit)))
    sink = RecordingSink()
    rooms = [
        rtu_device(pty_pair.client_end, profile, id=f"room-{u}", device_id=u) for u in (1, 2, 3)
    ]
    (adapter,) = build_adapters(rooms, sink)
    try:
        async with running(adapter):
            await sink.wait_for(lambda s: len({o.device for o in s.observations}) == 3)
    finally:
        await simulator.stop()
    for unit in (1, 2, 3):
        seen = [o for o in sink.observations if o.device == f"room-{unit}"]
        assert seen[0].values["air_temp"] == Decimal(unit)


async def test_one_offline_and_one_online_when_the_controller_stops_and_starts() -> None:
    profile = "coldrooms/carel-ir33"
    simulator = ColdRoomSimulator(profile)
    port = await simulator.start(TcpEndpoint(port=0))
    assert port
    await simulator.show(1, CALM)
    sink = RecordingSink()
    (adapter,) = build_adapters([tcp_device(port, profile, id="room-1")], sink)
    async with running(adapter):
        await observed(sink, lambda o: True)
        await simulator.stop()
        await sink.wait_for(lambda s: len(s.presence) == 2)
        counters = adapter.counters()["room-1"]
        await eventually(lambda: counters.reconnects >= 4)  # several probes, all refused
        simulator = ColdRoomSimulator(profile)
        await simulator.start(TcpEndpoint(port=port))
        await simulator.show(1, replace(CALM, air_temp=-1.5))
        await observed(sink, lambda o: o.values["air_temp"] == Decimal("-1.5"))
        await simulator.stop()
    assert [kind for kind, _, _ in sink.presence] == ["online", "offline", "online"]
    assert counters.online is True


async def test_serve_runs_rooms_on_a_new_serial_pair(tmp_path: Path) -> None:
    stop = asyncio.Event()
    agent_end = tmp_path / "coldrooms"
    server = asyncio.create_task(
        serve("coldrooms/dixell-xr60cx", rtu=agent_end, unit_ids=[4, 5], speed=600, stop=stop)
    )
    sink = RecordingSink()
    try:
        await eventually(agent_end.exists)
        rooms = [
            rtu_device(agent_end, "coldrooms/dixell-xr60cx", id=f"room-{u}", device_id=u)
            for u in (4, 5)
        ]
        (adapter,) = build_adapters(rooms, sink)
        async with running(adapter):
            await sink.wait_for(lambda s: len({o.device for o in s.observations}) == 2)
    finally:
        stop.set()
        await asyncio.wait_for(server, 5)
    assert all(-30 < o.values["air_temp"] < 30 for o in sink.observations)  # type: ignore[operator]


def day(seed: int, settings: ColdRoomSettings | None = None) -> list[ColdRoomReading]:
    room = ColdRoomProcess(seed, settings)
    return [room.advance(30.0) for _ in range(24 * 120)]


def test_the_room_replays_exactly_by_seed() -> None:
    assert day(5)[-10:] == day(5)[-10:]
    assert day(5)[-10:] != day(6)[-10:]


def test_the_compressor_keeps_the_air_in_its_hysteresis_band() -> None:
    settings = ColdRoomSettings(mean_door_interval_s=1e9)  # doors shut, defrosts only
    readings = day(1, settings)[120:]  # after the first hour
    regulating = [r for r in readings if not r.defrost]
    assert min(r.air_temp for r in regulating) >= settings.setpoint_c - 1.5
    assert max(r.air_temp for r in regulating) <= settings.setpoint_c + settings.differential_c + 1
    starts = sum(1 for a, b in itertools.pairwise(readings) if b.compressor > a.compressor)
    assert starts >= 10, "on/off cycling, not a compressor that runs all day"


def test_a_defrost_warms_the_evaporator_and_stops_the_compressor() -> None:
    readings = day(1)
    defrosting = [r for r in readings if r.defrost]
    assert defrosting, "a defrost every 6 h"
    assert not any(r.compressor for r in defrosting)
    assert max(r.evaporator_temp for r in defrosting) >= 6.0


def test_an_open_door_spikes_the_air_temperature() -> None:
    settings = ColdRoomSettings(mean_door_interval_s=600, door_open_s=(60.0, 90.0))
    readings = day(2, settings)
    rises = [
        b.air_temp - a.air_temp
        for a, b in itertools.pairwise(readings)
        if b.door_open and not a.door_open
    ]
    assert rises, "doors opened"
    assert max(rises) >= 1.0


def test_a_failed_compressor_lets_the_room_warm_until_the_high_alarm() -> None:
    readings = day(3, ColdRoomSettings(compressor_failure_at_s=3600))
    assert readings[-1].air_temp > 15
    assert readings[-1].alarm_high_temp
    assert all(r.compressor for r in readings[-100:-1]), "the relay still closes; nothing cools"
