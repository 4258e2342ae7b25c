"""Register words → ``Observation``, driven by a profile. Pure: no I/O, no logging, no clock.

Words go through pymodbus' own ``convert_from_registers`` so that word order and signedness
mean exactly what they mean to the library that fetched them.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
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

    def take(self, device: str, address: int, count: int) -> list[int]:
        """The ``count`` words from ``address``; each must be a 16-bit unsigned value."""
        offset = address - self.start
        if offset < 0 or offset + count > len(self.words):
            raise DecodeError(
                device,
                address,
                f"not in the block read ({len(self.words)} words from {self.start})",
            )
        words = list(self.words[offset : offset + count])
        for index, word in enumerate(words):
            if type(word) is not int or not 0 <= word <= 0xFFFF:
                raise DecodeError(device, address + index, f"{word!r} is not a 16-bit word")
        return words


def decode_observation(
    profile: DeviceProfile, block: RegisterBlock, *, device: str, at: datetime
) -> Observation:
    """Every metric and status bit of ``profile``, read from ``block``, as one observation."""
    values: dict[str, Value] = {}
    units: dict[str, str] = {}
    for name, metric in profile.metrics.items():
        values[name] = decode_metric(metric, block, device=device, name=name)
        units[name] = metric.unit
    for name, flag in profile.status.items():
        values[name] = decode_status(flag, block, device=device)
    return Observation(device=device, at=at, values=values, units=units)


def decode_metric(metric: MetricSpec, block: RegisterBlock, *, device: str, name: str) -> Decimal:
    """One scaled value in the profile's unit, exact for integer types."""
    words = block.take(device, metric.address, metric.type.registers)
    try:
        raw = ModbusClientMixin.convert_from_registers(
            words, _PYMODBUS_TYPE[metric.type], word_order=metric.word_order
        )
    except (ModbusException, struct.error, TypeError, ValueError) as exc:
        raise DecodeError(device, metric.address, f"{name}: {exc}") from exc
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise DecodeError(device, metric.address, f"{name}: {raw} is not a weight")
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


def decode_status(flag: StatusBit, block: RegisterBlock, *, device: str) -> bool:
    """One status bit, inverted when the device reports it active-low."""
    (word,) = block.take(device, flag.address, 1)
    return bool(word >> flag.bit & 1) != flag.active_low
