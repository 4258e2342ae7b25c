"""Where in an advertisement each tag format puts its bytes, and which parser reads them.

Data, not code: one row per ``TagFormat``. The row says which advertisement element carries
the frame (service data of a 16-bit UUID, or manufacturer data of a company id), the parser
for it, and the BlueZ or-pattern that lets a passive scan wake up for that element alone.
Pure: ``Advert`` is our own neutral copy of what the radio heard, so this module never
touches bleak.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Final

from domain.observation import Observation
from edge_agent.adapters.ble.bthome import BTHOME_UUID16, parse_bthome
from edge_agent.adapters.ble.config import BleTagConfig, TagFormat
from edge_agent.adapters.ble.reading import SensorReading, to_observation
from edge_agent.adapters.ble.ruuvi import RUUVI_COMPANY_ID, parse_ruuvi
from edge_agent.adapters.ble.xiaomi_custom import (
    ENVIRONMENTAL_SENSING_UUID16,
    parse_atc1441,
    parse_pvvx,
)

AD_SERVICE_DATA_UUID16: Final = 0x16
AD_MANUFACTURER_DATA: Final = 0xFF
RSSI_UNKNOWN: Final = -127
"""What BlueZ (and bleak) report when the radio gave no RSSI."""


def uuid16_to_128(uuid16: int) -> str:
    """The Bluetooth base UUID form BlueZ uses as service data keys."""
    return f"0000{uuid16:04x}-0000-1000-8000-00805f9b34fb"


@dataclass(frozen=True, slots=True)
class Advert:
    """What one advertisement from one address carried, as the radio stack reported it."""

    address: str
    rssi: int | None
    manufacturer_data: Mapping[int, bytes]
    service_data: Mapping[str, bytes]


Parse = Callable[[bytes, BleTagConfig], SensorReading]


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """One tag format: the element carrying its frame and the parser reading it."""

    parse: Parse
    service_uuid16: int | None = None
    company_id: int | None = None

    def payload(self, advert: Advert) -> bytes | None:
        """The format's frame out of ``advert``, or None when the element is absent."""
        if self.service_uuid16 is not None:
            return advert.service_data.get(uuid16_to_128(self.service_uuid16))
        assert self.company_id is not None
        return advert.manufacturer_data.get(self.company_id)

    def or_pattern(self) -> tuple[int, int, bytes]:
        """(start, AD type, content) matching this element: the UUID or company id, LE."""
        if self.service_uuid16 is not None:
            return 0, AD_SERVICE_DATA_UUID16, self.service_uuid16.to_bytes(2, "little")
        assert self.company_id is not None
        return 0, AD_MANUFACTURER_DATA, self.company_id.to_bytes(2, "little")


def _bthome(data: bytes, tag: BleTagConfig) -> SensorReading:
    return parse_bthome(data, mac=tag.address, key=tag.key)


def _keyless(parse: Callable[[bytes], SensorReading]) -> Parse:
    """A parser that needs nothing from the tag's config but the bytes."""
    return lambda data, _tag: parse(data)


FORMATS: Final[Mapping[TagFormat, FormatSpec]] = MappingProxyType(
    {
        TagFormat.BTHOME: FormatSpec(_bthome, service_uuid16=BTHOME_UUID16),
        TagFormat.ATC1441: FormatSpec(
            _keyless(parse_atc1441), service_uuid16=ENVIRONMENTAL_SENSING_UUID16
        ),
        TagFormat.PVVX: FormatSpec(
            _keyless(parse_pvvx), service_uuid16=ENVIRONMENTAL_SENSING_UUID16
        ),
        TagFormat.RUUVI: FormatSpec(_keyless(parse_ruuvi), company_id=RUUVI_COMPANY_ID),
    }
)


def decode_payload(
    tag: BleTagConfig, payload: bytes, *, at: datetime, rssi: int | None
) -> Observation:
    """The tag's frame as an observation; raises ``BleDecodeError`` when it does not read."""
    reading = FORMATS[tag.format].parse(payload, tag)
    return to_observation(reading, tag.id, at, None if rssi == RSSI_UNKNOWN else rssi)
