"""Cold-room controllers that speak the real protocol, over TCP or RTU.

One server answers for several unit ids, each a controller with its own room (an RS-485 bus
with a controller per room, as in a kitchen's cold store). Each room follows a seeded
``ColdRoomProcess``, played ``speed`` times faster than real time; a test in the same event
loop may instead set readings itself with ``show``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from simulators.coldroom_process import ColdRoomProcess, ColdRoomReading, ColdRoomSettings
from simulators.modbus_server import (
    Exchange,
    ModbusDeviceServer,
    RtuEndpoint,
    TcpEndpoint,
    endpoint_for,
    load_register_map,
)

log = logging.getLogger(__name__)


class ColdRoomSimulator:
    """Controllers of one profile at ``unit_ids`` on one transport."""

    def __init__(self, profile: str | Path, *, unit_ids: Sequence[int] = (1,)) -> None:
        register_map = load_register_map(profile)
        self.profile = profile
        self.unit_ids = tuple(unit_ids)
        self._server = ModbusDeviceServer(dict.fromkeys(self.unit_ids, register_map))

    @property
    def traffic(self) -> Sequence[Exchange]:
        """Requests taken in and answers sent, oldest first."""
        return tuple(self._server.traffic)

    async def start(self, endpoint: TcpEndpoint | RtuEndpoint) -> int | None:
        """Listen; returns the TCP port bound (None on RTU)."""
        bound = await self._server.start(endpoint)
        where = (
            f"tcp {endpoint.host}:{bound}"
            if isinstance(endpoint, TcpEndpoint)
            else f"rtu {endpoint.path}"
        )
        log.info("cold rooms %s on %s, units %s", self.profile, where, list(self.unit_ids))
        return bound

    async def show(self, unit: int, reading: ColdRoomReading) -> None:
        await self._server.show(unit, reading.values())

    async def stop(self) -> None:
        await self._server.stop()


async def run_coldroom_simulator(
    simulator: ColdRoomSimulator,
    seed: int,
    *,
    speed: float = 1.0,
    tick_s: float = 0.1,
    settings: ColdRoomSettings | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Drive a started simulator's rooms in (scaled) real time until ``stop`` or cancelled.

    Room ``i`` is seeded ``seed + unit id``, so rooms on one bus differ but replay exactly.
    """
    rooms = {unit: ColdRoomProcess(seed + unit, settings) for unit in simulator.unit_ids}
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    last = loop.time()
    while not stop.is_set():
        now = loop.time()
        for unit, room in rooms.items():
            await simulator.show(unit, room.advance((now - last) * speed))
        last = now
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), tick_s)


async def serve(
    profile: str = "coldrooms/dixell-xr60cx",
    *,
    port: int = 5021,
    host: str = "127.0.0.1",
    rtu: Path | None = None,
    seed: int = 0,
    unit_ids: Sequence[int] = (1,),
    speed: float = 1.0,
    compressor_failure_at_s: float | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Entry point for ``edgestock sim coldroom``: serve until ``stop`` is set or cancelled.

    ``rtu`` as for the scale: an existing serial device is answered on, a new path gets a
    socat pty pair (the agent opens ``rtu``). ``speed`` plays the rooms faster than real
    time; ``compressor_failure_at_s`` (simulated seconds) breaks every room's compressor.
    """
    settings = replace(ColdRoomSettings(), compressor_failure_at_s=compressor_failure_at_s)
    with endpoint_for(rtu, host=host, port=port) as endpoint:
        simulator = ColdRoomSimulator(profile, unit_ids=unit_ids)
        await simulator.start(endpoint)
        try:
            await run_coldroom_simulator(simulator, seed, speed=speed, settings=settings, stop=stop)
        finally:
            await simulator.stop()
