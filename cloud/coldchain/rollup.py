"""Hourly rollup of readings, kept as sums so hours add up and combine exactly.

A rollup row holds min, max, the sum and count of the values, and, for temperatures, the sum
of the Arrhenius terms exp(-ΔH/(R·T)). Two batches touching one hour add their sums in SQL,
and the mean kinetic temperature of any set of hours follows from the summed terms alone:
MKT = (ΔH/R) / -ln(Σ terms / Σ count). That is the equally weighted MKT of the raw readings
(``domain.coldchain.mkt.mean_kinetic_temperature``), with the same constants.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from domain.coldchain.mkt import (
    DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL,
    GAS_CONSTANT_J_PER_MOL_K,
    REPORTED_PRECISION,
    ZERO_CELSIUS_IN_KELVIN,
)

CELSIUS_UNITS = frozenset({"°C", "C", "degC", "Cel", "celsius"})
"""Units read as degrees Celsius (the edge accepts the same spellings for its detectors)."""

H_OVER_R_KELVIN = float(DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL * 1000 / GAS_CONSTANT_J_PER_MOL_K)
"""ΔH/R of the default activation energy: 10,000 K."""


class HourKey(NamedTuple):
    """A rollup row's key (a tuple: ingest builds one per reading, so it must be cheap)."""

    site: str
    location: str
    metric: str
    unit: str
    hour: datetime


@dataclass(frozen=True, slots=True)
class HourSums:
    """What one hour of one signal adds to the rollup; ``sum_arrhenius`` None if not °C."""

    min_value: Decimal
    max_value: Decimal
    sum_value: Decimal
    count: int
    sum_arrhenius: float | None

    def plus(self, other: HourSums) -> HourSums:
        arrhenius = (
            None
            if self.sum_arrhenius is None or other.sum_arrhenius is None
            else self.sum_arrhenius + other.sum_arrhenius
        )
        return HourSums(
            min(self.min_value, other.min_value),
            max(self.max_value, other.max_value),
            self.sum_value + other.sum_value,
            self.count + other.count,
            arrhenius,
        )

    @property
    def mean(self) -> Decimal:
        return self.sum_value / self.count

    @property
    def mkt_c(self) -> Decimal | None:
        """Mean kinetic temperature in °C of the readings summed here (None if not °C)."""
        if self.sum_arrhenius is None:
            return None
        return mkt_from_sums(self.sum_arrhenius, self.count)


class RolledReading(NamedTuple):
    """A reading as the rollup sees it: where, what, when and how much."""

    site: str
    location: str
    metric: str
    unit: str
    at: datetime
    value: Decimal


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def arrhenius_term(celsius: Decimal) -> float:
    """exp(-ΔH/(R·T)) of one reading, computed as ``domain.coldchain.mkt`` computes it."""
    return math.exp(-H_OVER_R_KELVIN / float(celsius + ZERO_CELSIUS_IN_KELVIN))


def below_absolute_zero(unit: str, value: Decimal) -> bool:
    """A °C value at or below -273.15 is a broken probe: it has no place in a rollup."""
    return unit in CELSIUS_UNITS and value <= -ZERO_CELSIUS_IN_KELVIN


RollupRow = tuple[str, str, str, str, datetime, Decimal]
"""A ``RolledReading``'s fields as a plain tuple (what ingest passes, by the thousand)."""

_ABSOLUTE_ZERO_C = -ZERO_CELSIUS_IN_KELVIN


def hourly_sums(readings: Iterable[RollupRow]) -> dict[HourKey, HourSums]:
    """The rollup rows a set of readings adds, by (site, location, metric, unit, hour)."""
    # Keys are plain tuples until the end: one ``HourKey`` per row of the rollup, not per
    # reading; the test is ``below_absolute_zero``'s, inlined.
    grouped: dict[tuple[str, str, str, str, datetime], list[Decimal]] = defaultdict(list)
    for site, location, metric, unit, at, value in readings:
        if unit in CELSIUS_UNITS and value <= _ABSOLUTE_ZERO_C:
            continue
        hour = at.replace(minute=0, second=0, microsecond=0)
        grouped[site, location, metric, unit, hour].append(value)
    return {HourKey(*key): _sums(key[3], values) for key, values in grouped.items()}


def sums_of(unit: str, values: Iterable[Decimal]) -> HourSums | None:
    """The sums a rollup row would hold for ``values`` of one signal (None if there are
    none left once broken probes' values are set aside)."""
    kept = [value for value in values if not below_absolute_zero(unit, value)]
    return _sums(unit, kept) if kept else None


def _sums(unit: str, values: list[Decimal]) -> HourSums:
    arrhenius = sum(map(arrhenius_term, values)) if unit in CELSIUS_UNITS else None
    return HourSums(min(values), max(values), sum(values, Decimal(0)), len(values), arrhenius)


def mkt_from_sums(sum_arrhenius: float, count: int) -> Decimal:
    """MKT in °C from summed Arrhenius terms, rounded as the domain rounds it (0.01 °C)."""
    kelvin = H_OVER_R_KELVIN / -math.log(sum_arrhenius / count)
    celsius = Decimal(repr(kelvin)) - ZERO_CELSIUS_IN_KELVIN
    return celsius.quantize(REPORTED_PRECISION, rounding=ROUND_HALF_UP)
