"""Blocks on stock: which (item, lot, location) may not be picked, and why.

``lot.blocked`` puts a hold on one lot's stock at one location; ``lot.released`` lifts it.
Edge and cloud fold the same events with this function, so both show the same holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.events import Event
from domain.ledger import StockKey
from domain.payloads import LotBlocked, LotReleased

HOLD_TYPES = frozenset({"lot.blocked", "lot.released"})


def hold_changes(events: Iterable[Event]) -> dict[StockKey, LotBlocked | None]:
    """The last word of ``events`` on each held key: the block in force, or None if lifted."""
    changes: dict[StockKey, LotBlocked | None] = {}
    for event in events:
        if event.type not in HOLD_TYPES:
            continue
        payload = event.payload()
        assert isinstance(payload, LotBlocked | LotReleased)
        key = StockKey(payload.item, payload.lot, payload.location)
        changes[key] = payload if isinstance(payload, LotBlocked) else None
    return changes
