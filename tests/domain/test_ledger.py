from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import IncompatibleUnits
from domain.events import EventDraft
from domain.fefo import (
    LotOnHand,
    Pick,
    SkipReason,
    fefo_order,
    fefo_pick,
    fefo_plan,
    skip_reason,
)
from domain.ledger import STOCK_TYPES, StockKey, fold, lots_received, stock_keys
from domain.payloads import (
    LotBlocked,
    LotInput,
    LotReceived,
    LotReleased,
    StepConsumed,
    StockProduced,
)
from domain.projections import HoldRecord, LotKey, fold_holds, fold_lots, word_of
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


NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_fefo_plan_says_why_each_lot_was_passed_over() -> None:
    lots = [
        lot("expired", "500", date(2026, 11, 24), 1),
        LotOnHand("held", Decimal(500), date(2026, 11, 25), 2, blocked="excursion at walk-in #1"),
        LotOnHand(
            "thawing", Decimal(500), date(2026, 11, 25), 3, ready_at=NOON + timedelta(hours=2)
        ),
        lot("empty", "0", date(2026, 11, 26), 4),
        lot("good", "100", date(2026, 11, 27), 5),
        lot("later", "900", None, 6),
    ]
    plan = fefo_plan(lots, Decimal(150), now=NOON)
    assert plan.picks == (Pick("good", Decimal(100)), Pick("later", Decimal(50)))
    assert [(s.lot, s.reason) for s in plan.skipped] == [
        ("expired", SkipReason.EXPIRED),
        ("held", SkipReason.BLOCKED),
        ("thawing", SkipReason.NOT_READY),
        ("empty", SkipReason.EMPTY),
    ]
    assert plan.skipped[1].detail == "excursion at walk-in #1"
    assert plan.shortfall == 0
    # two hours on, the thawed lot is ready and comes first
    assert fefo_plan(lots, Decimal(150), now=NOON + timedelta(hours=2)).picks[0].lot == "thawing"


def test_fefo_plan_reports_what_no_lot_covers() -> None:
    plan = fefo_plan([lot("a", "50", None, 1)], Decimal(80), now=NOON)
    assert (plan.picks, plan.shortfall) == ((Pick("a", Decimal(50)),), Decimal(30))


lots_strategy = st.lists(
    st.builds(
        LotOnHand,
        lot=st.uuids().map(str),
        on_hand=st.decimals(min_value=-10, max_value=1000, places=2),
        expires_on=st.none() | st.dates(date(2026, 11, 20), date(2026, 12, 5)),
        received_seq=st.integers(1, 1000),
        blocked=st.none() | st.just("held"),
        ready_at=st.none()
        | st.just(NOON - timedelta(hours=1))
        | st.just(NOON + timedelta(hours=1)),
    ),
    max_size=8,
)


@given(lots=lots_strategy, qty=st.decimals(min_value=0, max_value=3000, places=2))
def test_fefo_plan_takes_only_usable_stock_in_fefo_order_and_never_more_than_asked(
    lots: list[LotOnHand], qty: Decimal
) -> None:
    plan = fefo_plan(lots, qty, now=NOON)
    by_name = {held.lot: held for held in lots}
    usable = [
        held for held in fefo_order(lots) if skip_reason(held, today=NOON.date(), now=NOON) is None
    ]
    assert all(pick.qty > 0 for pick in plan.picks)
    assert [pick.lot for pick in plan.picks] == [held.lot for held in usable][: len(plan.picks)]
    assert all(pick.qty <= by_name[pick.lot].on_hand for pick in plan.picks)
    taken = sum((pick.qty for pick in plan.picks), Decimal(0))
    assert taken + plan.shortfall == qty
    assert taken == min(qty, sum((held.on_hand for held in usable), Decimal(0)))
    # the date-only form books exactly the quantity whenever any lot is usable by date
    if plan.picks:
        picked = fefo_pick(lots, qty, today=NOON.date())
        assert sum((p.qty for p in picked), Decimal(0)) == qty


