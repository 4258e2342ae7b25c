"""A Modbus weighing scale that speaks the real protocol, over TCP or RTU.

It serves one profile's register map from a pymodbus 3.16 server (``SimDevice``/``SimData``)
and changes values only through the server's own ``async_setValues``. It is driven either by
a ``WeightProcess`` in real time (``run_scale_simulator``, ``serve``) or, from a test in the
same event loop, by ``set_weight``.

Simulators may not import ``edge_agent``, so the few profile fields needed to *encode*
registers are read here directly; the agent's ``DeviceProfile`` is what validates a profile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pymodbus.client.mixin import ModbusClientMixin
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from simulators.weight_process import ScaleReading, StationSettings, WeightProcess

log = logging.getLogger(__name__)

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[1] / "firmware_configs"
_TYPES = {t.name.lower(): t for t in ModbusClientMixin.DATATYPE}
_INT_RANGE = {"int16": (-(2**15), 2**15 - 1), "uint16": (0, 2**16 - 1)}
_INT_RANGE |= {"int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1)}
_GRAMS_PER = {"g": Decimal(1), "kg": Decimal(1000)}
_HEALTHY_FLAGS = {"data_ok": True, "ready": True}


@dataclass(frozen=True, slots=True)
class _Metric:
    address: int
    type: str
    word_order: Literal["big", "little"]
    scale: Decimal
    grams_per_unit: Decimal
    measures: str


@dataclass(frozen=True, slots=True)
class _Flag:
    address: int
    bit: int
    active_low: bool


@dataclass(frozen=True, slots=True)
class ScaleMap:
    """Where a profile puts each value, as far as encoding needs to know."""

    metrics: dict[str, _Metric]
    flags: dict[str, _Flag]
    start: int
    count: int


def load_scale_map(name_or_path: str | Path, profiles_dir: Path | None = None) -> ScaleMap:
    """Read ``scales/<model>`` (or a YAML path) into a ``ScaleMap``."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") and not path.is_absolute():
        path = (profiles_dir or FIRMWARE_CONFIGS) / f"{name_or_path}.yaml"
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    metrics = {
        name: _Metric(
            address=int(m["address"]),
            type=str(m["type"]),
            word_order=m.get("word_order", "big"),
            scale=Decimal(str(m.get("scale", 1))),
            grams_per_unit=_GRAMS_PER[str(m["unit"])],
            measures=str(m.get("measures", "displayed")),
        )
        for name, m in raw["metrics"].items()
    }
    flags = {
        name: _Flag(int(f["register"]), int(f["bit"]), bool(f.get("active_low", False)))
        for name, f in raw.get("status", {}).items()
    }
    used = [m.address + _TYPES[m.type].value[1] - 1 for m in metrics.values()]
    used += [m.address for m in metrics.values()] + [f.address for f in flags.values()]
    return ScaleMap(metrics, flags, min(used), max(used) - min(used) + 1)


def encode_reading(scale_map: ScaleMap, reading: ScaleReading) -> list[int]:
    """The register words a device with this map shows for ``reading``, from ``start``."""
    words = [0] * scale_map.count
    for metric in scale_map.metrics.values():
        grams = {"gross": reading.gross_g, "net": reading.net_g}.get(
            metric.measures, reading.net_g if reading.net else reading.gross_g
        )
        regs = _encode_metric(metric, grams)
        offset = metric.address - scale_map.start
        words[offset : offset + len(regs)] = regs
    states = {"stable": reading.stable, "overload": reading.overload, "net": reading.net}
    for name, flag in scale_map.flags.items():
        state = states.get(name, _HEALTHY_FLAGS.get(name, False))
        if state != flag.active_low:
            words[flag.address - scale_map.start] |= 1 << flag.bit
    return words


