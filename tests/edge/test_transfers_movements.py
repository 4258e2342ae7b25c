"""Held stock never leaves its hold, checked where the store seals a movement: a move to a
location where the lot is not held, an issue and a shipment of held stock are refused with
why and nothing of their batch is written, a hold in the same batch counts, and a move to a
location where the lot is held too goes through."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.events import EventDraft
from domain.payloads import LotBlocked, LotReceived, StockIssued, StockMoved, TransferShipped
from edge_agent.store import EdgeStore
from edge_agent.store.movement_rules import MovementRefused

NOW = datetime.now(UTC) - timedelta(minutes=5)
HELD = {"item": "cream", "lot": "K1"}


def blocked(location: str) -> EventDraft:
    return EventDraft("lot.blocked", NOW, LotBlocked(**HELD, location=location, reason="recall"))


def test_held_stock_is_kept_in_its_hold_where_the_store_seals_it(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a1", site="s1")
    received = LotReceived(**HELD, location="cold-1", qty="4", unit="l")
    store.append([EventDraft("lot.received", NOW, received)])
    moved = StockMoved(**HELD, location="cold-1", to_location="line", qty="1", unit="l")
    issued = StockIssued(**HELD, location="cold-1", qty="1", unit="l", order="o1", kind="sale")
    shipped = TransferShipped(**HELD, location="cold-1", qty="1", unit="l", transfer="t1",
                              to_site="s2")  # fmt: skip
    cases = [
        ("stock.moved", moved, "may move only to a location where it is held too"),
        ("stock.issued", issued, "is held and may not be issued"),
        ("transfer.shipped", shipped, "is held and may not be shipped"),
    ]
    before = store.head
    for kind, payload, why in cases:
        with pytest.raises(MovementRefused, match=why):
            store.append([blocked("cold-1"), EventDraft(kind, NOW, payload)])  # same batch
        assert store.head == before  # nothing of the batch was written
    store.append([blocked("cold-1"), blocked("quarantine")])
    quarantined = StockMoved(**HELD, location="cold-1", to_location="quarantine", qty="4",
                             unit="l")  # fmt: skip
    store.append([EventDraft("stock.moved", NOW, quarantined)])
    balances = {k.location: q.value for k, q in store.ledger().items()}
    assert balances == {"cold-1": 0, "quarantine": 4000}
    store.close()
