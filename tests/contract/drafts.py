"""Drafts of the events that move stock (within a site, between sites, to and from customers),
make lots and hold them, for the contract tests."""

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
    StockIssued,
    StockMoved,
    StockReserved,
    StockReturned,
    StockUnreserved,
    TransferReceived,
    TransferShipped,
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


def move(item: str, lot: str, qty: str, unit: str, *, loc: str = "walk-in",
         to: str = "line", minute: int = 0) -> EventDraft:  # fmt: skip
    payload = StockMoved(item=item, lot=lot, location=loc, to_location=to, qty=qty, unit=unit)
    return EventDraft("stock.moved", at(minute), payload)


def ship(item: str, lot: str, qty: str, unit: str, *, transfer: str = "T1",
         to_site: str = "resto-1", loc: str = "walk-in", eta: int | None = None,
         to_org: str | None = None, minute: int = 0) -> EventDraft:  # fmt: skip
    expected = None if eta is None else at(minute + eta)
    payload = TransferShipped(item=item, lot=lot, location=loc, qty=qty, unit=unit,
                              transfer=transfer, to_site=to_site, to_org=to_org,
                              expected_at=expected)  # fmt: skip
    return EventDraft("transfer.shipped", at(minute), payload)


def receive_transfer(item: str, lot: str, qty: str, unit: str, *, transfer: str = "T1",
                     from_site: str = "central", damaged: str = "0", loc: str = "walk-in",
                     expires: date | None = None, minute: int = 0) -> EventDraft:  # fmt: skip
    payload = TransferReceived(item=item, lot=lot, location=loc, qty=qty, unit=unit,
                               transfer=transfer, from_site=from_site, damaged=damaged,
                               expires_on=expires)  # fmt: skip
    return EventDraft("transfer.received", at(minute), payload)


def issue(item: str, lot: str, qty: str, unit: str, *, kind: str = "sale",
          loc: str = "walk-in", order: str = "O-1", minute: int = 0) -> EventDraft:  # fmt: skip
    payload = StockIssued(item=item, lot=lot, location=loc, qty=qty, unit=unit, order=order,
                          kind=kind)  # fmt: skip
    return EventDraft("stock.issued", at(minute), payload)


def give_back(item: str, lot: str, qty: str, unit: str, *, reason: str = "quality",
              loc: str = "walk-in", minute: int = 0) -> EventDraft:  # fmt: skip
    payload = StockReturned(item=item, lot=lot, location=loc, qty=qty, unit=unit, order="O-1",
                            reason=reason)  # fmt: skip
    return EventDraft("stock.returned", at(minute), payload)


def reserve(item: str, qty: str, unit: str, *, order: str = "O-1", lot: str | None = None,
            loc: str | None = None, until: int | None = None,
            minute: int = 0) -> EventDraft:  # fmt: skip
    """``qty`` of ``item`` reserved for customer order ``order`` (``until``: minutes on)."""
    lapses = None if until is None else at(minute + until)
    payload = StockReserved(item=item, qty=qty, unit=unit, reference=order, lot=lot,
                            location=loc, until=lapses,
                            reserved_for="customer_order")  # fmt: skip
    return EventDraft("stock.reserved", at(minute), payload)


def unreserve(item: str, unit: str, *, order: str = "O-1", reason: str = "cancelled",
              minute: int = 0) -> EventDraft:  # fmt: skip
    payload = StockUnreserved(item=item, unit=unit, reference=order, reason=reason)
    return EventDraft("stock.unreserved", at(minute), payload)
