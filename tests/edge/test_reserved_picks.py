"""Reserved stock at the edge: two orders picking FEFO through the real writer, one of them
holding a reservation; the other order's pick passes over what is kept for it."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from domain.events import EventDraft
from domain.fefo import fefo_plan
from domain.ledger import StockKey
from domain.payloads import LotReceived, StockConsumed, StockIssued, StockReserved
from domain.quantity import Unit
from domain.reservations import ReservationKey
from edge_agent.store import EdgeStore
from edge_agent.store.decisions import Decided, FefoConsumption, LotsAt, StockDecision
from edge_agent.writer import GroupCommit, GroupCommitWriter
from tests.domain.factories import AT

EARLY, LATE = date(2030, 1, 1), date(2030, 3, 1)


def _received(lot: str, kg: str, expires: date, loc: str = "walk-in") -> EventDraft:
    payload = LotReceived(item="chicken", lot=lot, location=loc, qty=kg, unit="kg",
                          expires_on=expires)  # fmt: skip
    return EventDraft("lot.received", AT, payload)


def _reserved(order: str, kg: str, lot: str | None = None) -> EventDraft:
    payload = StockReserved(item="chicken", qty=kg, unit="kg", reference=order, lot=lot,
                            reserved_for="customer_order")  # fmt: skip
    return EventDraft("stock.reserved", AT, payload)


def _order_pick(order: str, grams: str) -> StockDecision:
    """An order's issue, picked FEFO in the writer, as an order desk would submit it."""

    def decide(lots_at: LotsAt) -> Decided:
        plan = fefo_plan(lots_at("chicken", "walk-in"), Decimal(grams), now=AT)
        return Decided([
            EventDraft("stock.issued", AT, StockIssued(
                item="chicken", lot=p.lot, location="walk-in", qty=p.qty, unit="g",
                order=order, kind="sale"))
            for p in plan.picks
        ])  # fmt: skip

    return StockDecision(decide, f"issue of order {order}", reference=order)


def _issued(events: list, order: str) -> dict[str, Decimal]:
    return {e.data["lot"]: Decimal(e.data["qty"]) for e in events if e.data["order"] == order}


async def test_another_orders_pick_passes_over_a_reserved_lot_and_the_owner_takes_it(
    tmp_path: Path,
) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    store.append([_received("C1", "3", EARLY), _received("C2", "5", LATE),
                  _reserved("O-1", "2", lot="C1")])  # fmt: skip
    writer = GroupCommitWriter(store, GroupCommit(max_delay_ms=50))
    producers = [  # queued before the writer runs: one group commit, O-2 first
        writer.submit([_order_pick("O-2", "2000")]),
        writer.submit([_order_pick("O-1", "2000")]),
    ]
    task = asyncio.create_task(writer.run())
    o2, o1 = await asyncio.wait_for(asyncio.gather(*producers), timeout=30)
    task.cancel()
    assert _issued(o2, "O-2") == {"C1": Decimal(1000), "C2": Decimal(1000)}  # 1 kg of C1 free
    assert _issued(o1, "O-1") == {"C1": Decimal(2000)}  # its own reservation, first to expire
    ledger = store.ledger()
    assert ledger[StockKey("chicken", "C1", "walk-in")].value == 0
    line = store.reservations()[ReservationKey("O-1", "chicken", Unit.G)]
    assert line.consumed == Decimal(2000)  # the issue against O-1 consumed its reservation


def test_a_reservation_of_any_lot_keeps_its_amount_from_a_scale_and_other_locations_count(
    tmp_path: Path,
) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    store.append([_received("C1", "3", EARLY), _received("C2", "2", LATE), _reserved("O-1", "4")])
    events = store.append([_consumed("4000")])
    # 5 kg here, 4 kg kept for O-1 from the lots FEFO reaches last: 1 kg of C1 is free, and
    # what the scale saw beyond it is still recorded (on the last lot picked), never dropped
    assert [(e.data["lot"], Decimal(e.data["qty"])) for e in events] == [("C1", Decimal(4000))]
    store.append([_received("C3", "6", LATE, loc="cold-2")])  # stock elsewhere covers O-1
    events = store.append([_consumed("1000", minutes=1)])
    assert [(e.data["lot"], Decimal(e.data["qty"])) for e in events] == [("C2", Decimal(1000))]


def _consumed(grams: str, minutes: int = 0) -> FefoConsumption:
    """A scale's use at the walk-in (grams: the unit the ledger keeps mass in), no order."""
    used = StockConsumed(item="chicken", lot="to-pick", location="walk-in", qty=grams, unit="g")
    return FefoConsumption("stock.consumed", AT + timedelta(minutes=minutes), used, AT.date())


def test_the_worked_example_of_docs_stock(tmp_path: Path) -> None:
    """docs/stock.md, "A worked example: reservations and ATP"."""
    store = EdgeStore(tmp_path / "a.db", agent="a", site="resto-1")
    m1 = StockKey("chicken", "M1", "walk-in")  # the dock of the doc: one location
    store.append([_received("M1", "9.5", EARLY), _reserved("O-21", "4", lot="M1"),
                  _reserved("O-22", "3")])  # fmt: skip
    store.append([_order_pick("O-21", "1500")])
    lines = store.reservations()
    now = AT + timedelta(hours=1)
    assert [lines[ReservationKey(o, "chicken", Unit.G)].open_qty(now) for o in ("O-21", "O-22")] \
        == [Decimal(2500), Decimal(3000)]  # fmt: skip
    events = store.append([_consumed("6000", minutes=10)])
    assert [(e.data["lot"], Decimal(e.data["qty"])) for e in events] == [("M1", Decimal(6000))]
    assert store.ledger()[m1].value == Decimal(2000)
