"""A batch's per-lot order and hourly rollup, computed once per batch without an object per
event, against the definitions they replace (a ``LotOrder`` folded event by event; the rollup
of ``RolledReading``s)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cloud.coldchain.rollup import hourly_sums
from cloud.ingest.coldchain import rolled, rollup_of
from cloud.ingest.lot_order import LotKey, LotOrder, lot_orders
from cloud.ingest.plan import ReadingRow
from domain.events import Event, EventDraft
from domain.ledger import STOCK_TYPES
from domain.payloads import StockConsumed, StockCounted, StockLine
from domain.projections import word_of
from tests.domain.factories import chain, reading

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def reference_lot_orders(events: list[Event]) -> dict[LotKey, LotOrder]:
    """The per-event fold ``lot_orders`` replaced."""
    orders: dict[LotKey, LotOrder] = {}
    for event in events:
        if event.type not in STOCK_TYPES:
            continue
        line = event.payload()
        assert isinstance(line, StockLine)
        key, word = (line.item, line.lot), word_of(event)
        counted = event.type == "stock.counted"
        seen = orders.get(key)
        if seen is None:
            orders[key] = LotOrder(word, word, counted, reordered=False)
            continue
        reordered = seen.reordered or word < seen.latest
        orders[key] = LotOrder(min(seen.earliest, word), max(seen.latest, word),
                               seen.counted or counted, reordered)  # fmt: skip
    return orders


@st.composite
def stock_run(draw: st.DrawFn) -> list[EventDraft]:
    drafts = []
    for _ in range(draw(st.integers(0, 30))):
        at = START + timedelta(seconds=draw(st.integers(-5, 5)))  # equal times: seq decides
        lot = draw(st.sampled_from(["L1", "L2", "L3"]))
        kind = draw(st.sampled_from(["consumed", "counted", "read"]))
        if kind == "read":
            drafts.append(reading())
        elif kind == "counted":
            line = StockCounted(item="rice", lot=lot, location="dry", qty="5", unit="g")
            drafts.append(EventDraft("stock.counted", at, line))
        else:
            line = StockConsumed(item="rice", lot=lot, location="dry", qty="1", unit="g")
            drafts.append(EventDraft("stock.consumed", at, line))
    return drafts


@settings(max_examples=200, deadline=None)
@given(stock_run())
def test_lot_orders_of_a_batch_are_the_event_by_event_fold(drafts: list[EventDraft]) -> None:
    events = chain(drafts)

    assert lot_orders(events) == reference_lot_orders(events)


def test_a_lot_seen_out_of_time_order_is_reordered_and_keeps_its_extremes() -> None:
    late, early = START + timedelta(minutes=5), START
    consume = StockConsumed(item="rice", lot="L1", location="dry", qty="1", unit="g")
    events = chain([EventDraft("stock.consumed", late, consume),
                    EventDraft("stock.consumed", early, consume)])  # fmt: skip

    (order,) = lot_orders(events).values()

    assert order.reordered
    assert (order.earliest.at, order.latest.at) == (early, late)


def test_the_rollup_of_rows_is_the_rollup_of_rolled_readings() -> None:
    at = START + timedelta(minutes=59, seconds=59, microseconds=5)
    rows: list[ReadingRow] = [
        ("a", 1, "s", "probe", "air_temp", Decimal("3.5"), "°C", "cold-1", START),
        ("a", 2, "s", "probe", "air_temp", Decimal("4.25"), "°C", "cold-1", at),
        ("a", 3, "s", "probe", "air_temp", Decimal("-280"), "°C", "cold-1", at),  # broken
        ("a", 4, "s", "probe", "air_temp", Decimal("5"), "°C", None, at),  # nowhere: not rolled
        ("a", 5, "s", "probe", "air_temp", Decimal("5"), "°C", "cold-1", at + timedelta(1)),
        ("a", 6, "s", "meter", "humidity", Decimal("61"), "%", "cold-1", START),
    ]

    lean = rollup_of(rows)

    assert lean == hourly_sums(rolled(rows))
    assert sorted(sums.count for sums in lean.values()) == [1, 1, 2]
