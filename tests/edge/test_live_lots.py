"""Decisions read the live lots alone (edge migration 10): the ledger keeps a row for every
lot a place ever had, and the used-up ones, which no decision can take from, pile up through
a day. Real SQLite files, the real store and its upgrade from a store at migration 9."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

from domain.events import EventDraft
from domain.fefo import LotOnHand
from domain.ledger import StockKey
from domain.payloads import LotReceived, StockConsumed
from domain.quantity import Quantity, Unit
from edge_agent.store import EdgeStore
from edge_agent.store.decisions import UNKNOWN_LOT, Decided, FefoConsumption, StockDecision
from edge_agent.store.migrate import migrate
from edge_agent.store.migrations import MIGRATIONS
from edge_agent.store.reserved_stock import _LOTS, LIVE
from tests.domain.factories import AT

EXPIRES = date(2030, 1, 1)


def _received(lot: str, grams: int) -> EventDraft:
    payload = LotReceived(item="chicken", lot=lot, location="wok", qty=Decimal(grams),
                          unit=Unit.G, expires_on=EXPIRES)  # fmt: skip
    return EventDraft("lot.received", AT, payload)


def _used(grams: int) -> FefoConsumption:
    payload = StockConsumed(item="chicken", lot="to-pick", location="wok", qty=Decimal(grams),
                            unit=Unit.G)  # fmt: skip
    return FefoConsumption("stock.consumed", AT, payload, day=AT.date())


def _seen_by_a_decision(store: EdgeStore) -> list[LotOnHand]:
    """The lots of chicken at the wok as a decision in the writer is given them."""
    seen: list[list[LotOnHand]] = []

    def look(lots_at: object) -> Decided:
        assert callable(lots_at)
        seen.append(lots_at("chicken", "wok"))
        return Decided([])

    store.append([StockDecision(look, "a look at the wok's chicken")])
    return seen[-1]


def test_a_decision_is_given_the_live_lots_and_none_of_the_used_up(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "s.db", agent="a", site="s")
    store.append([_received(f"C{n:02d}", 1000) for n in range(12)])
    store.append([_used(11_000), _used(250)])  # eleven cases used up, a quarter of the last
    store.append([_received("C99", 1000)])

    assert [(lot.lot, lot.on_hand) for lot in _seen_by_a_decision(store)] == [
        ("C11", Decimal(750)),
        ("C99", Decimal(1000)),
    ]
    every = store.lots_on_hand("chicken", "wok")  # the store's own read keeps them all
    assert len(every) == 13
    assert sum(lot.on_hand == 0 for lot in every) == 11


def test_what_no_live_lot_covers_is_booked_as_before(tmp_path: Path) -> None:
    """Use beyond the stock goes to the last lot picked, or to ``unknown`` when every lot is
    used up: leaving used-up lots out of the read changes no pick."""
    store = EdgeStore(tmp_path / "s.db", agent="a", site="s")
    store.append([_received("C1", 1000), _received("C2", 1000)])
    (over,) = [e for e in store.append([_used(1000), _used(1500)]) if e.data["lot"] == "C2"]
    assert Decimal(over.data["qty"]) == Decimal(1500)  # C1 was empty: all of it on C2
    (unknown,) = store.append([_used(300)])
    assert unknown.data["lot"] == UNKNOWN_LOT
    assert store.ledger()[StockKey("chicken", "C2", "wok")] == Quantity(Decimal(-500), Unit.G)
    assert _seen_by_a_decision(store) == []


def _store_at_migration_9(path: Path) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:9])
    conn.executemany(
        "INSERT INTO ledger (item, lot, location, qty, unit, updated_seq)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [("chicken", "C1", "wok", "0", "g", 2), ("chicken", "C2", "wok", "-250", "g", 3),
         ("chicken", "C3", "wok", "800", "g", 3), ("rice", "R1", "pass", "1E-25", "g", 4)],
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO lots (item, lot, expires_on, received_seq, received_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [("chicken", lot, "2030-01-01", 1, "2026-11-25T12:00:00Z") for lot in ("C1", "C2", "C3")],
    )
    conn.close()
    return path


def test_a_store_at_migration_9_is_upgraded_in_place_and_keeps_every_balance(
    tmp_path: Path,
) -> None:
    store = EdgeStore(_store_at_migration_9(tmp_path / "v9.db"), agent="a", site="s")
    assert store.migrated[0] == "0010_live_balances"
    assert store.ledger() == {
        StockKey("chicken", "C1", "wok"): Quantity(Decimal(0), Unit.G),
        StockKey("chicken", "C2", "wok"): Quantity(Decimal(-250), Unit.G),
        StockKey("chicken", "C3", "wok"): Quantity(Decimal(800), Unit.G),
        StockKey("rice", "R1", "pass"): Quantity(Decimal("1E-25"), Unit.G),
    }
    assert [lot.lot for lot in _seen_by_a_decision(store)] == ["C3"]
    assert [lot.lot for lot in store.lots_on_hand("chicken", "wok")] == ["C1", "C2", "C3"]
    with sqlite3.connect(tmp_path / "v9.db") as conn:
        plan = conn.execute(f"EXPLAIN QUERY PLAN {_LOTS} AND {LIVE}", ("chicken", "wok"))
        assert "USING INDEX ledger_live" in plan.fetchone()[3]
        (live,) = conn.execute(
            "SELECT COUNT(*) FROM ledger INDEXED BY ledger_live WHERE item = ? AND location = ?"
            ' AND CAST("qty" AS REAL) > 0',
            ("chicken", "wok"),
        ).fetchone()
    conn.close()
    assert live == 1  # the index holds the live row alone
