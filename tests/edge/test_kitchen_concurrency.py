"""Two stations tapping steps done while stock scales weigh the same chicken: the kitchen's
deductions are decided in the writer, so no producer takes stock another already took.

Thirty-six small lots of marinated chicken at the wok, and a held one that expires first, are
drawn down at once by the wok's and the pass's taps (one kitchen, its steps one at a time)
and by three stock scales, all through the real sink, group-commit writer and SQLite store.
Whatever the interleaving, every consumption must come from the earliest-expiring unheld lot
that still had stock when it was written, and no lot may go below zero. Picked from the
store's committed lots instead (before the decision moved into the writer), a tap reads
lots a queued scale drop is about to empty, and takes them again.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from domain.events import Event, EventDraft
from domain.observation import Observation
from domain.payloads import LotBlocked, LotReceived
from domain.quantity import Unit
from edge_agent.kitchen.messages import KdsTap, OrderLine, PosOrder
from edge_agent.kitchen.pipeline import KitchenPipeline
from edge_agent.pipeline.scale import ScaleBinding, ScaleTracker
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from tests.edge.kitchen_setup import kitchen_parts
from tests.edge.test_kitchen_clocks import MONDAY, RICE, pda, receive

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CHICKEN = "chicken-marinated"
LOTS = 36
LOT_G = Decimal(150)
ORDERS = 12  # 180 g of chicken each: 2,160 g
SCALES = 3
DROPS = 8  # of 130 g each, per scale: 3,120 g; 5,280 g in all, of 5,400 (and a held lot)
HELD = "H0"


def _lot(n: int) -> str:
    return f"M{n:02d}"


def _expiry(lot: str) -> date:
    """The held lot expires first; the others one day after another, in name order."""
    return date(2026, 12, 1) + timedelta(days=0 if lot == HELD else int(lot[1:]) + 1)


def _stock_up(store: EdgeStore) -> None:
    chicken = [(CHICKEN, lot, "wok", LOT_G) for lot in [HELD, *map(_lot, range(LOTS))]]
    others = [
        ("peanuts", "P1", "wok", Decimal(2000)),
        ("dried-chili", "D1", "wok", Decimal(2000)),
        ("onion", "O1", "wok", Decimal(2000)),
        ("rice-cooked", "R1", "pass", Decimal(5000)),
    ]
    received = [
        EventDraft(
            "lot.received",
            NOW - timedelta(hours=3),
            LotReceived(item=item, lot=lot, location=place, qty=qty, unit=Unit.G,
                        expires_on=_expiry(lot) if item == CHICKEN else None),
        )
        for item, lot, place, qty in chicken + others
    ]  # fmt: skip
    held = LotBlocked(item=CHICKEN, lot=HELD, location="wok", reason="excursion", cause="exc:1")
    store.append([*received, EventDraft("lot.blocked", NOW - timedelta(hours=2), held)])


async def _station(kitchen: KitchenPipeline, station: str, step: str) -> None:
    for n in range(ORDERS):
        tap = KdsTap(ticket_id=f"t-o{n}-{station}", step=step, operator="ana", action="done",
                     at=NOW)  # fmt: skip
        await kitchen.tap(station, tap, NOW + timedelta(minutes=5))


async def _scale(sink: AgentSink, device: str) -> None:
    """A stock scale under a 10 kg tub of chicken at the wok, losing 130 g at a time."""
    binding = ScaleBinding(device=device, item=CHICKEN, location="wok")
    tracker = ScaleTracker(binding, last_stable=Decimal(10_000))
    for n in range(1, DROPS + 1):
        weight = {"weight": Decimal(10_000 - 130 * n), "stable": True}
        obs = Observation(device, NOW + timedelta(seconds=n), weight, {"weight": "g"})
        await sink.record(tracker.observe(obs), {}, react=False)


def _fefo_violations(events: list[Event]) -> list[str]:
    """Each chicken consumption that did not come from the earliest-expiring unheld lot
    with stock at the moment it was written, or that left a lot below zero."""
    balance: dict[str, Decimal] = {}
    wrong = []
    for event in events:
        data = event.data
        if data.get("item") != CHICKEN:
            continue
        lot, qty = str(data["lot"]), Decimal(str(data.get("qty", 0)))
        if event.type == "lot.received":
            balance[lot] = qty
        elif event.type in ("stock.consumed", "stock.step_consumed"):
            earlier = [
                other
                for other, left in balance.items()
                if other != HELD and left > 0 and _expiry(other) < _expiry(lot)
            ]
            if lot == HELD or earlier:
                wrong.append(f"seq {event.seq}: {event.type} took {lot} while {earlier} had stock")
            balance[lot] = balance.get(lot, Decimal(0)) - qty
            if balance[lot] < 0:
                wrong.append(f"seq {event.seq}: {event.type} left {lot} at {balance[lot]} g")
    return wrong


async def test_stations_and_scales_at_once_each_take_the_earliest_lot_left_never_twice(
    tmp_path: Path,
) -> None:
    async with kitchen_parts(tmp_path / "a.db") as (store, sink, kitchen):
        _stock_up(store)
        for n in range(ORDERS):
            line = OrderLine(item="kung-pao", qty=Decimal(1))
            await kitchen.order(PosOrder(order_id=f"o{n}", placed_at=NOW, lines=(line,)), NOW)
        producers = [
            _station(kitchen, "wok", "1.wok"),
            _station(kitchen, "pass", "1.plate"),
            *(_scale(sink, f"scale-{n}") for n in range(SCALES)),
        ]
        await asyncio.wait_for(asyncio.gather(*producers), 60)
        events = list(store.events())
        ledger = {key.lot: qty.value for key, qty in store.ledger().items() if key.item == CHICKEN}
        remaining_tickets = len(kitchen.state.tickets)
    assert _fefo_violations(events) == []
    taken = sum(
        (Decimal(str(e.data["qty"])) for e in events
         if e.type in ("stock.consumed", "stock.step_consumed") and e.data["item"] == CHICKEN),
        Decimal(0),
    )  # fmt: skip
    assert taken == ORDERS * 180 + SCALES * DROPS * 130  # every use recorded, none twice
    assert ledger[HELD] == LOT_G
    assert sum(ledger.values()) == LOT_G * (LOTS + 1) - taken
    assert min(ledger.values()) >= 0
    assert remaining_tickets == 0  # every step was deducted, once


async def test_a_pda_discard_amid_scale_drops_writes_off_only_what_is_left(tmp_path: Path) -> None:
    """A lot discarded from the PDA while scales still take from it: the write-off is the
    balance where the writer takes the discard, so the lot ends at zero, never below."""
    async with kitchen_parts(tmp_path / "a.db") as (store, sink, _):
        receive(store, "R1")  # 1,000 g of rice at the pass

        async def rice_scale(device: str) -> None:
            tracker = ScaleTracker(ScaleBinding(device=device, item=RICE, location="pass"),
                                   last_stable=Decimal(10_000))  # fmt: skip
            for n in range(1, 5):
                weight = {"weight": Decimal(10_000 - 50 * n), "stable": True}
                obs = Observation(device, NOW + timedelta(seconds=n), weight, {"weight": "g"})
                await sink.record(tracker.observe(obs), {}, react=False)

        discard = sink.observe(pda("discard", "R1", MONDAY + timedelta(hours=1)))
        await asyncio.wait_for(
            asyncio.gather(*(rice_scale(f"rice-{n}") for n in range(3)), discard), 60
        )
        events = list(store.events())
        (rice,) = [qty for key, qty in store.ledger().items() if key.lot == "R1"]
        reasons = [q.reason for q in store.quarantined()]
    assert reasons == []
    taken = sum(
        (Decimal(str(e.data["qty"])) for e in events
         if e.type == "stock.consumed" and e.data["lot"] == "R1"),
        Decimal(0),
    )  # fmt: skip
    (written_off,) = [e for e in events if e.type == "stock.adjusted"]
    assert Decimal(str(written_off.data["qty"])) == -(Decimal(1000) - taken)
    assert rice.value == 0
