"""Quantities as exact decimals with units; mass and volume meet only through a density."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from domain.errors import IncompatibleUnits


class Dimension(StrEnum):
    MASS = "mass"
    VOLUME = "volume"
    COUNT = "count"


class Unit(StrEnum):
    G = "g"
    KG = "kg"
    ML = "ml"
    L = "l"
    EACH = "each"

    @property
    def dimension(self) -> Dimension:
        return _UNITS[self][0]

    @property
    def factor(self) -> Decimal:
        """How many base units (g, ml, each) one of this unit is."""
        return _UNITS[self][1]


_UNITS: dict[Unit, tuple[Dimension, Decimal]] = {
    Unit.G: (Dimension.MASS, Decimal(1)),
    Unit.KG: (Dimension.MASS, Decimal(1000)),
    Unit.ML: (Dimension.VOLUME, Decimal(1)),
    Unit.L: (Dimension.VOLUME, Decimal(1000)),
    Unit.EACH: (Dimension.COUNT, Decimal(1)),
}

BASE_UNIT: dict[Dimension, Unit] = {
    Dimension.MASS: Unit.G,
    Dimension.VOLUME: Unit.ML,
    Dimension.COUNT: Unit.EACH,
}


QUANTUM = Decimal("1E-9")
_PLACES = -9
"""The finest amount the ledger keeps of a base unit (a nanogram, a nanolitre, 1E-9 each).

Amounts are exact; only a result that does not terminate (÷ a yield, a density) is rounded,
to this, which leaves room for 19 digits before the point in a payload's 28 significant."""


def exact(value: Decimal) -> Decimal:
    """``value`` as the ledger keeps it: unchanged when it has no more places than
    ``QUANTUM`` (0.004 stays 0.004), else rounded half-even to it."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= _PLACES:
        return value
    return value.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Carry:
    """What rounding to ``QUANTUM`` left over, by key (an item), for the next amount.

    Amounts rounded one line at a time with their carry sum to their exact total rounded
    once: 700 lines of 0.0142857… g take exactly 10 g, not 700 roundings' worth of error.
    """

    left: Mapping[str, Decimal] = field(default_factory=dict)

    def take(self, key: str, value: Decimal) -> tuple[Decimal, Carry]:
        """``value`` plus what ``key`` carries, as the ledger keeps it; the new carry."""
        owed = value + self.left.get(key, Decimal(0))
        kept = exact(owed)
        rest = {name: amount for name, amount in self.left.items() if name != key}
        if owed != kept:
            rest[key] = owed - kept
        return kept, Carry(rest)


@dataclass(frozen=True, slots=True)
class Quantity:
    """An exact amount of something in a unit."""

    value: Decimal
    unit: Unit

    @classmethod
    def of(cls, value: Decimal | int | str, unit: Unit | str) -> Quantity:
        return cls(Decimal(value), Unit(unit))

    def to(self, unit: Unit, density_g_per_ml: Decimal | None = None) -> Quantity:
        """Convert to ``unit``; crossing mass and volume needs a density in g/ml."""
        if unit == self.unit:
            return self
        base = self.value * self.unit.factor
        src, dst = self.unit.dimension, unit.dimension
        if src != dst:
            base = _cross(base, src, dst, density_g_per_ml)
        return Quantity(base / unit.factor, unit)

    def to_base(self) -> Quantity:
        return self.to(BASE_UNIT[self.unit.dimension])

    def __add__(self, other: Quantity) -> Quantity:
        other = other.to(self.unit) if other.unit.dimension == self.unit.dimension else other
        if other.unit != self.unit:
            raise IncompatibleUnits(f"cannot add {other} to {self}")
        return Quantity(self.value + other.value, self.unit)

    def __neg__(self) -> Quantity:
        return Quantity(-self.value, self.unit)

    def __sub__(self, other: Quantity) -> Quantity:
        return self + (-other)

    def __str__(self) -> str:
        return f"{self.value} {self.unit.value}"


def _cross(
    base: Decimal, src: Dimension, dst: Dimension, density_g_per_ml: Decimal | None
) -> Decimal:
    if Dimension.COUNT in (src, dst):
        raise IncompatibleUnits(f"cannot convert {src.value} to {dst.value}")
    if density_g_per_ml is None or density_g_per_ml <= 0:
        raise IncompatibleUnits(
            f"converting {src.value} to {dst.value} needs a positive density in g/ml"
        )
    if src == Dimension.VOLUME:
        return base * density_g_per_ml
    return base / density_g_per_ml
