"""What every Modbus device simulator shares: a profile's register map read from YAML, values
encoded into register words and coils, and a pymodbus 3.16 server answering for one or more
unit ids, over TCP or RTU (several unit ids on one serial line are one RS-485 bus).

Values change only through the server's own ``async_setValues``. A unit id the server does
not know gets no answer at all, as on a real bus. Simulators may not import ``edge_agent``,
so the few profile fields needed to *encode* are read here; the agent's ``DeviceProfile`` is
what validates a profile.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pymodbus.client.mixin import ModbusClientMixin
from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus.pdu import ModbusPDU
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice
from pymodbus.simulator.simdevice import SimAction

log = logging.getLogger(__name__)

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[1] / "firmware_configs"
_TYPES = {t.name.lower(): t for t in ModbusClientMixin.DATATYPE}
_INT_RANGE = {"int16": (-(2**15), 2**15 - 1), "uint16": (0, 2**16 - 1)}
_INT_RANGE |= {"int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1)}
_WRITE_REGISTERS, _WRITE_COILS = 3, 1  # function codes naming the blocks to set
_COILS_PER_WORD = 16


@dataclass(frozen=True, slots=True)
class Metric:
    address: int
    type: str
    word_order: Literal["big", "little"]
    scale: Decimal
    unit: str
    measures: str

    @property
    def width(self) -> int:
        return int(_TYPES[self.type].value[1])


@dataclass(frozen=True, slots=True)
class Flag:
    """A status flag: a register bit (``address``, ``bit``) or a coil (``coil``)."""

    address: int | None
    bit: int | None
    coil: int | None
    active_low: bool


@dataclass(frozen=True, slots=True)
class RegisterMap:
    """Where a profile puts each value, as far as encoding needs to know."""

    table: str
    metrics: dict[str, Metric]
    flags: dict[str, Flag]
    start: int
    count: int
    coil_count: int


def resolve(name_or_path: str | Path, profiles_dir: Path | None = None) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.is_absolute():
        return path
    return (profiles_dir or FIRMWARE_CONFIGS) / f"{name_or_path}.yaml"


def load_register_map(name_or_path: str | Path, profiles_dir: Path | None = None) -> RegisterMap:
    """Read ``scales/<model>``, ``coldrooms/<model>`` (or a YAML path) into a ``RegisterMap``."""
    raw: dict[str, Any] = yaml.safe_load(resolve(name_or_path, profiles_dir).read_text("utf-8"))
    metrics = {
        name: Metric(
            address=int(m["address"]),
            type=str(m["type"]),
            word_order=m.get("word_order", "big"),
            scale=Decimal(str(m.get("scale", 1))),
            unit=str(m["unit"]),
            measures=str(m.get("measures", "displayed")),
        )
        for name, m in raw["metrics"].items()
    }
    flags = {
        name: Flag(f.get("register"), f.get("bit"), f.get("coil"), bool(f.get("active_low")))
        for name, f in raw.get("status", {}).items()
    }
    used = [m.address + m.width - 1 for m in metrics.values()] + [
        m.address for m in metrics.values()
    ]
    used += [f.address for f in flags.values() if f.address is not None]
    coils = [f.coil for f in flags.values() if f.coil is not None]
    return RegisterMap(
        table=str(raw.get("table", "holding")),
        metrics=metrics,
        flags=flags,
        start=min(used),
        count=max(used) - min(used) + 1,
        coil_count=max(coils) + 1 if coils else 0,
    )


def encode(
    register_map: RegisterMap, values: Mapping[str, float | Decimal | bool]
) -> tuple[list[int], list[bool]]:
    """Register words (from ``start``) and coils (from 0) showing ``values``.

    Numbers are in the profile's unit; a name the map does not have is ignored, one ``values``
    lacks reads 0 (or False).
    """
    words = [0] * register_map.count
    coils = [False] * register_map.coil_count
    for name, metric in register_map.metrics.items():
        number = values.get(name, 0)
        regs = encode_number(metric, Decimal(str(float(number))))
        offset = metric.address - register_map.start
        words[offset : offset + len(regs)] = regs
    for name, flag in register_map.flags.items():
        state = bool(values.get(name, False)) != flag.active_low
        if flag.coil is not None:
            coils[flag.coil] = state
        elif state and flag.address is not None and flag.bit is not None:
            words[flag.address - register_map.start] |= 1 << flag.bit
    return words, coils


def encode_number(metric: Metric, value: Decimal) -> list[int]:
    """``value`` (in the metric's unit) as the metric's registers, clamped to its type."""
    raw = value / metric.scale
    if metric.type == "float32":
        number: int | float = float(raw)
    else:
        low, high = _INT_RANGE[metric.type]
        number = max(low, min(high, round(raw)))
    return ModbusClientMixin.convert_to_registers(
        number, _TYPES[metric.type], word_order=metric.word_order
    )


@dataclass(frozen=True, slots=True)
class TcpEndpoint:
    host: str = "127.0.0.1"
    port: int = 5020


@dataclass(frozen=True, slots=True)
class RtuEndpoint:
    path: Path
    baudrate: int = 19200


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request the server took in (``received``) or answer it sent, with unit and time."""

    at: float
    received: bool
    unit: int


class ModbusDeviceServer:
    """One pymodbus server answering for ``units`` (unit id → register map).

    ``traffic`` keeps the last packets seen, so a test can check that a client never sent a
    request on a serial line before the previous one was answered or given up.
    """

    def __init__(self, units: Mapping[int, RegisterMap]) -> None:
        self.units = dict(units)
        self.traffic: deque[Exchange] = deque(maxlen=10_000)
        self._server: ModbusTcpServer | ModbusSerialServer | None = None

    def _devices(self) -> list[SimDevice]:
        devices = [self._device(unit, register_map) for unit, register_map in self.units.items()]
        # pymodbus 3.16's SimCore answers an unknown unit id with DEVICE_FAILURE instead of
        # raising NoSuchIdException, so ``ignore_missing_devices`` has no effect. A catch-all
        # device (id 0) that raises it on every access makes the server stay silent, as a
        # bus with no such unit does.
        first = next(iter(self.units.values()))
        return [*devices, self._device(0, first, action=_absent)]

    def _device(
        self, unit: int, register_map: RegisterMap, action: SimAction | None = None
    ) -> SimDevice:
        registers = SimData(
            address=register_map.start,
            count=register_map.count,
            values=0,
            datatype=DataType.REGISTERS,
        )
        # Separate blocks keep coil numbers apart from register addresses, as on the
        # device; pymodbus wants all four, so the unused ones get one word each.
        words_of_coils = max(1, -(-register_map.coil_count // _COILS_PER_WORD))
        coils = SimData(address=0, count=words_of_coils, values=0, datatype=DataType.BITS)
        spare_bits = SimData(address=0, count=1, values=0, datatype=DataType.BITS)
        spare_words = SimData(address=0, count=1, values=0, datatype=DataType.REGISTERS)
        input_table = register_map.table == "input"
        blocks = (
            [coils],
            [spare_bits],
            [spare_words if input_table else registers],
            [registers if input_table else spare_words],
        )
        return SimDevice(id=unit, simdata=blocks, action=action)

    def _trace(self, sending: bool, pdu: ModbusPDU) -> ModbusPDU:
        self.traffic.append(Exchange(time.monotonic(), not sending, pdu.dev_id))
        return pdu

    async def start(self, endpoint: TcpEndpoint | RtuEndpoint) -> int | None:
        """Listen; returns the TCP port bound (0 in ``endpoint`` picks a free one)."""
        devices = self._devices()
        if isinstance(endpoint, TcpEndpoint):
            server: ModbusTcpServer | ModbusSerialServer = ModbusTcpServer(
                devices,
                address=(endpoint.host, endpoint.port),
                ignore_missing_devices=True,
                trace_pdu=self._trace,
            )
        else:
            server = ModbusSerialServer(
                devices,
                port=str(endpoint.path),
                baudrate=endpoint.baudrate,
                ignore_missing_devices=True,
                trace_pdu=self._trace,
            )
        await server.serve_forever(background=True)
        self._server = server
        if isinstance(endpoint, RtuEndpoint):
            return None
        sockets = getattr(server.transport, "sockets", None) or []
        return int(sockets[0].getsockname()[1]) if sockets else endpoint.port

    async def show(self, unit: int, values: Mapping[str, float | Decimal | bool]) -> None:
        """Put ``values`` in unit ``unit``'s registers and coils, each table in one write."""
        if self._server is None:
            raise RuntimeError("start the server before showing values")
        register_map = self.units[unit]
        words, coils = encode(register_map, values)
        table = 4 if register_map.table == "input" else _WRITE_REGISTERS
        await self._server.async_setValues(unit, table, register_map.start, words)
        if coils:
            await self._server.async_setValues(unit, _WRITE_COILS, 0, coils)

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()  # type: ignore[no-untyped-call]
            self._server = None


@contextlib.contextmanager
def endpoint_for(
    rtu: Path | None, *, host: str = "127.0.0.1", port: int = 5020
) -> Iterator[TcpEndpoint | RtuEndpoint]:
    """Where a simulator's ``serve`` listens: TCP without ``rtu``; ``rtu`` itself when it is
    an existing serial device; else a new socat pty pair, the agent opening ``rtu`` and the
    device answering on ``<rtu>.device`` (the pair is removed on exit)."""
    if rtu is None:
        yield TcpEndpoint(host, port)
    elif rtu.exists():
        yield RtuEndpoint(rtu)
    else:
        with PtyPair(rtu.with_name(rtu.name + ".device"), rtu) as pair:
            log.info("serial pair ready: point the agent at %s", pair.client_end)
            yield RtuEndpoint(pair.device_end)


async def _absent(*_request: object) -> ExcCodes | None:
    raise NoSuchIdException("no such unit on this bus")


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
