"""A site's books: receipts at their own cost, a lot made here at what its inputs cost, a
move changing no value, a count's difference valued, shipments costed by the method."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.events import GENESIS, Event, EventDraft, seal
from domain.payloads import (
    LotInput,
    LotReceived,
    StockConsumed,
    StockCounted,
    StockMoved,
    StockProduced,
    TransferShipped,
)
from domain.valuation import site_books

D = Decimal
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def chain(*payloads: tuple[str, object]) -> list[Event]:
    events: list[Event] = []
    prev = GENESIS
    for n, (kind, payload) in enumerate(payloads, start=1):
        draft = EventDraft(kind, T0 + timedelta(minutes=n), payload)  # type: ignore[arg-type]
        event = seal(draft, agent="ck-1", site="ck", seq=n, prev=prev)
        events.append(event)
        prev = event.hash
    return events


def received(item: str, lot: str, kg: str, cost_per_kg: str | None) -> tuple[str, object]:
    priced = {"unit_cost": cost_per_kg, "currency": "CNY"} if cost_per_kg else {}
    return "lot.received", LotReceived(
        item=item, lot=lot, location="cold", qty=kg, unit="kg", **priced
    )


KITCHEN = chain(
    received("chicken", "C1", "10", "20"),  # 20 CNY/kg
    received("chicken", "C2", "10", "26"),
    received("sauce", "S1", "2", None),  # no price on the receipt: the cost price in force
    (
        "stock.produced",
        StockProduced(
            item="marinated",
            lot="M1",
            location="prep",
            qty="12",
            unit="kg",
            recipe="r",
            step="s",
            inputs=[
                LotInput(item="chicken", lot="C1", location="cold", qty="10", unit="kg"),
                LotInput(item="sauce", lot="S1", location="cold", qty="2", unit="kg"),
            ],
        ),
    ),
    (
        "stock.consumed",
        StockConsumed(item="chicken", lot="C1", location="cold", qty="10", unit="kg"),
    ),
    ("stock.consumed", StockConsumed(item="sauce", lot="S1", location="cold", qty="2", unit="kg")),
    (
        "stock.moved",
        StockMoved(
            item="marinated", lot="M1", location="prep", qty="12", unit="kg", to_location="cold"
        ),
    ),
    (
        "transfer.shipped",
        TransferShipped(
            transfer="t-1",
            item="marinated",
            lot="M1",
            location="cold",
            qty="6",
            unit="kg",
            to_site="r1",
        ),
    ),
    ("stock.counted", StockCounted(item="chicken", lot="C2", location="cold", qty="9", unit="kg")),
)
COST_PRICE = {"sauce": D(5) / 1000}  # 5 CNY/kg, per gram


def test_a_lot_made_here_is_worth_what_went_into_it_and_a_move_changes_nothing() -> None:
    books = site_books(KITCHEN[:7], "fifo", COST_PRICE.get)
    # (10 kg x 20 + 2 kg x 5) / 12 kg, per gram
    assert books.value("marinated") == D(210)
    assert (books.value("chicken"), books.value("sauce")) == (D(260), D(0))
    assert books.unvalued == set()


def test_a_shipment_is_costed_by_the_method_and_a_count_difference_too() -> None:
    # (shipped 6 kg of marinated, 1 kg of chicken lost at the count, chicken left)
    expected = {
        "fifo": (D(105), D(26), D(234)),  # C1 at 20 went into the marinade; C2 at 26 is left
        "fefo": (D(105), D(26), D(234)),  # the marinade named C1
        # the marinade took chicken at the average of 23: (10 x 23 + 2 x 5) / 12 = 20 / kg
        "weighted_average": (D(120), D(23), D(207)),
    }
    shipped, counted = KITCHEN[7], KITCHEN[8]
    for method, (shipment, loss, chicken) in expected.items():
        books = site_books(KITCHEN, method, COST_PRICE.get)  # type: ignore[arg-type]
        assert books.taken[(shipped.agent, shipped.seq)] == shipment, method
        assert books.value("marinated") == shipment, method  # the other half
        assert books.taken[(counted.agent, counted.seq)] == loss, method
        assert books.value("chicken") == chicken, method


def test_fifo_and_the_average_differ_when_lots_cost_differently() -> None:
    sold = chain(
        received("chicken", "C1", "10", "20"),
        received("chicken", "C2", "10", "26"),
        (
            "stock.consumed",
            StockConsumed(item="chicken", lot="C2", location="cold", qty="5", unit="kg"),
        ),
    )
    cost = {m: site_books(sold, m, COST_PRICE.get).taken[("ck-1", 3)] for m in
            ("fifo", "weighted_average", "fefo")}  # type: ignore[misc]  # fmt: skip
    assert cost == {"fifo": D(100), "weighted_average": D(115), "fefo": D(130)}


def test_an_item_without_any_cost_is_listed_and_counts_at_zero() -> None:
    books = site_books(chain(received("salt", "X", "1", None)), "fifo", COST_PRICE.get)
    assert (books.value("salt"), books.unvalued) == (D(0), {"salt"})