def test_kitchen_steps_use_stock_and_productions_make_lots_with_their_expiry() -> None:
    step = StepConsumed(
        item="chicken", lot="L1", location="wok", qty=Decimal(180), unit=Unit.G,
        recipe="kung-pao", step="wok", operation="cook", planned_qty=Decimal(180),
    )  # fmt: skip
    made = StockProduced(
        item="marinated-chicken", lot="M1", location="prep", qty=Decimal("1.2"), unit=Unit.KG,
        expires_on=date(2026, 11, 27), recipe="marinade", step="mix",
        inputs=[LotInput(item="chicken", lot="L1", location="wok", qty=Decimal(1000), unit=Unit.G)],
    )  # fmt: skip
    events = chain(
        [
            received("L1", "2", unit="kg"),
            EventDraft("stock.step_consumed", datetime(2026, 11, 25, 12, tzinfo=UTC), step),
            EventDraft("stock.produced", datetime(2026, 11, 25, 12, tzinfo=UTC), made),
        ]
    )
    balances = fold({}, events)
    assert balances[L1] == Quantity(Decimal(1820), Unit.G)
    assert balances[StockKey("marinated-chicken", "M1", "prep")] == Quantity(Decimal(1200), Unit.G)
    assert [(lot.lot, lot.expires_on) for lot in lots_received(events)] == [
        ("L1", None),
        ("M1", date(2026, 11, 27)),
    ]


# -- lots and holds (domain.projections): the rules both stores implement ----------------


def _at(draft: EventDraft, minutes: int) -> EventDraft:
    return EventDraft(draft.type, draft.at + timedelta(minutes=minutes), draft.payload)


def _receipt(lot: str, item: str, expires: date | None) -> EventDraft:
    payload = LotReceived(item=item, lot=lot, location="walk-in", qty="1", unit="l",
                          expires_on=expires)  # fmt: skip
    return EventDraft("lot.received", datetime(2026, 11, 25, 8, tzinfo=UTC), payload)


def test_a_lot_keeps_its_earliest_expiry_and_a_later_receipt_fills_a_missing_one() -> None:
    events = chain(
        [
            _receipt("L1", "milk", None),
            _at(_receipt("L1", "milk", date(2030, 1, 9)), 5),  # fills the missing expiry
            _at(_receipt("L1", "milk", date(2030, 3, 1)), 9),  # later date: never extends
            _receipt("L1", "cream", date(2030, 6, 1)),  # same code, another item
        ]
    )
    lots = fold_lots({}, events)
    assert lots[LotKey("milk", "L1")].expires_on == date(2030, 1, 9)
    assert lots[LotKey("milk", "L1")].first == word_of(events[0])
    assert lots[LotKey("cream", "L1")].expires_on == date(2030, 6, 1)


def test_a_hold_is_the_last_word_by_time_whatever_order_words_arrive_in() -> None:
    block = LotBlocked(item="milk", lot="L1", location="walk-in", reason="too warm",
                       cause="excursion:walk-in#1")  # fmt: skip
    release = LotReleased(item="milk", lot="L1", location="walk-in", disposition="release",
                          reason="checked", operator="ana")  # fmt: skip
    at = datetime(2026, 11, 25, 9, tzinfo=UTC)
    blocked, released = chain(
        [
            EventDraft("lot.blocked", at, block),
            EventDraft("lot.released", at + timedelta(1), release),
        ]
    )
    key = StockKey("milk", "L1", "walk-in")
    in_order = fold_holds({}, [blocked, released])
    reversed_arrival = fold_holds(fold_holds({}, [released]), [blocked])
    assert in_order == reversed_arrival
    assert in_order[key] == HoldRecord(key, False, None, None, word_of(released))


def test_stock_moving_types_are_one_list_that_the_board_reads_too() -> None:
    import domain.foodsafety

    moving = {"lot.received", "stock.produced", "stock.consumed", "stock.step_consumed",
              "stock.adjusted", "stock.counted", "stock.moved", "transfer.shipped",
              "transfer.received", "stock.issued", "stock.returned"}  # fmt: skip
    assert moving == STOCK_TYPES
    assert domain.foodsafety.STOCK_TYPES is STOCK_TYPES


@given(st.permutations(range(6)))
def test_lots_fold_to_the_same_record_in_any_order(order: list[int]) -> None:
    days = [None, date(2030, 5, 1), None, date(2030, 2, 1), date(2030, 4, 1), None]
    events = chain([_at(_receipt("L1", "milk", day), i) for i, day in enumerate(days)])
    shuffled = [events[i] for i in order]
    assert fold_lots({}, shuffled) == fold_lots({}, events)
    (lot,) = fold_lots({}, events).values()
    assert (lot.expires_on, lot.first) == (date(2030, 2, 1), word_of(events[0]))
