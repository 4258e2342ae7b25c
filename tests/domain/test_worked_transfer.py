"""docs/stock.md's worked example of a transfer between two organisations, figure by figure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from domain.events import EventDraft
from domain.ledger import fold
from domain.movements import movement_refusal
from domain.owners import LogicalWarehouse, OwnerBook, OwnerKey, stock_by_owner
from domain.payloads import (
    LotReceived,
    StockIssued,
    StockMoved,
    TransferReceived,
    TransferShipped,
)
from domain.projections import LotKey, fold_lots
from domain.quantity import Unit
from domain.transit import TransitKey, fold_transit, merge_transit
from tests.domain.factories import chain

ITEM = {"item": "chicken-marinated", "lot": "M1"}


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 12, 4, hour, minute, tzinfo=UTC)


ROUTE = {"transfer": "T-7", "to_site": "resto-1", "location": "walk-in"}
CENTRAL = [
    EventDraft("lot.received", at(8, 0), LotReceived(**ITEM, location="walk-in", qty="20",
               unit="kg", expires_on=date(2030, 1, 5))),
    EventDraft("stock.moved", at(8, 10), StockMoved(**ITEM, location="walk-in",
               to_location="line", qty="2", unit="kg")),
    EventDraft("transfer.shipped", at(9, 0), TransferShipped(**ITEM, **ROUTE, qty="8", unit="kg",
               to_org="acme-franchise", unit_price="12.40", currency="EUR",
               expected_at=at(13, 0))),
    EventDraft("transfer.shipped", at(9, 5), TransferShipped(**ITEM, **ROUTE, qty="2000",
               unit="g", expected_at=at(13, 30))),
    EventDraft("stock.issued", at(10, 0), StockIssued(**ITEM, location="line", qty="500",
               unit="g", order="O-9", kind="gift")),
]  # fmt: skip
RESTO = [
    EventDraft("transfer.received", at(13, 20), TransferReceived(**ITEM, location="dock",
               transfer="T-7", from_site="central", qty="9.5", damaged="0.2", unit="kg",
               expires_on=date(2030, 1, 5))),
]  # fmt: skip
SHELF = LogicalWarehouse(id="franchise-shelf", site="central", owner="acme-franchise",
                         locations=("shelf-f",))  # fmt: skip
BOOK = OwnerBook.of("central", "acme-central", [SHELF])
LINE = TransitKey("T-7", "chicken-marinated", "M1", "central", "resto-1", Unit.G)


def test_every_figure_of_the_worked_transfer() -> None:
    central = chain(CENTRAL, agent="central-a", site="central")
    resto = chain(RESTO, agent="resto-a", site="resto-1")
    stock = fold({}, central)
    assert {k.location: q.value for k, q in stock.items()} == {
        "walk-in": Decimal(8000), "line": Decimal(1500)}  # fmt: skip
    refused = movement_refusal(StockMoved(**ITEM, location="walk-in", to_location="shelf-f",
                                          qty="1", unit="kg"), lambda _: False, BOOK)  # fmt: skip
    assert refused is not None
    assert "acme-central" in refused
    owned = {key: qty.value for key, qty in stock_by_owner(stock, BOOK).items()}
    assert owned == {OwnerKey("acme-central", "chicken-marinated", "M1", Unit.G): Decimal(9500)}

    sent = fold_transit({}, central)[LINE]
    assert (sent.shipped, sent.in_transit, sent.expected_at) == (
        Decimal(10000), Decimal(10000), at(13, 30))  # fmt: skip
    got = fold_transit({}, resto)[LINE]
    assert (got.received, got.damaged, got.over) == (Decimal(9500), Decimal(200), Decimal(9700))
    line = merge_transit(sent, got)
    assert line == fold_transit({}, [*resto, *central])[LINE]
    assert (line.in_transit, line.short, line.over, line.to_org) == (
        0, Decimal(300), 0, "acme-franchise")  # fmt: skip
    assert {k.location: q.value for k, q in fold({}, resto).items()} == {"dock": Decimal(9500)}
    (lot,) = fold_lots({}, resto).values()
    assert (lot.key, lot.expires_on) == (LotKey("chicken-marinated", "M1"), date(2030, 1, 5))
