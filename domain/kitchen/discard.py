"""Discarding a lot: its stock leaves the ledger with the reason, in the same write.

A lot thrown away (cooling missed, a date mark run out, a cook's judgement) must never be
picked again. Lifting its hold alone would make its balance usable, so the discard carries a
``stock.adjusted`` of minus what is on hand, the way a person's discard of held stock does,
and a hold of its own (``discarded:<lot>``): stock a later count finds was still thrown away.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain.events import EventDraft
from domain.kitchen.clocks.events import LotRef
from domain.payloads import LotBlocked, StockAdjusted
from domain.quantity import BASE_UNIT, Unit

_REASON_MAX = 200


def write_off(
    ref: LotRef, at: datetime, on_hand: Decimal, unit: Unit, reason: str, operator: str | None
) -> list[EventDraft]:
    """The stock movement that takes ``on_hand`` (in ``unit``'s base unit) out of stock;
    nothing when there is nothing positive to take."""
    if on_hand <= 0:
        return []
    adjusted = StockAdjusted(
        item=ref.item,
        lot=ref.lot,
        location=ref.location,
        qty=-on_hand,
        unit=BASE_UNIT[unit.dimension],
        reason=reason[:_REASON_MAX],
        operator=operator,
    )
    return [EventDraft("stock.adjusted", at, adjusted)]


def discard_cause(lot: str) -> str:
    """The cause of a discarded lot's hold: ``discarded:L1``."""
    return f"discarded:{lot}"


def kept_out(ref: LotRef, at: datetime, reason: str) -> EventDraft:
    """The hold that keeps a discarded lot out of use for good: whatever a later count
    finds of it was thrown away, and is not to be served."""
    block = LotBlocked(
        item=ref.item,
        lot=ref.lot,
        location=ref.location,
        reason=reason[:500],
        cause=discard_cause(ref.lot),
    )
    return EventDraft("lot.blocked", at, block)
