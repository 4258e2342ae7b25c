"""Xiaomi LYWSD03MMC on custom firmware: ATC1441 and pvvx frames, service data of UUID 0x181A.

Both firmwares (https://github.com/atc1441/ATC_MiThermometer,
https://github.com/pvvx/ATC_MiThermometer#custom-format-all-data-little-endian) send plain,
unencrypted frames told apart by length: ATC1441 13 bytes big-endian, pvvx 15 bytes
little-endian with the MAC reversed. Each layout is a row of ``_LAYOUTS``; one function reads
any row. pvvx's encrypted variants (8 and 11 bytes) need a key exchange we do not do yet.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from edge_agent.adapters.ble.errors import BleDecodeError
from edge_agent.adapters.ble.reading import Metric, format_mac

ENVIRONMENTAL_SENSING_UUID16: Final = 0x181A


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where each field sits in one firmware's frame, and the factor turning it into units."""

    name: str
    frame: struct.Struct
    fields: tuple[str, ...]
    mac_reversed: bool
    temperature_factor: Decimal
    humidity_factor: Decimal


_ATC1441: Final = _Layout(
    name="atc1441",
    frame=struct.Struct(">6shBBHB"),
    fields=("mac", "temperature", "humidity", "battery", "battery_mv", "counter"),
    mac_reversed=False,
    temperature_factor=Decimal("0.1"),
    humidity_factor=Decimal(1),
)
_PVVX: Final = _Layout(
    name="pvvx",
    frame=struct.Struct("<6shHHBBB"),
    fields=("mac", "temperature", "humidity", "battery_mv", "battery", "counter", "flags"),
    mac_reversed=True,
    temperature_factor=Decimal("0.01"),
    humidity_factor=Decimal("0.01"),
)
_LAYOUTS: Final[Mapping[int, _Layout]] = MappingProxyType(
    {_ATC1441.frame.size: _ATC1441, _PVVX.frame.size: _PVVX}
)
_MILLI: Final = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class XiaomiCustomReading:
    """One custom-firmware frame. ``counter`` wraps at 256 and repeats for a resent frame.

    ``flags`` (pvvx only) holds the reed-switch and trigger bits, passed on undecoded.
    """

    firmware: str
    mac: str
    temperature: Decimal
    humidity: Decimal
    battery: Decimal
    voltage: Decimal
    counter: int
    flags: int | None = None

    def metrics(self) -> tuple[Metric, ...]:
        """Temperature °C, humidity %, battery % and V, then the sensor's MAC and counter."""
        return (
            Metric("temperature", self.temperature, "°C"),
            Metric("humidity", self.humidity, "%"),
            Metric("battery", self.battery, "%"),
            Metric("voltage", self.voltage, "V"),
            Metric("mac", self.mac),
            Metric("counter", Decimal(self.counter)),
        )


def parse_xiaomi_custom(data: bytes) -> XiaomiCustomReading:
    """Decode 0x181A service data as whichever custom format its length says it is."""
    layout = _LAYOUTS.get(len(data))
    if layout is None:
        raise BleDecodeError(
            "xiaomi-custom",
            min(len(data), _PVVX.frame.size),
            f"{len(data)} bytes: neither atc1441 (13) nor pvvx (15); encrypted pvvx unsupported",
        )
    return _read(layout, data)


def parse_atc1441(data: bytes) -> XiaomiCustomReading:
    """Decode an ATC1441 frame: MAC, temperature 0.1 °C, humidity %, battery %, mV, counter."""
    return _read(_ATC1441, data)


def parse_pvvx(data: bytes) -> XiaomiCustomReading:
    """Decode a pvvx frame: MAC reversed, 0.01 °C, 0.01 %, mV, battery %, counter, flags."""
    return _read(_PVVX, data)


def _read(layout: _Layout, data: bytes) -> XiaomiCustomReading:
    if len(data) != layout.frame.size:
        raise BleDecodeError(
            layout.name,
            min(len(data), layout.frame.size),
            f"{len(data)} bytes, the frame is {layout.frame.size}",
        )
    fields = dict(zip(layout.fields, layout.frame.unpack(data), strict=True))
    mac = bytes(fields["mac"])
    flags = fields.get("flags")
    return XiaomiCustomReading(
        firmware=layout.name,
        mac=format_mac(mac[::-1] if layout.mac_reversed else mac),
        temperature=Decimal(fields["temperature"]) * layout.temperature_factor,
        humidity=Decimal(fields["humidity"]) * layout.humidity_factor,
        battery=Decimal(fields["battery"]),
        voltage=Decimal(fields["battery_mv"]) * _MILLI,
        counter=int(fields["counter"]),
        flags=None if flags is None else int(flags),
    )
