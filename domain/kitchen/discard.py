"""Discarding a lot: its stock leaves the ledger with the reason, in the same write.

A lot thrown away (cooling missed, a date mark run out, a cook's judgement) must never be
picked again. Lifting its hold alone would make its balance usable, so the discard carries a
``stock.adjusted`` of minus what is on hand, the way a person's discard of held stock does.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain.events import EventDraft
from domain.kitchen.clocks.events import LotRef
from domain.payloads import StockAdjusted
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
