"""Safety stock, reorder point, order quantity: the formula, its caps and its rounding."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from domain.replenishment.lead_time import Delivery, lead_time
from domain.replenishment.plan import with_mixes
from domain.replenishment.policy import (
    OrderTerms,
    PlanInputs,
    newsvendor_service,
    order_quantity,
    order_up_to,
    reorder_point,
    safety_stock,
    service_for,
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
    # 3 days of shelf life; 53 on hand and on order, 40 used in the 4-day lead: 13 are left
    # on arrival, so 10 × 3 − 13 = 17 can be used of the ~26 wanted
    order = order_quantity(BASE.but(position=53.0), OrderTerms(pack=5, shelf_life_days=3))
    assert order.capped_by_expiry
    assert str(order.qty) == "15"  # the cap in whole packs, rounded down
    moq = order_quantity(BASE.but(position=53.0), OrderTerms(min_order=80, shelf_life_days=3))
    assert moq.qty == 0
    assert "expire" in moq.note


def test_stock_that_runs_out_before_the_order_arrives_leaves_nothing_to_use_up() -> None:
    # 23 on hand is gone before the 4-day lead ends: the order may bring one shelf life's
    # demand (10 × 2), not 10 × (2 + 4) − 23 = 37, of which 17 would expire
    order = order_quantity(BASE.but(position=23.0), OrderTerms(shelf_life_days=2))
    assert (order.qty, order.capped_by_expiry) == (Decimal(20), True)


def test_a_perishable_s_service_level_is_the_newsvendor_ratio() -> None:
    # a unit short costs 4 times a unit thrown away: stock for 4 cycles in 5
    assert service_for("A", 5) == pytest.approx(0.8)
    assert service_for("A", 5, stockout_to_waste=2.0) == pytest.approx(2 / 3)
    assert service_for("A", 365) == 0.98  # keeps: the class decides
    assert service_for("C", None) == 0.90
    assert newsvendor_service(99.0, 0.01) == 0.99  # never a service level z cannot reach
    assert newsvendor_service(0.1, 1.0) == 0.5  # nor a negative safety stock
    with pytest.raises(ValueError, match="waste cost 0"):
        newsvendor_service(1.0, 0)


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


def test_an_order_covers_the_weekdays_ahead_and_expires_by_the_days_after_arrival() -> None:
    # d is the mean of a week; tomorrow and the day after are the busy ones (15 and 20)
    week = (15.0, 20.0, 8.0, 8.0, 8.0, 8.0, 3.0)
    plain = PlanInputs.of(10.0, 2.0, lead=1.0, sigma_l=0.0, service=0.8)
    busy = with_mixes(plain, week, shelf_days=2)
    assert busy.cover_mix == pytest.approx(17.5 / 10)  # lead 1 + review 1: days 1 and 2
    assert busy.shelf_mix == pytest.approx(14.0 / 10)  # arrives day 2: days 2 and 3
    assert reorder_point(busy) == pytest.approx(17.5 + safety_stock(plain))
    assert order_up_to(busy) - order_up_to(plain) == pytest.approx(15.0)
    # five days later the week has turned: the same plan covers two quiet days
    quiet = with_mixes(plain, week, shelf_days=2, later=5)
    assert quiet.cover_mix == pytest.approx(5.5 / 10)  # days 6 and 7: 8 and 3
    # nothing on hand: the order may bring what days 2 and 3 use, 28, not 2 × d = 20
    order = order_quantity(busy.but(position=0.0), OrderTerms(shelf_life_days=2))
    assert float(order.qty) == pytest.approx(min(order_up_to(busy), 28.0))
