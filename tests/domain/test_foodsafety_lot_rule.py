"""The food-safety board dates lots by the one lot rule (``domain.projections``): earliest
expiry of any receipt, lots known by item and lot code. It used to keep its own map, where
the last receipt won: a second delivery of the same lot with a later date (or none) took a
lot that expires today off the board, while the stock views still said it expires today."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.events import EventDraft
from domain.foodsafety import board
from domain.payloads import LotReceived
from domain.projections import LotKey, fold_lots
from tests.domain.factories import chain

DAY = date(2026, 11, 25)
MORNING = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def receipt(item: str, lot: str, expires: date | None, hours: int) -> EventDraft:
    payload = LotReceived(
        item=item, lot=lot, location="walk-in", qty="500", unit="g", expires_on=expires
    )
    return EventDraft("lot.received", MORNING + timedelta(hours=hours), payload)


def test_a_later_receipt_of_a_lot_neither_extends_nor_blanks_its_expiry_on_the_board() -> None:
    events = chain(
        [
            receipt("chicken", "L1", DAY, 0),  # expires today
            receipt("chicken", "L1", DAY + timedelta(days=5), 1),  # relabelled later date
            receipt("cream", "L2", DAY - timedelta(days=1), 0),  # expired yesterday
            receipt("cream", "L2", None, 2),  # a second receipt with no date
        ]
    )
    shown = {(a.item, a.lot): (a.expires_on, a.status, a.on_hand) for a in board(events, DAY).lots}
    assert shown == {
        ("chicken", "L1"): (DAY, "near_expiry", 1000),
        ("cream", "L2"): (DAY - timedelta(days=1), "expired", 1000),
    }
    lots = fold_lots({}, events)  # the stores' rule says the same dates
    assert lots[LotKey("chicken", "L1")].expires_on == DAY
    assert lots[LotKey("cream", "L2")].expires_on == DAY - timedelta(days=1)


def test_one_lot_code_of_two_items_keeps_each_items_own_expiry_on_the_board() -> None:
    """Milk and cream both printed ``L1``: each keeps its own date (the milk/cream case)."""
    events = chain(
        [
            receipt("milk", "L1", DAY, 0),
            receipt("cream", "L1", DAY + timedelta(days=30), 1),
        ]
    )
    shown = {(a.item, a.lot): a.expires_on for a in board(events, DAY).lots}
    assert shown == {("milk", "L1"): DAY}
