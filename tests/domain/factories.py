"""Small builders for events in tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from domain.events import GENESIS, Event, EventDraft, seal
from domain.payloads import (
    LotReceived,
    Payload,
    ReadingRecorded,
    StockAdjusted,
    StockConsumed,
    StockCounted,
)

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def received(lot: str, qty: str, unit: str = "g", item: str = "chicken", loc: str = "wok"):
    return EventDraft(
        "lot.received", AT, LotReceived(item=item, lot=lot, location=loc, qty=qty, unit=unit)
    )


def consumed(lot: str, qty: str, unit: str = "g", item: str = "chicken", loc: str = "wok"):
    return EventDraft(
        "stock.consumed", AT, StockConsumed(item=item, lot=lot, location=loc, qty=qty, unit=unit)
    )


def counted(lot: str, qty: str, unit: str = "g", item: str = "chicken", loc: str = "wok"):
    return EventDraft(
        "stock.counted", AT, StockCounted(item=item, lot=lot, location=loc, qty=qty, unit=unit)
    )


def adjusted(lot: str, qty: str, reason: str = "spill", unit: str = "g", item: str = "chicken"):
    payload = StockAdjusted(item=item, lot=lot, location="wok", qty=qty, unit=unit, reason=reason)
    return EventDraft("stock.adjusted", AT, payload)


def reading(value: str = "3.5", device: str = "probe-1") -> EventDraft:
    payload: Payload = ReadingRecorded(device=device, metric="air_temp", value=value, unit="°C")
    return EventDraft("reading.recorded", AT, payload)


def chain(
    drafts: Iterable[EventDraft], agent: str = "agent-1", site: str = "site-1"
) -> list[Event]:
    """Seal drafts into a fresh chain, seq from 1."""
    events: list[Event] = []
    prev = GENESIS
    for seq, draft in enumerate(drafts, start=1):
        event = seal(draft, agent=agent, site=site, seq=seq, prev=prev)
        events.append(event)
        prev = event.hash
    return events


def qty(value: str) -> Decimal:
    return Decimal(value)
