"""A Modbus weighing scale that speaks the real protocol, over TCP or RTU.

It serves one profile's register map from a ``ModbusDeviceServer`` and is driven either by a
``WeightProcess`` in real time (``run_scale_simulator``, ``serve``) or, from a test in the
same event loop, by ``set_weight``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

from simulators.modbus_server import (
    ModbusDeviceServer,
    RegisterMap,
    RtuEndpoint,
    TcpEndpoint,
    encode,
    endpoint_for,
    load_register_map,
)
from simulators.weight_process import ScaleReading, StationSettings, WeightProcess

log = logging.getLogger(__name__)

_GRAMS_PER = {"g": Decimal(1), "kg": Decimal(1000)}
_HEALTHY_FLAGS = {"data_ok": True, "ready": True}


def reading_values(scale_map: RegisterMap, reading: ScaleReading) -> dict[str, Decimal | bool]:
    """What each of the map's metrics and flags shows for ``reading``, in the map's units."""
    grams = {"gross": reading.gross_g, "net": reading.net_g, "tare": reading.tare_g}
    shown = reading.net_g if reading.net else reading.gross_g
    values: dict[str, Decimal | bool] = {
        name: Decimal(str(grams.get(metric.measures, shown))) / _GRAMS_PER[metric.unit]
        for name, metric in scale_map.metrics.items()
    }
    states = {"stable": reading.stable, "overload": reading.overload, "net": reading.net}
    for name in scale_map.flags:
        values[name] = states.get(name, _HEALTHY_FLAGS.get(name, False))
    return values


def encode_reading(scale_map: RegisterMap, reading: ScaleReading) -> list[int]:
    """The register words a device with this map shows for ``reading``, from ``start``."""
    words, _ = encode(scale_map, reading_values(scale_map, reading))
    return words


class ScaleSimulator:
    """One simulated scale on one transport; values change only through ``show``."""

    def __init__(self, profile: str | Path, *, device_id: int = 1) -> None:
        self.map = load_register_map(profile)
        self.device_id = device_id
        self._server = ModbusDeviceServer({device_id: self.map})

    async def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host:port`` (0 picks a free port); returns the port bound."""
        bound = await self._server.start(TcpEndpoint(host, port))
        await self._zero()
        return bound or port

    async def start_rtu(self, serial_path: str | Path, *, baudrate: int = 19200) -> None:
        """Answer as an RTU slave on ``serial_path`` (a real port or one end of a pty pair)."""
        await self._server.start(RtuEndpoint(Path(serial_path), baudrate))
        await self._zero()

    async def _zero(self) -> None:
        await self.show(ScaleReading(gross_g=0.0, tare_g=0.0, stable=True, overload=False))

    async def show(self, reading: ScaleReading) -> None:
        """Put ``reading`` in the registers, all words at once."""
        await self._server.show(self.device_id, reading_values(self.map, reading))

    async def set_weight(
        self, grams: float, *, stable: bool = True, overload: bool = False, tare_g: float = 0.0
    ) -> None:
        """Scripted use: show a gross weight in grams with the given flags."""
        await self.show(ScaleReading(grams, tare_g, stable=stable, overload=overload))

    async def stop(self) -> None:
        await self._server.stop()


async def run_scale_simulator(
    profile: str | Path,
    transport: TcpEndpoint | RtuEndpoint,
    seed: int,
    *,
    device_id: int = 1,
    tick_s: float = 0.05,
    settings: StationSettings | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve a scale whose load follows a seeded ``WeightProcess`` in real time."""
    async with _started(profile, transport, device_id) as simulator:
        process = WeightProcess(seed, settings)
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not stop.is_set():
            now = loop.time()
            await simulator.show(process.advance(now - last))
            last = now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick_s)


@contextlib.asynccontextmanager
async def _started(
    profile: str | Path, transport: TcpEndpoint | RtuEndpoint, device_id: int
) -> AsyncIterator[ScaleSimulator]:
    simulator = ScaleSimulator(profile, device_id=device_id)
    if isinstance(transport, TcpEndpoint):
        port = await simulator.start_tcp(transport.host, transport.port)
        log.info("scale %s on tcp %s:%d, unit %d", profile, transport.host, port, device_id)
    else:
        await simulator.start_rtu(transport.path, baudrate=transport.baudrate)
        log.info("scale %s on rtu %s, unit %d", profile, transport.path, device_id)
    try:
        yield simulator
    finally:
        await simulator.stop()


async def serve(
    profile: str = "scales/laumas-tlu",
    *,
    port: int = 5020,
    host: str = "127.0.0.1",
    rtu: Path | None = None,
    seed: int = 0,
    device_id: int = 1,
    stop: asyncio.Event | None = None,
) -> None:
    """Entry point for ``edgestock sim scale``: serve until ``stop`` is set or cancelled.

    With ``rtu`` naming an existing serial device, the scale answers there. With ``rtu``
    naming a path that does not exist, a socat pty pair is made: the agent opens ``rtu``,
    the scale answers on ``<rtu>.device``.
    """
    with endpoint_for(rtu, host=host, port=port) as endpoint:
        await run_scale_simulator(profile, endpoint, seed, device_id=device_id, stop=stop)
