"""Today's prep list from a plan and the site's stock: a pure function, so every rule is
checked on hand-made lots: units, holds, expiry, FEFO order, near-expiry lots, stale plans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.quantity import Quantity, Unit
from domain.replenishment.plan_document import PlanDay, PlanLine, SitePlan
from domain.replenishment.prep import LotAtSite, LotToUse, PlanState, prep_list

AS_OF = date(2026, 12, 4)
TODAY = AS_OF + timedelta(days=1)


def plan(*lines: PlanLine, as_of: date = AS_OF) -> SitePlan:
    return SitePlan(
        site="s1", as_of=as_of, made_at=datetime(2026, 12, 5, 1, tzinfo=UTC),
        first_day=as_of + timedelta(days=1), horizon_days=7, lines=lines,
    )  # fmt: skip


def line(item: str = "rice", p50: float = 8000, p90: float = 11000, unit: str = "g") -> PlanLine:
    days = tuple(
        PlanDay(on=AS_OF + timedelta(days=n), p50=p50 + n, p90=p90 + n) for n in range(1, 8)
    )
    return PlanLine(item=item, unit=unit, method="auto_ets", group="smooth", days=days)


def lot(name: str, kg: str, expires: int | None, *, held: str | None = None,
        location: str = "dry", item: str = "rice") -> LotAtSite:  # fmt: skip
    on = TODAY + timedelta(days=expires) if expires is not None else None
    return LotAtSite(item, name, location, Quantity(Decimal(kg), Unit("kg")), on, held)


def test_today_uses_today_s_forecast_and_the_usable_stock_in_fefo_order() -> None:
    stock = [
        lot("late", "6", 30),
        lot("soon", "3", 0),  # expires today: still usable today, and first
        lot("mid", "4", 5, location="cold"),
        lot("held", "20", 10, held="supplier recall"),
        lot("gone", "9", -1),  # expired yesterday
        lot("other", "50", 9, item="oil"),
    ]

    found = prep_list("s1", plan(line()), stock, today=TODAY)

    assert (found.state, found.age_days, found.plan_last_day) == (
        PlanState.CURRENT, 1, AS_OF + timedelta(days=7)
    )  # fmt: skip
    (rice,) = found.lines
    assert (rice.p50, rice.p90) == (8001, 11001)
    assert rice.usable == Decimal(13000)
    assert (rice.held, rice.unusable) == (Decimal(20000), Decimal(9000))
    assert rice.to_get == Decimal(0)
    # 11,001 g covered by soon (3 kg, near expiry), mid (4 kg), then 4,001 g of late
    assert rice.use_first == (
        LotToUse("soon", "dry", Decimal(3000), TODAY, True),
        LotToUse("mid", "cold", Decimal(4000), TODAY + timedelta(days=5), False),
        LotToUse("late", "dry", Decimal("4001.000"), TODAY + timedelta(days=30), False),
    )


def test_what_is_short_of_p90_is_to_get_and_every_usable_lot_is_listed() -> None:
    found = prep_list("s1", plan(line()), [lot("a", "2", None), lot("b", "1", 3)], today=TODAY)

    (rice,) = found.lines
    assert rice.to_get == Decimal("8001.000")
    assert [u.lot for u in rice.use_first] == ["b", "a"]  # a lot without expiry goes last


def test_near_expiry_lots_are_listed_even_when_p90_is_already_covered() -> None:
    stock = [lot("big", "50", 0), lot("tomorrow", "1", 1), lot("later", "1", 4)]

    (rice,) = prep_list("s1", plan(line()), stock, today=TODAY).lines

    assert [(u.lot, u.near_expiry) for u in rice.use_first] == [
        ("big", True), ("tomorrow", True)
    ]  # fmt: skip


def test_an_item_with_no_stock_needs_all_of_p90_and_stock_of_another_unit_does_not_count() -> None:
    each = LotAtSite("rice", "bag", "dry", Quantity(Decimal(3), Unit("each")), None)

    (rice,) = prep_list("s1", plan(line()), [each], today=TODAY).lines

    assert (rice.usable, rice.to_get, rice.use_first) == (Decimal(0), Decimal("11001"), ())


def test_a_plan_past_its_horizon_says_so_and_expects_nothing() -> None:
    late = AS_OF + timedelta(days=8)

    found = prep_list("s1", plan(line()), [lot("a", "2", 30)], today=late)

    assert (found.state, found.age_days) == (PlanState.STALE, 8)
    (rice,) = found.lines
    assert (rice.p50, rice.p90, rice.to_get) == (None, None, None)
    assert rice.usable == Decimal(2000)  # the stock is still shown


def test_the_last_day_of_the_plan_is_still_current_and_a_future_plan_is_ahead() -> None:
    last = prep_list("s1", plan(line()), [], today=AS_OF + timedelta(days=7))
    ahead = prep_list("s1", plan(line()), [], today=AS_OF)
    none = prep_list("s1", None, [], today=TODAY)

    assert last.state is PlanState.CURRENT
    assert last.lines[0].p50 == 8007
    assert (ahead.state, ahead.lines[0].p50) == (PlanState.AHEAD, None)
    assert (none.state, none.lines, none.age_days) == (PlanState.NONE, (), None)


def test_a_plan_with_a_gap_or_a_p90_below_p50_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match=r"p90 5\.0 is below p50 6\.0"):
        PlanDay(on=TODAY, p50=6, p90=5)
    days = (PlanDay(on=TODAY, p50=1, p90=2), PlanDay(on=TODAY + timedelta(days=2), p50=1, p90=2))
    with pytest.raises(ValidationError, match="does not follow"):
        PlanLine(item="rice", unit="g", method="m", group="smooth", days=days)
    with pytest.raises(ValidationError, match="rice: days must run"):
        plan(line(), as_of=AS_OF - timedelta(days=1))
