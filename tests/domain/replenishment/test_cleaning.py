"""Demand cleaning: what is kept out of demand, by which reason, and stock-out days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.replenishment.cleaning import StockRecord, clean_demand

DAY = date(2026, 1, 12)


def rec(type_: str, day: int, hour: int = 12, **data: Any) -> StockRecord:
    at = datetime(DAY.year, DAY.month, DAY.day, hour, tzinfo=UTC) + timedelta(days=day)
    body = {"item": "rice", "lot": "L1", "location": "dry", "unit": "kg", **data}
    return StockRecord("site-1", type_, at, body)


RECORDS = [
    rec("lot.received", 0, 6, qty="20"),
    rec("stock.issued", 0, qty="3", order="o1", kind="sale"),
    rec("stock.issued", 0, 13, qty="1", order="o2", kind="gift"),
    rec("stock.issued", 0, 14, qty="0.5", order="o3", kind="free"),
    rec("stock.issued", 1, qty="2", order="o4", kind="channel_transfer"),
    rec("stock.step_consumed", 1, qty="4", recipe="r", step="s", operation="cook", planned_qty="4"),
    rec("transfer.shipped", 1, 15, qty="5", transfer="t1", to_site="site-2"),
    rec("stock.returned", 1, 16, qty="1", order="o1", reason="wrong_shipment"),
    rec("stock.returned", 1, 17, qty="0.25", order="o1", reason="quality"),
    rec("stock.consumed", 2, qty="5.75"),  # on hand reaches 0 here
    rec("lot.received", 4, 8, qty="10"),
    rec("stock.consumed", 4, 9, qty="1"),
]


def test_gifts_transfers_and_returns_are_kept_out_of_demand_each_by_its_reason() -> None:
    found = clean_demand(RECORDS, DAY, DAY + timedelta(days=5))
    series = found.series[("rice", "site-1")]
    assert series.unit == "g"
    assert series.qty[:3] == (3000.0, 3000.0, 5750.0)  # sale; 4 used − 1 wrong shipment; used
    (line,) = found.report
    # raw: every outflow (3+1+0.5+2+4+5+5.75+1) less both returns (1.25)
    assert line.raw == pytest.approx(21_000.0)
    assert line.cleaned == pytest.approx(12_750.0)
    assert line.by_reason == {
        "channel_transfer": -2000.0,
        "free": -500.0,
        "gift": -1000.0,
        "return: quality": 250.0,
        "transfer to another site": -5000.0,
    }
    # what the reasons move is the whole difference (a wrong shipment is off both readings)
    assert line.raw + sum(line.by_reason.values()) == pytest.approx(line.cleaned)


def test_stock_out_days_are_censored_not_zero_demand() -> None:
    found = clean_demand(RECORDS, DAY, DAY + timedelta(days=5))
    series = found.series[("rice", "site-1")]
    # empty from the afternoon of day 2 until the delivery on day 4: days 2, 3 and 4
    assert series.censored == (False, False, True, True, True, False)
    assert found.report[0].censored_days == 3


def test_holidays_and_promotions_become_known_features() -> None:
    found = clean_demand(
        RECORDS,
        DAY,
        DAY + timedelta(days=2),
        holidays=frozenset({DAY + timedelta(days=1)}),
        promotions={"rice": frozenset({DAY})},
    )
    series = found.series[("rice", "site-1")]
    assert series.holiday == (False, True, False)
    assert series.promo == (True, False, False)


def test_an_empty_window_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="no days between"):
        clean_demand(RECORDS, DAY, DAY - timedelta(days=1))
