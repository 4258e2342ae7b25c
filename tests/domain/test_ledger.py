from datetime import date
from decimal import Decimal

import pytest

from domain.errors import IncompatibleUnits
from domain.fefo import LotOnHand, Pick, fefo_pick
from domain.ledger import StockKey, fold, stock_keys
from domain.quantity import Quantity, Unit
from tests.domain.factories import adjusted, chain, consumed, counted, reading, received

L1 = StockKey("chicken", "L1", "wok")
L2 = StockKey("chicken", "L2", "wok")


def test_fold_receives_consumes_adjusts_and_counts_in_grams() -> None:
    events = chain(
        [
            received("L1", "2", unit="kg"),
            received("L2", "500"),
            consumed("L1", "180"),
            adjusted("L1", "-20", reason="dropped"),
            counted("L2", "480"),
            reading(),
        ]
    )
    assert fold({}, events) == {
        L1: Quantity(Decimal("1800"), Unit.G),
        L2: Quantity(Decimal("480"), Unit.G),
    }


def test_fold_continues_from_given_balances_without_touching_them() -> None:
    start = {L1: Quantity(Decimal(1000), Unit.G)}
    assert fold(start, chain([consumed("L1", "0.25", unit="kg")]))[L1].value == Decimal("750")
    assert start[L1].value == 1000


def test_fold_in_two_runs_equals_fold_in_one() -> None:
    events = chain([received("L1", "900"), consumed("L1", "100"), counted("L1", "790")])
    assert fold(fold({}, events[:1]), events[1:]) == fold({}, events)


def test_stock_keys_skip_events_that_do_not_move_stock() -> None:
    assert stock_keys(chain([reading(), consumed("L2", "1")])) == {L2}


def test_mass_posting_on_a_volume_balance_fails() -> None:
    events = chain([received("L1", "1", unit="l"), consumed("L1", "100", unit="g")])
    with pytest.raises(IncompatibleUnits):
        fold({}, events)


def lot(name: str, on_hand: str, expires: date | None, seq: int) -> LotOnHand:
    return LotOnHand(name, Decimal(on_hand), expires, seq)


def test_fefo_takes_earliest_expiry_first_and_skips_expired_and_empty() -> None:
    lots = [
        lot("late", "500", date(2026, 12, 9), 1),
        lot("none", "500", None, 2),
        lot("expired", "500", date(2026, 11, 24), 3),
        lot("soon", "100", date(2026, 11, 26), 4),
        lot("empty", "0", date(2026, 11, 25), 5),
    ]
    picks = fefo_pick(lots, Decimal(300), today=date(2026, 11, 25))
    assert picks == [Pick("soon", Decimal(100)), Pick("late", Decimal(200))]


def test_fefo_never_picks_a_blocked_lot_even_if_it_expires_first() -> None:
    held = LotOnHand("held", Decimal(500), date(2026, 11, 26), 1, blocked="excursion")
    picks = fefo_pick(
        [held, lot("later", "500", date(2026, 12, 1), 2)], Decimal(100), today=date(2026, 11, 25)
    )
    assert picks == [Pick("later", Decimal(100))]
    assert fefo_pick([held], Decimal(100), today=date(2026, 11, 25)) == []


def test_fefo_books_what_no_lot_covers_on_the_last_lot() -> None:
    picks = fefo_pick([lot("a", "50", None, 1)], Decimal(80), today=date(2026, 11, 25))
    assert picks == [Pick("a", Decimal(80))]
    assert fefo_pick([], Decimal(80), today=date(2026, 11, 25)) == []
