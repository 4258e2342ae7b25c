"""The threshold rule of stock adjustments, pure: within or over by quantity or value, either
sign, and doubt (a unit that cannot be compared, no cost price) counted as over."""

from __future__ import annotations

from decimal import Decimal

from cloud.approvals.threshold import over_threshold
from cloud.orgs.costs import CostPrice
from domain.quantity import Quantity

KG5 = {"qty": "5", "unit": "kg"}
CHICKEN = CostPrice(Decimal(30), "CNY", "kg")


def test_a_quantity_either_sign_is_measured_in_the_limits_unit() -> None:
    assert over_threshold(KG5, Quantity.of("-5000", "g"), None) is None
    assert over_threshold(KG5, Quantity.of("5001", "g"), None) == (
        "5001 g is over the threshold of 5 kg")  # fmt: skip
    loss = Quantity.of("-6", "kg")
    assert over_threshold(KG5, loss, None) == "6 kg is over the threshold of 5 kg"


def test_a_value_is_the_size_at_the_cost_price_in_its_unit() -> None:
    limit = {"value": "100"}
    assert over_threshold(limit, Quantity.of("-3000", "g"), CHICKEN) is None  # 90 CNY
    assert over_threshold(limit, Quantity.of("4", "kg"), CHICKEN) == "its value 120 CNY is over 100"
    both = {**KG5, "value": "100"}
    assert over_threshold(both, Quantity.of("4", "kg"), CHICKEN) is not None  # value over
    assert over_threshold(both, Quantity.of("6", "kg"), CostPrice(Decimal(1), "CNY", "kg"))


def test_doubt_goes_to_an_approver() -> None:
    assert over_threshold(KG5, Quantity.of("2", "each"), None) == (
        "2 each cannot be measured against the threshold of 5 kg")  # fmt: skip
    assert over_threshold({"value": "100"}, Quantity.of("1", "g"), None) == (
        "no cost price for the item: its value cannot be checked against 100")  # fmt: skip
    per_each = CostPrice(Decimal(2), "CNY", "each")
    assert over_threshold({"value": "100"}, Quantity.of("1", "kg"), per_each) == (
        "1 kg cannot be valued at a cost price per each")  # fmt: skip
    assert over_threshold(None, Quantity.of("1", "g"), None) == (
        "no threshold is set: every adjustment waits for its approval steps")  # fmt: skip
