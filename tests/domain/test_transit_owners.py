"""In-transit lines (a merge in any order) and stock by owner (a projection of the ledger)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.ledger import fold
from domain.owners import (
    LogicalWarehouse,
    OwnerBook,
    OwnerKey,
    OwnershipInvalid,
    owned_postings,
    reassignment_refusal,
    stock_by_owner,
)
from domain.quantity import Unit
from domain.transit import TransitKey, fold_transit, merge_transit
from tests.domain.factories import AT, chain, received
from tests.domain.movement_drafts import moved, received_transfer, shipped

LINE_KEY = TransitKey("T1", "chicken", "L1", "central", "resto-1", Unit.G)


def both_halves(sender: list, receiver: list) -> dict:
    """The cloud's view: the sender's and the receiver's events folded together."""
    shipped_events = chain(sender, agent="central-a", site="central")
    received_events = chain(receiver, agent="resto-a", site="resto-1")
    return fold_transit({}, [*shipped_events, *received_events])


def test_a_line_travels_then_arrives_short_with_damage() -> None:
    eta = AT + timedelta(hours=4)
    travelling = both_halves([shipped("10", unit="kg", expected_at=eta)], [])
    line = travelling[LINE_KEY]
    assert (line.shipped, line.in_transit, line.short, line.expected_at) == (
        Decimal(10000), Decimal(10000), 0, eta)  # fmt: skip
    arrived = both_halves([shipped("10", unit="kg")], [received_transfer("9500", damaged="300")])
    line = arrived[LINE_KEY]
    assert (line.received, line.damaged, line.in_transit, line.short, line.over) == (
        Decimal(9500), Decimal(300), 0, Decimal(200), 0)  # fmt: skip


def test_over_delivery_and_a_receipt_before_its_shipment_never_go_negative() -> None:
    early = both_halves([], [received_transfer("600")])[LINE_KEY]
    assert (early.in_transit, early.short, early.over) == (0, 0, Decimal(600))
    over = both_halves([shipped("500")], [received_transfer("600")])[LINE_KEY]
    assert (over.in_transit, over.short, over.over) == (0, 0, Decimal(100))


def test_lines_of_another_unit_or_route_are_their_own() -> None:
    lines = both_halves([shipped("1", unit="l"), shipped("1", to_site="resto-2")], [])
    assert sorted((k.to_site, k.unit) for k in lines) == [("resto-1", Unit.ML),
                                                          ("resto-2", Unit.G)]  # fmt: skip


parts = st.lists(
    st.one_of(
        st.builds(lambda q, h: ("s", str(q), h), st.integers(1, 900), st.integers(0, 48)),
        st.builds(lambda q, d: ("r", str(q), str(d)), st.integers(0, 900), st.integers(1, 50)),
    ),
    min_size=1,
    max_size=8,
)


@given(parts, st.randoms(use_true_random=False))
def test_in_transit_is_the_same_whatever_order_the_halves_arrive_in(spec, rnd) -> None:
    sender = [shipped(q, expected_at=AT + timedelta(hours=h)) for kind, q, h in spec if kind == "s"]
    receiver = [received_transfer(q, damaged=d) for kind, q, d in spec if kind == "r"]
    events = [*chain(sender, agent="central-a", site="central"),
              *chain(receiver, agent="resto-a", site="resto-1")]  # fmt: skip
    shuffled = list(events)
    rnd.shuffle(shuffled)
    whole = fold_transit({}, events)
    assert fold_transit({}, shuffled) == whole
    # the cloud merges batches folded apart: any split gives the same line
    merged = fold_transit({}, events[: len(events) // 2])
    rest = fold_transit({}, events[len(events) // 2 :])
    for k, part in rest.items():
        merged[k] = merge_transit(merged.get(k), part)
    assert merged == whole


FRANCHISE = LogicalWarehouse(id="franchise-shelves", site="site-1", owner="acme-franchise",
                             locations=("shelf-f1", "shelf-f2"))  # fmt: skip
BOOK = OwnerBook.of("site-1", "acme-central", [FRANCHISE])


def test_stock_by_owner_sums_each_owners_locations() -> None:
    events = chain([
        received("L1", "1000", loc="walk-in"),
        received("L1", "200", loc="shelf-f1"),
        received("L1", "50", loc="shelf-f2"),
        moved("100", loc="walk-in", to="wok"),
    ])  # fmt: skip
    owned = stock_by_owner(fold({}, events), BOOK)
    assert {k: q.value for k, q in owned.items()} == {
        OwnerKey("acme-central", "chicken", "L1", Unit.G): Decimal(1000),
        OwnerKey("acme-franchise", "chicken", "L1", Unit.G): Decimal(250),
    }
    assert [p.owner for p in owned_postings(events[2], BOOK)] == ["acme-franchise"]


def test_a_location_claimed_twice_or_passed_on_with_stock_is_refused() -> None:
    other = LogicalWarehouse(id="other", site="site-1", owner="x", locations=("shelf-f2",))
    with pytest.raises(OwnershipInvalid, match="'shelf-f2' of site 'site-1' is in two"):
        OwnerBook.of("site-1", "acme-central", [FRANCHISE, other])
    balances = fold({}, chain([received("L1", "5", loc="shelf-f1")]))
    refusal = reassignment_refusal(BOOK, "shelf-f1", "acme-central", balances)
    assert refusal is not None
    assert "holds stock of 'acme-franchise' (chicken L1 5 g)" in refusal
    assert reassignment_refusal(BOOK, "shelf-f2", "acme-central", balances) is None
