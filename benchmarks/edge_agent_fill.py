"""Fill an agent store with a kitchen's mix of events, as after a long cloud outage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.events import EventDraft
from domain.payloads import LotReceived, ReadingRecorded, StockConsumed
from edge_agent.store import EdgeStore


def kitchen_drafts(start: int, count: int) -> list[EventDraft]:
    """Mostly cold-room readings; one in ten a consumption, one in a thousand a receipt."""
    base = datetime(2026, 11, 24, tzinfo=UTC)
    made: list[EventDraft] = []
    for n in range(start, start + count):
        at = base + timedelta(milliseconds=50 * n)
        item, lot = f"item-{n % 40}", f"L{n % 7}"
        if n % 1000 == 0:
            payload = LotReceived(item=item, lot=lot, location="walk-in", qty=Decimal(5), unit="kg")
            made.append(EventDraft("lot.received", at, payload))
        elif n % 10 == 0:
            used = StockConsumed(
                item=item, lot=lot, location="walk-in", qty=Decimal("180.5"), unit="g"
            )
            made.append(EventDraft("stock.consumed", at, used))
        else:
            reading = ReadingRecorded(
                device=f"probe-{n % 25}", metric="air_temp", value=Decimal("3.25"), unit="°C"
            )
            made.append(EventDraft("reading.recorded", at, reading))
    return made


def fill_store(store: EdgeStore, total: int, batch: int = 5000) -> None:
    for start in range(0, total, batch):
        store.append(kitchen_drafts(start, min(batch, total - start)))
