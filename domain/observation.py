"""The one neutral type every adapter produces, whatever the protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

Value = Decimal | bool | str


@dataclass(frozen=True, slots=True)
class Observation:
    """What a device said at one moment: named values, already decoded and scaled.

    ``values`` maps a metric name from the device profile (``weight``, ``stable``,
    ``air_temp``) to its value; ``units`` gives the unit of each numeric metric.
    """

    device: str
    at: datetime
    values: Mapping[str, Value]
    units: Mapping[str, str] = field(default_factory=dict)
