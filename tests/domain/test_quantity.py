from decimal import Decimal

import pytest

from domain.errors import IncompatibleUnits
from domain.quantity import Quantity, Unit


def test_kilograms_to_grams_is_exact() -> None:
    assert Quantity.of("1.234", "kg").to(Unit.G) == Quantity(Decimal("1234.000"), Unit.G)


def test_adding_converts_to_the_left_unit() -> None:
    assert Quantity.of(1, "l") + Quantity.of(250, "ml") == Quantity.of("1.25", "l")


def test_mass_to_volume_needs_a_density() -> None:
    with pytest.raises(IncompatibleUnits, match="density"):
        Quantity.of(100, "g").to(Unit.ML)


def test_volume_to_mass_through_density() -> None:
    oil = Quantity.of(1, "l").to(Unit.G, density_g_per_ml=Decimal("0.92"))
    assert oil == Quantity(Decimal("920.00"), Unit.G)


def test_counts_never_convert() -> None:
    with pytest.raises(IncompatibleUnits):
        Quantity.of(6, "each").to(Unit.G, density_g_per_ml=Decimal(1))


def test_adding_mass_to_volume_fails() -> None:
    with pytest.raises(IncompatibleUnits):
        Quantity.of(1, "kg") + Quantity.of(1, "l")
