"""First-expiry-first-out lot picking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class LotOnHand:
    lot: str
    on_hand: Decimal
    expires_on: date | None
    received_seq: int
    blocked: str | None = None
    """Why this stock may not be picked (an excursion's hold), or None."""


@dataclass(frozen=True, slots=True)
class Pick:
    lot: str
    qty: Decimal


def fefo_order(lots: Iterable[LotOnHand]) -> list[LotOnHand]:
    """Earliest expiry first, lots without expiry last, ties by receipt order."""
    return sorted(lots, key=lambda lot: (lot.expires_on is None, lot.expires_on, lot.received_seq))


def fefo_pick(lots: Iterable[LotOnHand], qty: Decimal, *, today: date) -> list[Pick]:
    """Split ``qty`` over lots in FEFO order, skipping expired, blocked and empty lots.

    What no lot can cover goes to the last lot considered (or, with no lot at all, to an
    empty list): consumption that was observed is recorded, never dropped, and shows as a
    negative balance that a count will explain.
    """
    usable = [
        lot
        for lot in fefo_order(lots)
        if lot.on_hand > 0
        and lot.blocked is None
        and (lot.expires_on is None or lot.expires_on >= today)
    ]
    picks: list[Pick] = []
    remaining = qty
    for lot in usable:
        if remaining <= 0:
            break
        take = min(lot.on_hand, remaining)
        picks.append(Pick(lot.lot, take))
        remaining -= take
    if remaining > 0 and picks:
        last = picks[-1]
        picks[-1] = Pick(last.lot, last.qty + remaining)
    return picks
