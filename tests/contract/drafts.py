"""Drafts of the events that move stock, make lots and hold them, for the contract tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.events import EventDraft
from domain.payloads import (
    LotBlocked,
    LotReceived,
    LotReleased,
    StockAdjusted,
    StockConsumed,
    StockCounted,
)

START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
"""Times near the sealing clock (the edge refuses events more than a day ahead)."""


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def receive(item: str, lot: str, qty: str, unit: str, *, loc: str = "walk-in",
            expires: date | None = None, minute: int = 0) -> EventDraft:  # fmt: skip
    payload = LotReceived(item=item, lot=lot, location=loc, qty=qty, unit=unit,
                          expires_on=expires)  # fmt: skip
    return EventDraft("lot.received", at(minute), payload)


def consume(item: str, lot: str, qty: str, unit: str, *, loc: str = "walk-in",
            minute: int = 0) -> EventDraft:  # fmt: skip
    payload = StockConsumed(item=item, lot=lot, location=loc, qty=qty, unit=unit)
    return EventDraft("stock.consumed", at(minute), payload)


def count(item: str, lot: str, qty: str, unit: str, *, loc: str = "walk-in",
          minute: int = 0) -> EventDraft:  # fmt: skip
    payload = StockCounted(item=item, lot=lot, location=loc, qty=qty, unit=unit)
    return EventDraft("stock.counted", at(minute), payload)


def adjust(item: str, lot: str, qty: str, unit: str, *, loc: str = "walk-in",
           minute: int = 0) -> EventDraft:  # fmt: skip
    payload = StockAdjusted(item=item, lot=lot, location=loc, qty=qty, unit=unit,
                            reason="spilt")  # fmt: skip
    return EventDraft("stock.adjusted", at(minute), payload)


def block(item: str, lot: str, *, loc: str = "walk-in", cause: str | None = None,
          minute: int = 0) -> EventDraft:  # fmt: skip
    payload = LotBlocked(item=item, lot=lot, location=loc, reason=f"held: {cause or 'check'}",
                         cause=cause)  # fmt: skip
    return EventDraft("lot.blocked", at(minute), payload)


def release(item: str, lot: str, *, loc: str = "walk-in", minute: int = 0) -> EventDraft:
    payload = LotReleased(item=item, lot=lot, location=loc, disposition="release",
                          reason="checked", operator="ana")  # fmt: skip
    return EventDraft("lot.released", at(minute), payload)
