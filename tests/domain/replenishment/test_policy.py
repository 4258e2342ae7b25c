"""Safety stock, reorder point, order quantity: the formula, its caps and its rounding."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from domain.replenishment.lead_time import Delivery, lead_time
from domain.replenishment.policy import (
    OrderTerms,
    PlanInputs,
    order_quantity,
    order_up_to,
    reorder_point,
    safety_stock,
    z_of,
)

BASE = PlanInputs.of(10.0, 3.0, lead=4.0, sigma_l=1.0, service=0.95, position=0.0)


def test_safety_stock_is_the_textbook_formula() -> None:
    expected = 1.6449 * math.sqrt(4 * 3.0**2 + 10.0**2 * 1.0**2)
    assert safety_stock(BASE) == pytest.approx(expected, rel=1e-4)
    assert reorder_point(BASE) == pytest.approx(40 + expected, rel=1e-4)
    assert order_up_to(BASE) == pytest.approx(50 + expected, rel=1e-4)


def test_the_excursion_bump_multiplies_the_dynamic_safety_stock() -> None:
    assert safety_stock(BASE.but(bump=1.2)) == pytest.approx(1.2 * safety_stock(BASE))


def test_a_service_level_outside_its_range_is_refused() -> None:
    with pytest.raises(ValueError, match=r"service level 1\.0 is outside"):
        z_of(1.0)


def test_whole_packs_and_the_minimum_order() -> None:
    want = order_up_to(BASE)  # ~70.6 from nothing on hand
    order = order_quantity(BASE, OrderTerms(pack=12))
    assert order.qty == Decimal(72)
    assert order.qty >= Decimal(repr(want))
    assert order_quantity(BASE, OrderTerms(min_order=100)).qty == Decimal(100)
    above = BASE.but(position=200.0)
    assert order_quantity(above, OrderTerms()).qty == 0


def test_nothing_is_ordered_that_expires_before_it_is_used() -> None:
    # 2 days of shelf life after a 4-day lead: 10 × (2 + 4) − 23 = 37 can be used of ~46 wanted
    order = order_quantity(BASE.but(position=23.0), OrderTerms(pack=5, shelf_life_days=2))
    assert order.capped_by_expiry
    assert str(order.qty) == "35"  # the cap in whole packs, rounded down
    moq = order_quantity(BASE.but(position=23.0), OrderTerms(min_order=80, shelf_life_days=2))
    assert moq.qty == 0
    assert "expire" in moq.note


def test_lead_time_from_receipts_else_from_master_data() -> None:
    def got(ordered: int, days: int) -> Delivery:
        return Delivery("S1", date(2026, 1, ordered), date(2026, 1, ordered + days))

    history = [got(1, 2), got(5, 2), got(9, 2), got(13, 5)]
    found = lead_time("S1", history, 2)
    assert found.source == "receipts"
    assert found.mean_days == pytest.approx(2.75)
    assert found.latest_late == history[-1]
    assert lead_time("S1", history, 2, until=date(2026, 1, 3)).source == "master data"
    assert lead_time("S2", history, 6).mean_days == 6.0
