"""The BTHome v2 object table: object id → how many bytes follow and what they mean.

Data, not code (STYLE.md): ``bthome.py`` reads any object through this table. Lengths,
signedness and factors follow https://bthome.io/format/. An id missing here cannot be skipped —
its length is unknown — so the parser stops there and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import Final


class Kind(Enum):
    """How an object's bytes become a value."""

    NUMBER = "number"
    """Little-endian integer times ``factor``: a measurement."""
    BINARY = "binary"
    """One byte, 0 or 1: a binary sensor (door open, moisture detected)."""
    SKIP = "skip"
    """Length known, value not a measurement (button events, firmware version): skipped."""
    SIZED = "sized"
    """First byte is the length of what follows (text, raw): skipped as a whole."""


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    """One row of the BTHome object table."""

    name: str
    length: int
    signed: bool = False
    factor: Decimal = Decimal(1)
    unit: str | None = None
    kind: Kind = Kind.NUMBER


PACKET_ID: Final = 0x00
"""Object id of the packet id: a sensor-side counter, kept apart from the measurements."""


def _num(name: str, length: int, factor: str = "1", unit: str | None = None) -> ObjectSpec:
    return ObjectSpec(name, length, signed=False, factor=Decimal(factor), unit=unit)


def _sig(name: str, length: int, factor: str = "1", unit: str | None = None) -> ObjectSpec:
    return ObjectSpec(name, length, signed=True, factor=Decimal(factor), unit=unit)


def _bin(name: str) -> ObjectSpec:
    return ObjectSpec(name, 1, kind=Kind.BINARY)


def _skip(name: str, length: int) -> ObjectSpec:
    return ObjectSpec(name, length, kind=Kind.SKIP)


OBJECTS: Final[Mapping[int, ObjectSpec]] = MappingProxyType(
    {
        0x00: _num("packet_id", 1),
        0x01: _num("battery", 1, unit="%"),
        0x02: _sig("temperature", 2, "0.01", "°C"),
        0x03: _num("humidity", 2, "0.01", "%"),
        0x04: _num("pressure", 3, "0.01", "hPa"),
        0x05: _num("illuminance", 3, "0.01", "lx"),
        0x06: _num("mass", 2, "0.01", "kg"),
        0x07: _num("mass", 2, "0.01", "lb"),
        0x08: _sig("dew_point", 2, "0.01", "°C"),
        0x09: _num("count", 1),
        0x0A: _num("energy", 3, "0.001", "kWh"),
        0x0B: _num("power", 3, "0.01", "W"),
        0x0C: _num("voltage", 2, "0.001", "V"),
        0x0D: _num("pm25", 2, unit="µg/m³"),
        0x0E: _num("pm10", 2, unit="µg/m³"),
        0x0F: _bin("generic"),
        0x10: _bin("power_on"),
        0x11: _bin("opening"),
        0x12: _num("co2", 2, unit="ppm"),
        0x13: _num("tvoc", 2, unit="µg/m³"),
        0x14: _num("moisture", 2, "0.01", "%"),
        0x15: _bin("battery_low"),
        0x16: _bin("battery_charging"),
        0x17: _bin("carbon_monoxide"),
        0x18: _bin("cold"),
        0x19: _bin("connectivity"),
        0x1A: _bin("door"),
        0x1B: _bin("garage_door"),
        0x1C: _bin("gas_detected"),
        0x1D: _bin("heat"),
        0x1E: _bin("light"),
        0x1F: _bin("lock"),
        0x20: _bin("moisture_detected"),
        0x21: _bin("motion"),
        0x22: _bin("moving"),
        0x23: _bin("occupancy"),
        0x24: _bin("plug"),
        0x25: _bin("presence"),
        0x26: _bin("problem"),
        0x27: _bin("running"),
        0x28: _bin("safety"),
        0x29: _bin("smoke"),
        0x2A: _bin("sound"),
        0x2B: _bin("tamper"),
        0x2C: _bin("vibration"),
        0x2D: _bin("window"),
        0x2E: _num("humidity", 1, unit="%"),
        0x2F: _num("moisture", 1, unit="%"),
        0x3A: _skip("button", 1),
        0x3C: _skip("dimmer", 2),
        0x3D: _num("count", 2),
        0x3E: _num("count", 4),
        0x3F: _sig("rotation", 2, "0.1", "°"),
        0x40: _num("distance", 2, unit="mm"),
        0x41: _num("distance", 2, "0.1", "m"),
        0x42: _num("duration", 3, "0.001", "s"),
        0x43: _num("current", 2, "0.001", "A"),
        0x44: _num("speed", 2, "0.01", "m/s"),
        0x45: _sig("temperature", 2, "0.1", "°C"),
        0x46: _num("uv_index", 1, "0.1"),
        0x47: _num("volume", 2, "0.1", "L"),
        0x48: _num("volume", 2, unit="mL"),
        0x49: _num("volume_flow_rate", 2, "0.001", "m³/h"),
        0x4A: _num("voltage", 2, "0.1", "V"),
        0x4B: _num("gas", 3, "0.001", "m³"),
        0x4C: _num("gas", 4, "0.001", "m³"),
        0x4D: _num("energy", 4, "0.001", "kWh"),
        0x4E: _num("volume", 4, "0.001", "L"),
        0x4F: _num("water", 4, "0.001", "L"),
        0x50: _num("timestamp", 4, unit="s"),
        0x51: _num("acceleration", 2, "0.001", "m/s²"),
        0x52: _num("gyroscope", 2, "0.001", "°/s"),
        0x53: ObjectSpec("text", 0, kind=Kind.SIZED),
        0x54: ObjectSpec("raw", 0, kind=Kind.SIZED),
        0x55: _num("volume_storage", 4, "0.001", "L"),
        0x56: _num("conductivity", 2, unit="µS/cm"),
        0x57: _sig("temperature", 1, unit="°C"),
        0x58: _sig("temperature", 1, "0.35", "°C"),
        0x59: _sig("count", 1),
        0x5A: _sig("count", 2),
        0x5B: _sig("count", 4),
        0x5C: _sig("power", 4, "0.01", "W"),
        0x5D: _sig("current", 2, "0.001", "A"),
        0x5E: _num("direction", 2, "0.01", "°"),
        0x5F: _num("precipitation", 2, "0.1", "mm"),
        0x60: _num("channel", 1),
        0x61: _num("rotational_speed", 2, unit="rpm"),
        0xF0: _skip("device_type_id", 2),
        0xF1: _skip("firmware_version", 4),
        0xF2: _skip("firmware_version", 3),
    }
)
