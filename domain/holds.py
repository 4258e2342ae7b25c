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
"""Events that put a hold on stock or lift it."""


def hold_changes(events: Iterable[Event]) -> dict[StockKey, LotBlocked | None]:
    """The last word of ``events`` (in the order given) on each held key: the block in force,
    or None if lifted. The stores' projection of holds is ``domain.projections.fold_holds``,
    which orders words by time so that a site's agents' words merge in any arrival order."""
    changes: dict[StockKey, LotBlocked | None] = {}
    for event in events:
        if event.type not in HOLD_TYPES:
            continue
        payload = event.payload()
        assert isinstance(payload, LotBlocked | LotReleased)
        key = StockKey(payload.item, payload.lot, payload.location)
        changes[key] = payload if isinstance(payload, LotBlocked) else None
    return changes
