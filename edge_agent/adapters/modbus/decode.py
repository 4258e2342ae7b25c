"""Register words → ``Observation``, driven by a profile. Pure: no I/O, no logging, no clock.

Words go through pymodbus' own ``convert_from_registers`` so that word order and signedness
mean exactly what they mean to the library that fetched them.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pymodbus.client.mixin import ModbusClientMixin
from pymodbus.exceptions import ModbusException

from domain.observation import Observation, Value
from edge_agent.adapters.modbus.errors import DecodeError
from edge_agent.adapters.modbus.profile import DataType, DeviceProfile, MetricSpec, StatusBit

_PYMODBUS_TYPE = {
    DataType.INT16: ModbusClientMixin.DATATYPE.INT16,
    DataType.UINT16: ModbusClientMixin.DATATYPE.UINT16,
    DataType.INT32: ModbusClientMixin.DATATYPE.INT32,
    DataType.UINT32: ModbusClientMixin.DATATYPE.UINT32,
    DataType.FLOAT32: ModbusClientMixin.DATATYPE.FLOAT32,
}

FLOAT32_DIGITS = 7
"""Significant digits a float32 carries; more would be noise from widening to float64."""


@dataclass(frozen=True, slots=True)
class RegisterBlock:
    """Consecutive register words as read from a device, the first at ``start``."""

    start: int
    words: Sequence[int]


@dataclass(frozen=True, slots=True)
class CoilBlock:
    """Consecutive coils (or discrete inputs) as read from a device, the first at ``start``."""

    start: int
    bits: Sequence[bool]


class _Registers:
    """The words of every block read, by address: a value may span two blocks."""

    def __init__(self, device: str, blocks: Sequence[RegisterBlock]) -> None:
        self.device = device
        self.words = {b.start + i: w for b in blocks for i, w in enumerate(b.words)}
        self.read = ", ".join(f"{len(b.words)} words from {b.start}" for b in blocks)

    def take(self, address: int, count: int) -> list[int]:
        """The ``count`` words from ``address``; each must be a 16-bit unsigned value."""
        words = []
        for at in range(address, address + count):
            if at not in self.words:
                raise DecodeError(self.device, address, f"not in the block read ({self.read})")
            word = self.words[at]
            if type(word) is not int or not 0 <= word <= 0xFFFF:
                raise DecodeError(self.device, at, f"{word!r} is not a 16-bit word")
            words.append(word)
        return words


def decode_observation(
    profile: DeviceProfile,
    registers: RegisterBlock | Sequence[RegisterBlock],
    *,
    coils: Sequence[CoilBlock] = (),
    device: str,
    at: datetime,
) -> Observation:
    """Every metric and status flag of ``profile``, read from the blocks, as one observation."""
    image = _Registers(device, [registers] if isinstance(registers, RegisterBlock) else registers)
    bits = {b.start + i: bit for b in coils for i, bit in enumerate(b.bits)}
    values: dict[str, Value] = {}
    units: dict[str, str] = {}
    for name, metric in profile.metrics.items():
        values[name] = decode_metric(metric, image, name=name)
        units[name] = metric.unit
    for name, flag in profile.status.items():
        values[name] = decode_status(flag, image, bits)
    return Observation(device=device, at=at, values=values, units=units)


def decode_metric(metric: MetricSpec, image: _Registers, *, name: str) -> Decimal:
    """One scaled value in the profile's unit, exact for integer types."""
    device = image.device
    words = image.take(metric.address, metric.type.registers)
    try:
        raw = ModbusClientMixin.convert_from_registers(
            words, _PYMODBUS_TYPE[metric.type], word_order=metric.word_order
        )
    except (ModbusException, struct.error, TypeError, ValueError) as exc:
        raise DecodeError(device, metric.address, f"{name}: {exc}") from exc
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise DecodeError(device, metric.address, f"{name}: {raw} is not a number")
        number = Decimal(f"{raw:.{FLOAT32_DIGITS}g}")
    elif isinstance(raw, int):
        number = Decimal(raw)
    else:  # pragma: no cover - pymodbus returns lists only for array types we never ask for
        raise DecodeError(device, metric.address, f"{name}: unexpected {type(raw).__name__}")
    return _scaled(number, metric, device=device, name=name)


def _scaled(number: Decimal, metric: MetricSpec, *, device: str, name: str) -> Decimal:
    value = number * metric.scale
    if metric.decimals is None:
        return value
    try:
        # Half up, as an indicator rounds to its display division.
        return value.quantize(Decimal(1).scaleb(-metric.decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise DecodeError(
            device, metric.address, f"{name}: {value} does not fit {metric.decimals} decimals"
        ) from exc


def decode_status(flag: StatusBit, image: _Registers, coils: Mapping[int, bool]) -> bool:
    """One flag, from a register bit or a coil, inverted when the device reports it
    active-low."""
    if flag.coil is not None:
        if flag.coil not in coils:
            raise DecodeError(image.device, flag.coil, "not in the coils read", what="coil")
        return coils[flag.coil] != flag.active_low
    # The profile guarantees a register flag has both; the asserts only narrow the types.
    assert flag.address is not None
    assert flag.bit is not None
    (word,) = image.take(flag.address, 1)
    return bool(word >> flag.bit & 1) != flag.active_low
