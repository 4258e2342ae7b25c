"""Stock that moves: the payloads refuse what cannot be, the ledger posts each type, and
the checks taken before sealing keep holds and owners whole."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.events import EventDraft, parse_event
from domain.kitchen.variance import variance
from domain.ledger import StockKey, fold, postings
from domain.movements import movement_refusal
from domain.owners import LogicalWarehouse, OwnerBook
from domain.payloads import StockAdjusted, StockMoved, TransferReceived, TransferShipped
from domain.quantity import Quantity, Unit
from tests.domain.factories import AT, chain, received
from tests.domain.movement_drafts import (
    LINE,
    issued,
    moved,
    received_transfer,
    returned,
    shipped,
)


def key(location: str) -> StockKey:
    return StockKey("chicken", "L1", location)


def test_a_move_to_where_the_stock_already_is_is_refused_naming_the_location() -> None:
    with pytest.raises(ValidationError, match="to_location is location \\('wok'\\)"):
        StockMoved(**LINE, location="wok", to_location="wok", qty="1")


def test_a_price_needs_its_currency_and_a_receipt_needs_something() -> None:
    base = {**LINE, "location": "walk-in", "transfer": "T1", "qty": "1", "to_site": "r1"}
    with pytest.raises(ValidationError, match="unit_price and currency go together"):
        TransferShipped(**base, unit_price="2.5")
    with pytest.raises(ValidationError, match="pattern"):
        TransferShipped(**base, unit_price="2.5", currency="euro")
    priced = TransferShipped(**base, unit_price="2.5", currency="EUR")
    assert (priced.unit_price, priced.currency) == (Decimal("2.5"), "EUR")
    with pytest.raises(ValidationError, match="a receipt of nothing"):
        TransferReceived(**LINE, location="dock", transfer="T1", from_site="c", qty="0")
    all_damaged = TransferReceived(**LINE, location="dock", transfer="T1", from_site="c",
                                   qty="0", damaged="3")  # fmt: skip
    assert all_damaged.damaged == 3


def test_issue_kinds_and_return_reasons_are_closed_lists() -> None:
    with pytest.raises(ValidationError, match="kind"):
        issued("1", kind="donation")
    with pytest.raises(ValidationError, match="reason"):
        returned("1", reason="changed_mind")


def test_an_adjustment_stored_before_codes_still_parses_and_other_must_say_more() -> None:
    stored = {**LINE, "location": "wok", "qty": "-5", "reason": "dropped"}  # as sealed then
    legacy = StockAdjusted.model_validate(stored)
    assert legacy.code is None
    assert legacy.model_dump(mode="json", exclude_none=True) == stored  # its hash still holds
    coded = StockAdjusted(**LINE, location="wok", qty="-5", reason="fell", code="damaged")
    assert coded.code == "damaged"
    with pytest.raises(ValidationError, match="code"):
        StockAdjusted(**LINE, location="wok", qty="-5", reason="fell", code="lost")
    with pytest.raises(ValidationError, match="coded 'other' needs a reason"):
        StockAdjusted(**LINE, location="wok", qty="-5", reason="Other", code="other")


def test_every_movement_posts_where_it_says() -> None:
    events = chain([
        received("L1", "1000", loc="walk-in"),
        moved("300"),  # walk-in -> wok
        shipped("200"),  # leaves walk-in for another site
        issued("100"),  # leaves walk-in for an order
        returned("40"),  # comes back into the returns cage
        received_transfer("500", damaged="20"),  # arrives at the dock; damaged not stock
    ])  # fmt: skip
    (out, into) = postings(events[1])
    assert (out.key, out.qty) == (key("walk-in"), Quantity(Decimal(-300), Unit.G))
    assert (into.key, into.qty) == (key("wok"), Quantity(Decimal(300), Unit.G))
    balances = fold({}, events)
    assert {k.location: q.value for k, q in balances.items()} == {
        "walk-in": Decimal(400), "wok": Decimal(300), "returns": Decimal(40),
        "dock": Decimal(500),
    }  # fmt: skip


def test_a_sealed_move_reads_back_with_both_postings() -> None:
    (event,) = chain([moved("2")])
    again = parse_event(event.to_dict())
    assert postings(again) == postings(event)
    assert len(postings(again)) == 2


HELD = {key("walk-in"), key("quarantine")}


def is_held(stock: StockKey) -> bool:
    return stock in HELD


def test_held_stock_may_not_leave_or_move_out_of_its_hold() -> None:
    for draft in (shipped("1"), issued("1")):
        refusal = movement_refusal(draft.payload, is_held)
        assert refusal is not None
        assert "held" in refusal
        assert "walk-in" in refusal
    to_wok = movement_refusal(moved("1").payload, is_held)
    assert to_wok is not None
    assert "block it at wok first" in to_wok
    assert movement_refusal(moved("1", to="quarantine").payload, is_held) is None
    assert movement_refusal(moved("1", loc="wok", to="line").payload, is_held) is None
    assert movement_refusal(issued("1", loc="wok").payload, is_held) is None


def test_a_move_between_two_owners_must_be_a_transfer() -> None:
    shelf = LogicalWarehouse(id="franchise", site="site-1", owner="acme-franchise",
                             locations=("shelf-f",))  # fmt: skip
    book = OwnerBook.of("site-1", "acme-central", [shelf])
    refusal = movement_refusal(moved("1", to="shelf-f").payload, lambda _: False, book)
    assert refusal is not None
    assert "transfer to_org acme-franchise" in refusal
    assert movement_refusal(moved("1").payload, lambda _: False, book) is None


def test_movements_are_explained_stock_in_the_variance_report() -> None:
    """Moves, shipments, issues and returns change stock with an event that says where: the
    variance report counts them as transferred, never as unexplained loss or gain."""
    drafts = [received("L1", "1000", loc="walk-in"), moved("300"), shipped("200"),
              issued("100"), returned("40"), received_transfer("500", damaged="20")]  # fmt: skip
    events = chain([EventDraft(d.type, AT + timedelta(minutes=i), d.payload)
                    for i, d in enumerate(drafts)])  # fmt: skip
    rows = variance(events, start=AT - timedelta(seconds=1), end=AT + timedelta(hours=1))
    by_place = {row.location: (row.moved.transferred, row.unexplained) for row in rows}
    assert by_place == {
        "walk-in": (Decimal(-600), 0), "wok": (Decimal(300), 0),
        "returns": (Decimal(40), 0), "dock": (Decimal(500), 0),
    }  # fmt: skip
