"""What every BLE reading offers, and the one mapping from a reading to an ``Observation``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from domain.observation import Observation, Value


@dataclass(frozen=True, slots=True)
class Metric:
    """One named value of a reading; ``unit`` is None for counts, flags and identifiers."""

    name: str
    value: Value
    unit: str | None = None


class SensorReading(Protocol):
    """A decoded advertisement: each format keeps its own fields but lists them as metrics."""

    def metrics(self) -> tuple[Metric, ...]:
        """Every value the advertisement carried, in the order the format lays them out."""
        ...


def to_observation(
    reading: SensorReading, device: str, at: datetime, rssi: int | None
) -> Observation:
    """The reading as the neutral observation the pipeline consumes.

    A name repeated in one frame (BTHome may send two temperatures) gets ``_2``, ``_3`` so no
    value is silently overwritten. ``rssi`` comes from the radio, not the payload, hence a
    parameter; it is kept because a fading signal explains gaps in a cold-chain record.
    """
    values: dict[str, Value] = {}
    units: dict[str, str] = {}
    for metric in reading.metrics():
        name = _unused_name(metric.name, values)
        values[name] = metric.value
        if metric.unit is not None:
            units[name] = metric.unit
    if rssi is not None:
        values["rssi"] = Decimal(rssi)
        units["rssi"] = "dBm"
    return Observation(device=device, at=at, values=values, units=units)


def _unused_name(name: str, taken: dict[str, Value]) -> str:
    if name not in taken:
        return name
    index = 2
    while f"{name}_{index}" in taken:
        index += 1
    return f"{name}_{index}"


def format_mac(raw: bytes) -> str:
    """``AA:BB:CC:DD:EE:FF``, most significant byte first, as scanners print addresses."""
    return ":".join(f"{byte:02X}" for byte in raw)


def parse_mac(text: str) -> bytes:
    """Six bytes from ``AA:BB:CC:DD:EE:FF`` (or ``-`` separated, or bare hex)."""
    digits = text.replace(":", "").replace("-", "")
    try:
        raw = bytes.fromhex(digits)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a MAC address") from exc
    if len(raw) != 6:
        raise ValueError(f"{text!r} is not a MAC address: {len(raw)} bytes, not 6")
    return raw
