"""RuuviTag data format 5 (RAWv2): manufacturer data of company 0x0499 → ``RuuviReading``.

Layout from https://docs.ruuvi.com/communication/bluetooth-advertisements/data-format-5-rawv2:
24 bytes, big-endian. Each field has a "not available" sentinel (the smallest value for a
signed field, the largest for an unsigned one, all ones for the MAC) which becomes ``None`` —
a tag with a broken humidity sensor still reports a usable temperature.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from edge_agent.adapters.ble.errors import BleDecodeError
from edge_agent.adapters.ble.reading import Metric, format_mac

RUUVI_COMPANY_ID: Final = 0x0499
_FORMAT: Final = "ruuvi"
_DATA_FORMAT: Final = 5
_LENGTH: Final = 24


@dataclass(frozen=True, slots=True)
class _Field:
    """A big-endian integer at ``offset``; value = (raw + ``add``) × ``factor``."""

    name: str
    offset: int
    size: int
    signed: bool
    unit: str
    factor: Decimal = Decimal(1)
    add: int = 0

    def read(self, data: bytes) -> Decimal | None:
        raw = int.from_bytes(data[self.offset : self.offset + self.size], "big", signed=self.signed)
        bits = 8 * self.size
        invalid = -(1 << (bits - 1)) if self.signed else (1 << bits) - 1
        return None if raw == invalid else (raw + self.add) * self.factor


_MEASUREMENTS: Final = (
    _Field("temperature", 1, 2, True, "°C", Decimal("0.005")),
    _Field("humidity", 3, 2, False, "%", Decimal("0.0025")),
    _Field("pressure", 5, 2, False, "hPa", Decimal("0.01"), add=50_000),
    _Field("acceleration_x", 7, 2, True, "mg"),
    _Field("acceleration_y", 9, 2, True, "mg"),
    _Field("acceleration_z", 11, 2, True, "mg"),
)
_MOVEMENT: Final = _Field("movement_counter", 15, 1, False, "")
_SEQUENCE: Final = _Field("sequence", 16, 2, False, "")
_POWER_OFFSET: Final = 13
_MAC_OFFSET: Final = 18


@dataclass(frozen=True, slots=True)
class RuuviReading:
    """One RAWv2 frame; ``None`` wherever the tag sent "not available".

    Pressure is in hPa (not the spec's Pa) to match BTHome; acceleration stays in mg.
    ``sequence`` repeats while the tag resends one measurement: use it to deduplicate.
    """

    temperature: Decimal | None
    humidity: Decimal | None
    pressure: Decimal | None
    acceleration_x: Decimal | None
    acceleration_y: Decimal | None
    acceleration_z: Decimal | None
    voltage: Decimal | None
    tx_power: int | None
    movement_counter: int | None
    sequence: int | None
    mac: str | None

    def metrics(self) -> tuple[Metric, ...]:
        """Every available value; fields the tag marked "not available" are left out."""
        candidates: tuple[tuple[str, Decimal | str | None, str | None], ...] = (
            *((f.name, getattr(self, f.name), f.unit) for f in _MEASUREMENTS),
            ("voltage", self.voltage, "V"),
            ("tx_power", _decimal(self.tx_power), "dBm"),
            ("movement_counter", _decimal(self.movement_counter), None),
            ("sequence", _decimal(self.sequence), None),
            ("mac", self.mac, None),
        )
        return tuple(
            Metric(name, value, unit) for name, value, unit in candidates if value is not None
        )


def parse_ruuvi(data: bytes) -> RuuviReading:
    """Decode the manufacturer data of company 0x0499 (the bytes after the company id)."""
    if not data:
        raise BleDecodeError(_FORMAT, 0, "empty manufacturer data")
    if data[0] != _DATA_FORMAT:
        raise BleDecodeError(_FORMAT, 0, f"data format {data[0]}, only 5 (RAWv2) is supported")
    if len(data) != _LENGTH:
        raise BleDecodeError(
            _FORMAT, min(len(data), _LENGTH), f"{len(data)} bytes, RAWv2 is {_LENGTH}"
        )
    values = {field.name: field.read(data) for field in _MEASUREMENTS}
    voltage, tx_power = _power_info(int.from_bytes(data[_POWER_OFFSET : _POWER_OFFSET + 2], "big"))
    mac = data[_MAC_OFFSET:]
    return RuuviReading(
        temperature=values["temperature"],
        humidity=values["humidity"],
        pressure=values["pressure"],
        acceleration_x=values["acceleration_x"],
        acceleration_y=values["acceleration_y"],
        acceleration_z=values["acceleration_z"],
        voltage=voltage,
        tx_power=tx_power,
        movement_counter=_integer(_MOVEMENT.read(data)),
        sequence=_integer(_SEQUENCE.read(data)),
        mac=None if mac == b"\xff" * 6 else format_mac(mac),
    )


def _power_info(word: int) -> tuple[Decimal | None, int | None]:
    """Battery volts from the top 11 bits (mV above 1600), tx dBm from the low 5 (2 dB steps)."""
    millivolts, tx_steps = word >> 5, word & 0x1F
    voltage = None if millivolts == 0x7FF else (millivolts + 1600) * Decimal("0.001")
    tx_power = None if tx_steps == 0x1F else tx_steps * 2 - 40
    return voltage, tx_power


def _integer(value: Decimal | None) -> int | None:
    return None if value is None else int(value)


def _decimal(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)