def _encode_metric(metric: _Metric, grams: float) -> list[int]:
    value = Decimal(str(grams)) / metric.grams_per_unit / metric.scale
    data_type = _TYPES[metric.type]
    if metric.type == "float32":
        number: int | float = float(value)
    else:
        low, high = _INT_RANGE[metric.type]
        number = max(low, min(high, round(value)))
    return ModbusClientMixin.convert_to_registers(number, data_type, word_order=metric.word_order)


class ScaleSimulator:
    """One simulated scale on one transport; values change only through ``show``."""

    def __init__(self, profile: str | Path, *, device_id: int = 1) -> None:
        self.map = load_scale_map(profile)
        self.device_id = device_id
        self._server: ModbusTcpServer | ModbusSerialServer | None = None

    def _device(self) -> SimDevice:
        block = SimData(
            address=self.map.start, count=self.map.count, values=0, datatype=DataType.REGISTERS
        )
        return SimDevice(id=self.device_id, simdata=[block])

    async def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host:port`` (0 picks a free port); returns the port bound."""
        server = ModbusTcpServer(self._device(), address=(host, port))
        await self._start(server)
        sockets = getattr(server.transport, "sockets", None) or []
        return int(sockets[0].getsockname()[1]) if sockets else port

    async def start_rtu(self, serial_path: str | Path, *, baudrate: int = 19200) -> None:
        """Answer as an RTU slave on ``serial_path`` (a real port or one end of a pty pair)."""
        server = ModbusSerialServer(self._device(), port=str(serial_path), baudrate=baudrate)
        await self._start(server)

    async def _start(self, server: ModbusTcpServer | ModbusSerialServer) -> None:
        await server.serve_forever(background=True)
        self._server = server
        await self.show(ScaleReading(gross_g=0.0, tare_g=0.0, stable=True, overload=False))

    async def show(self, reading: ScaleReading) -> None:
        """Put ``reading`` in the registers, all words at once."""
        if self._server is None:
            raise RuntimeError("start the simulator before showing a reading")
        words = encode_reading(self.map, reading)
        await self._server.async_setValues(self.device_id, 3, self.map.start, words)

    async def set_weight(
        self, grams: float, *, stable: bool = True, overload: bool = False, tare_g: float = 0.0
    ) -> None:
        """Scripted use: show a gross weight in grams with the given flags."""
        await self.show(ScaleReading(grams, tare_g, stable=stable, overload=overload))

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()  # type: ignore[no-untyped-call]
            self._server = None


class PtyPair:
    """Two linked pseudo-terminals from ``socat``: a serial cable on one machine."""

    def __init__(self, device_end: Path, client_end: Path) -> None:
        self.device_end = device_end
        self.client_end = client_end
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 5.0) -> PtyPair:
        args = [f"pty,raw,echo=0,link={self.device_end}", f"pty,raw,echo=0,link={self.client_end}"]
        self._process = subprocess.Popen(
            ["socat", "-d", "-d", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout_s
        while not (self.device_end.exists() and self.client_end.exists()):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"socat did not create {self.device_end} and {self.client_end}")
            time.sleep(0.01)
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def stop(self) -> None:
        """Stop this socat by its PID, and nothing else."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=3)
        self._process = None

    def __enter__(self) -> PtyPair:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@dataclass(frozen=True, slots=True)
class TcpEndpoint:
    host: str = "127.0.0.1"
    port: int = 5020


@dataclass(frozen=True, slots=True)
class RtuEndpoint:
    path: Path
    baudrate: int = 19200


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
    if rtu is None:
        await run_scale_simulator(
            profile, TcpEndpoint(host, port), seed, device_id=device_id, stop=stop
        )
        return
    if rtu.exists():
        await run_scale_simulator(profile, RtuEndpoint(rtu), seed, device_id=device_id, stop=stop)
        return
    with PtyPair(rtu.with_name(rtu.name + ".device"), rtu) as pair:
        log.info("serial pair ready: point the agent at %s", pair.client_end)
        endpoint = RtuEndpoint(pair.device_end)
        await run_scale_simulator(profile, endpoint, seed, device_id=device_id, stop=stop)
