"""Purchase orders in domain: what state may follow which, what a receipt finds against the
order and its shipping notice, and suppliers' lead-time statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.masterdata import MasterData
from domain.purchasing import (
    Asn,
    PurchaseOrder,
    ReceivedLot,
    StateRefused,
    check_transition,
    discrepancies,
    fully_received,
    lead_time,
    suggestion_of,
)
from domain.replenishment.series import DemandSeries
from domain.replenishment.site_plan import plan_site

ORDER = PurchaseOrder.model_validate({
    "po": "po-1", "site": "site-1", "supplier": "dongguan",
    "lines": [
        {"item": "chicken", "qty": "10", "unit": "kg", "unit_price": "20", "currency": "CNY"},
        {"item": "rice", "qty": "25", "unit": "kg", "unit_price": "6", "currency": "CNY"},
    ],
})  # fmt: skip
SSCC = "006141411234567890"
ASN = Asn.model_validate({
    "site": "site-1", "po": "po-1", "asn": "asn-1",
    "shipped_at": datetime(2026, 12, 1, 8, tzinfo=UTC),
    "packages": [{"sscc": SSCC, "lots": [
        {"item": "chicken", "lot": "C1", "qty": "10", "unit": "kg", "expires_on": "2026-12-09"},
        {"item": "rice", "lot": "R1", "qty": "25", "unit": "kg"},
    ]}],
})  # fmt: skip


def got(item: str, lot: str, qty: str, damaged: str = "0") -> ReceivedLot:
    return ReceivedLot(item=item, lot=lot, qty=Decimal(qty), unit="kg", damaged=Decimal(damaged))


def test_states_follow_the_lifecycle_and_a_wrong_step_names_both_states() -> None:
    for current, wanted in [("draft", "awaiting_approval"), ("sent", "confirmed"),
                            ("confirmed", "shipped"), ("shipped", "partly_received"),
                            ("partly_received", "received"), ("received", "closed")]:  # fmt: skip
        check_transition(current, wanted)
    with pytest.raises(StateRefused, match="an order draft cannot become shipped"):
        check_transition("draft", "shipped")
    with pytest.raises(
        StateRefused, match=r"closed cannot become received \(it may become nothing"
    ):
        check_transition("closed", "received")


def test_a_delivery_as_announced_has_no_discrepancy() -> None:
    came = [got("chicken", "C1", "10"), got("rice", "R1", "25")]
    assert discrepancies(ORDER, ASN, came) == []
    assert fully_received(ORDER, came)


def test_short_over_wrong_lot_damaged_and_not_ordered_are_each_found_with_figures() -> None:
    came = [got("chicken", "C9", "8", damaged="1"), got("rice", "R1", "26"), got("salt", "S1", "1")]
    found: set[tuple[str, str, str | None, Decimal, Decimal]] = {
        (d.kind, d.item, d.lot, d.expected, d.received) for d in discrepancies(ORDER, ASN, came)
    }
    assert found == {
        ("damaged", "chicken", "C9", Decimal(0), Decimal(1)),
        ("wrong_lot", "chicken", "C9", Decimal(0), Decimal(8)),
        ("short", "chicken", None, Decimal(10), Decimal(8)),
        ("over", "rice", None, Decimal(25), Decimal(26)),
        ("not_ordered", "salt", "S1", Decimal(0), Decimal(1)),
    }
    assert not fully_received(ORDER, came)


def test_an_asn_refuses_a_bad_sscc_check_digit() -> None:
    bad = ASN.model_dump(mode="json")
    bad["packages"][0]["sscc"] = SSCC[:-1] + "1"
    with pytest.raises(ValidationError, match="check digit should be 0"):
        Asn.model_validate(bad)
    assert ASN.package(SSCC) is not None
    assert ASN.package("0" * 18) is None
    assert [lot.expires_on for lot in ASN.lots()] == [date(2026, 12, 9), None]


def test_lead_time_is_the_mean_and_sample_sigma_of_order_to_receipt_days() -> None:
    assert lead_time([]) is None
    one = lead_time([2.0])
    assert one is not None
    assert (one.receipts, one.mean_days, one.sigma_days) == (1, 2.0, 0.0)
    stats = lead_time([2.0, 3.0, 4.0, 5.0])
    assert stats is not None
    assert (stats.receipts, stats.mean_days) == (4, 3.5)
    assert stats.sigma_days == pytest.approx(1.2909944, rel=1e-6)


def test_a_replenishment_plan_becomes_a_suggestion_with_its_causes_as_reasons() -> None:
    master = MasterData.model_validate({
        "items": [{"id": "chicken", "name": "Chicken", "base_unit": "g"}],
        "suppliers": [{"id": "dongguan", "name": "Dongguan",
                       "approved": [{"item": "chicken", "lead_time_days": 2}]}],
    })  # fmt: skip
    today = date(2026, 12, 5)
    series = DemandSeries("chicken", "site-1", today - timedelta(days=83), (1000.0,) * 84, unit="g")
    (fell,) = plan_site({"chicken": series}, master, position={"chicken": 500.0},
                        position_before={"chicken": 5000.0})  # fmt: skip
    suggestion = suggestion_of(fell, "dongguan", lang="zh")
    assert (suggestion.item, suggestion.site, suggestion.unit) == ("chicken", "site-1", "g")
    assert suggestion.qty == fell.plan.order.qty > 0
    assert suggestion.reasons
    assert all(not r.isascii() for r in suggestion.reasons)  # the Chinese wording
    (full,) = plan_site({"chicken": series}, master, position={"chicken": 90000.0},
                        position_before={"chicken": 90000.0})  # fmt: skip
    with pytest.raises(ValueError, match="chicken: the plan orders nothing"):
        suggestion_of(full, "dongguan")
