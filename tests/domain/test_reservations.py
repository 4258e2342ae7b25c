"""Reservations as a fold: sums that merge in any order, the first end by time, lapsing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.events import EventDraft
from domain.payloads import StockIssued, StockReserved, StockUnreserved
from domain.quantity import Unit
from domain.reservations import (
    ReservationKey,
    fold_reservations,
    merge_reservation,
    reservation_parts,
)
from tests.domain.factories import AT, chain

KEY = ReservationKey("O-1", "chicken", Unit.G)


def reserved(qty: str, unit: str = "kg", *, lot: str | None = None, minutes: int = 0,
             until: int | None = None) -> EventDraft:  # fmt: skip
    lapses = None if until is None else AT + timedelta(minutes=until)
    payload = StockReserved(item="chicken", qty=qty, unit=unit, reference="O-1", lot=lot,
                            until=lapses, reserved_for="customer_order")  # fmt: skip
    return EventDraft("stock.reserved", AT + timedelta(minutes=minutes), payload)


def issued(qty: str, order: str = "O-1") -> EventDraft:
    payload = StockIssued(item="chicken", lot="C1", location="walk-in", qty=qty, unit="g",
                          order=order, kind="sale")  # fmt: skip
    return EventDraft("stock.issued", AT, payload)


def unreserved(reason: str, minutes: int) -> EventDraft:
    payload = StockUnreserved(item="chicken", unit="kg", reference="O-1", reason=reason)
    return EventDraft("stock.unreserved", AT + timedelta(minutes=minutes), payload)


def test_an_issue_against_the_reference_consumes_and_another_order_does_not() -> None:
    lines = fold_reservations({}, chain([reserved("2"), issued("500"), issued("700", "O-2")]))
    line = lines[KEY]
    assert (line.reserved, line.consumed, line.open_qty(AT)) == (
        Decimal(2000), Decimal(500), Decimal(1500))  # fmt: skip
    assert lines[ReservationKey("O-2", "chicken", Unit.G)].open_qty(AT) == 0


def test_the_first_end_by_time_stands_whatever_order_it_comes_in() -> None:
    events = chain([reserved("1"), unreserved("expired", 30), unreserved("cancelled", 10)])
    line = fold_reservations({}, events)[KEY]
    assert line.ended is not None
    assert (line.ended.reason, line.ended.word.seq, line.open_qty(AT)) == ("cancelled", 3, 0)


def test_a_reservation_lapses_at_until_and_an_overdrawn_one_promises_nothing() -> None:
    line = fold_reservations({}, chain([reserved("1", until=60), issued("1500")]))[KEY]
    assert line.open_qty(AT) == 0  # consumed beyond what was reserved: never negative
    line = fold_reservations({}, chain([reserved("1", until=60)]))[KEY]
    assert line.open_qty(AT + timedelta(minutes=59)) == Decimal(1000)
    assert line.open_qty(AT + timedelta(minutes=60)) == 0


def test_a_reservation_in_a_unit_of_another_dimension_is_another_line() -> None:
    with pytest.raises(ValueError, match="qty"):
        StockReserved(item="x", qty="0", unit="g", reference="r", reserved_for="transfer")
    lines = fold_reservations({}, chain([reserved("1"), reserved("2", unit="each")]))
    assert sorted(k.unit for k in lines) == [Unit.EACH, Unit.G]


DRAFTS = [reserved("1", lot="C2", until=30), reserved("500", unit="g", lot="C1", until=90),
          issued("300"), unreserved("expired", 40), unreserved("consumed", 20),
          reserved("250", unit="g")]  # fmt: skip


@given(st.permutations(list(range(len(DRAFTS)))))
def test_the_merge_gives_one_line_in_any_order(order: list[int]) -> None:
    parts = reservation_parts(chain(DRAFTS))
    merged = None
    for i in order:
        merged = merge_reservation(merged, parts[i])
    assert merged is not None
    assert (merged.reserved, merged.consumed, merged.lot) == (Decimal(1750), Decimal(300), "C1")
    assert merged.until == AT + timedelta(minutes=90)
    assert merged.ended is not None
    assert merged.ended.reason == "consumed"
