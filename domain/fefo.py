"""First-expiry-first-out lot picking, and why each lot that was passed over was skipped.

``fefo_plan`` is the kitchen's entry point: it judges lots against a moment (a thawing lot is
not ready until its ``ready_at``) and returns the skipped lots with their reason, so a step's
deduction can show a cook why the lot in front of them was not the one booked. ``fefo_pick``
is the older, date-only form the scale pipeline calls; it keeps its behaviour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from domain.quantity import QUANTUM

RESIDUE = QUANTUM
"""Less than the ledger's quantum: a residue too small to keep (a balance of 1E-25 ml left by
unit conversions) is an empty lot, not one to pick; 0.004 g of saffron is still stock."""


@dataclass(frozen=True, slots=True)
class LotOnHand:
    lot: str
    on_hand: Decimal
    expires_on: date | None
    received_seq: int
    blocked: str | None = None
    """Why this stock may not be picked (an excursion's hold), or None."""
    ready_at: datetime | None = None
    """When a lot that is still being prepared (thawing) may be used; None: ready now."""


@dataclass(frozen=True, slots=True)
class Pick:
    lot: str
    qty: Decimal


class SkipReason(StrEnum):
    EMPTY = "empty"
    EXPIRED = "expired"
    BLOCKED = "blocked"
    NOT_READY = "not_ready"


@dataclass(frozen=True, slots=True)
class Skip:
    """A lot FEFO passed over, and why (``detail``: the hold's reason, the expiry, …)."""

    lot: str
    reason: SkipReason
    detail: str


@dataclass(frozen=True, slots=True)
class FefoPlan:
    """Picks in FEFO order (their sum never exceeds the quantity asked), the lots skipped,
    and the ``shortfall`` no usable lot covered."""

    picks: tuple[Pick, ...]
    skipped: tuple[Skip, ...]
    shortfall: Decimal
    reached: int = 0
    """How many lots, in FEFO order, the plan looked at (picked or skipped). Fewer than it
    was given: no lot after them could have changed it, so a plan made on the first lots
    of a place in FEFO order is the plan of all of them."""


def fefo_order(lots: Iterable[LotOnHand]) -> list[LotOnHand]:
    """Earliest expiry first, lots without expiry last, ties by receipt order."""
    return sorted(lots, key=lambda lot: (lot.expires_on is None, lot.expires_on, lot.received_seq))


def fefo_plan(lots: Iterable[LotOnHand], qty: Decimal, *, now: datetime) -> FefoPlan:
    """Split ``qty`` over the usable lots in FEFO order at ``now``.

    ``now`` is the site's local time: its date is the day expiry dates are judged against.
    Expired, blocked, not-yet-ready and empty lots are never picked; each is listed in
    ``skipped``. Only lots ahead of the last pick in FEFO order, or all lots when the
    quantity is not covered, are listed: a lot nobody would have reached is not "skipped".
    """
    return _plan(lots, qty, today=now.date(), now=now)


def fefo_pick(lots: Iterable[LotOnHand], qty: Decimal, *, today: date) -> list[Pick]:
    """Split ``qty`` over lots in FEFO order, skipping expired, blocked and empty lots.

    Judged by date only, for stock that is never "not ready yet" (a lot's ``ready_at`` is
    not looked at; stock that thaws goes through ``fefo_plan``). What no lot can cover goes
    to the last lot considered (or, with no lot at all, to an empty list): consumption that
    was observed is recorded, never dropped, and shows as a negative balance that a count
    will explain.
    """
    plan = _plan(lots, qty, today=today, now=None)
    picks = list(plan.picks)
    if plan.shortfall > 0 and picks:
        last = picks[-1]
        picks[-1] = Pick(last.lot, last.qty + plan.shortfall)
    return picks


def skip_reason(lot: LotOnHand, *, today: date, now: datetime | None) -> Skip | None:
    """Why ``lot`` may not be picked today (and, given ``now``, at this moment), or None."""
    if lot.blocked is not None:
        return Skip(lot.lot, SkipReason.BLOCKED, lot.blocked)
    if lot.expires_on is not None and lot.expires_on < today:
        return Skip(lot.lot, SkipReason.EXPIRED, f"expired on {lot.expires_on.isoformat()}")
    if now is not None and lot.ready_at is not None and lot.ready_at > now:
        return Skip(lot.lot, SkipReason.NOT_READY, f"not ready until {lot.ready_at.isoformat()}")
    if lot.on_hand < RESIDUE:
        return Skip(lot.lot, SkipReason.EMPTY, f"on hand {lot.on_hand}")
    return None


def _plan(
    lots: Iterable[LotOnHand], qty: Decimal, *, today: date, now: datetime | None
) -> FefoPlan:
    picks: list[Pick] = []
    skipped: list[Skip] = []
    remaining = qty
    reached = 0
    for lot in fefo_order(lots):
        if remaining <= 0:
            break
        reached += 1
        skip = skip_reason(lot, today=today, now=now)
        if skip is not None:
            skipped.append(skip)
            continue
        take = min(lot.on_hand, remaining)
        picks.append(Pick(lot.lot, take))
        remaining -= take
    return FefoPlan(tuple(picks), tuple(skipped), max(remaining, Decimal(0)), reached)
