"""Reservations: stock promised to a reference (a work order, a customer order, a transfer),
as a fold that both stores run.

``stock.reserved`` promises an amount of an item at the site to a reference, optionally of
one lot or at one location and until a moment; ``stock.unreserved`` ends the promise
(consumed, cancelled or expired). Stock that leaves against the reference consumes it: a
``stock.issued`` or ``stock.step_consumed`` whose ``order`` is the reference, a
``transfer.shipped`` whose ``transfer`` is. Reservations post nothing to the ledger; they
make stock not free (``domain.atp``) and keep other references' FEFO picks off it
(``free_for``, applied in the edge's writer).

The rule is a merge that does not depend on arrival order, like in-transit lines: a line is
keyed by (reference, item, base unit) and keeps **sums** (reserved, consumed), the widest
``until``, and the **earliest end** by ``Word``. A consumption that arrives before its
reservation (another agent's batch) is already counted when the reservation comes. Two
reservations of one reference and item that name different lots or locations settle on the
smaller code on every store (one reference reserves an item in one place).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, model_validator

from domain.events import Event
from domain.fefo import LotOnHand, fefo_order
from domain.payloads import (
    Name,
    StepConsumed,
    StockIssued,
    StockReserved,
    StockUnreserved,
    TransferShipped,
    UnreserveReason,
)
from domain.projections import Word, either, merge_into, word_of
from domain.quantity import Quantity, Unit

RESERVING_TYPES = frozenset({"stock.reserved", "stock.unreserved"})
"""Events that make or end a reservation."""

CONSUMING_TYPES = frozenset({"stock.issued", "stock.step_consumed", "transfer.shipped"})
"""Events that take stock against a reference, and so consume its reservation."""

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, order=True)
class ReservationKey:
    """One reservation line: the reference, the item, and the base unit of its dimension
    (g, ml, each), so sums never cross mass and volume through a density."""

    reference: str
    item: str
    unit: Unit


@dataclass(frozen=True, slots=True)
class Ended:
    """The end of a reservation: its ``Word`` and why."""

    word: Word
    reason: str


@dataclass(frozen=True, slots=True)
class Reservation:
    """The sums of one reservation line's events (see ``merge_reservation``)."""

    key: ReservationKey
    reserved: Decimal = ZERO
    consumed: Decimal = ZERO
    lot: str | None = None
    location: str | None = None
    until: datetime | None = None
    ended: Ended | None = None

    def open_qty(self, now: datetime) -> Decimal:
        """What is still promised at ``now``: reserved less consumed, never negative; nothing
        once ended or past ``until``."""
        if self.ended is not None or (self.until is not None and self.until <= now):
            return ZERO
        return max(self.reserved - self.consumed, ZERO)

    def holds(self, item: str, lot: str, location: str) -> bool:
        """Whether this reservation covers stock of ``item`` in ``lot`` at ``location``."""
        return (
            item == self.key.item and self.lot in (None, lot) and self.location in (None, location)
        )


def earlier_end(a: Ended | None, b: Ended | None) -> Ended | None:
    """The end with the smaller ``Word``: the first word that ended it stands."""
    return either(a, b, lambda x, y: x if x.word <= y.word else y)


def merge_reservation(stored: Reservation | None, part: Reservation) -> Reservation:
    """``stored`` with ``part`` added (see the module's rule); commutative and associative."""
    if stored is None:
        return part
    return Reservation(
        stored.key,
        stored.reserved + part.reserved,
        stored.consumed + part.consumed,
        either(stored.lot, part.lot, min),
        either(stored.location, part.location, min),
        either(stored.until, part.until, max),
        earlier_end(stored.ended, part.ended),
    )


def reservation_parts(events: Iterable[Event]) -> list[Reservation]:
    """One part per event that reserves, ends a reservation, or consumes one."""
    parts = []
    for event in events:
        if event.type in RESERVING_TYPES:
            parts.append(_reserving_part(event))
        elif event.type in CONSUMING_TYPES:
            part = _consuming_part(event)
            if part is not None:
                parts.append(part)
    return parts


def _reserving_part(event: Event) -> Reservation:
    payload = event.payload()
    assert isinstance(payload, StockReserved | StockUnreserved)
    if isinstance(payload, StockUnreserved):
        unit = Quantity(Decimal(1), payload.unit).to_base().unit
        key = ReservationKey(payload.reference, payload.item, unit)
        return Reservation(key, ended=Ended(word_of(event), payload.reason))
    base = payload.quantity.to_base()
    key = ReservationKey(payload.reference, payload.item, base.unit)
    return Reservation(key, reserved=base.value, lot=payload.lot, location=payload.location,
                       until=payload.until)  # fmt: skip


def _consuming_part(event: Event) -> Reservation | None:
    line = event.payload()
    assert isinstance(line, StockIssued | StepConsumed | TransferShipped)
    reference = line.transfer if isinstance(line, TransferShipped) else line.order
    if reference is None:  # a kitchen step without an order line reserves nothing
        return None
    base = line.quantity.to_base()
    return Reservation(ReservationKey(reference, line.item, base.unit), consumed=base.value)


def fold_reservations(
    lines: Mapping[ReservationKey, Reservation], events: Iterable[Event]
) -> dict[ReservationKey, Reservation]:
    """``lines`` after ``events`` (input untouched)."""
    return merge_into(lines, reservation_parts(events), lambda line: line.key, merge_reservation)


def free_for(
    lots: Sequence[LotOnHand],
    reservations: Iterable[Reservation],
    location: str,
    now: datetime,
    *,
    but_for: str | None,
    elsewhere: Decimal = ZERO,
) -> list[LotOnHand]:
    """``lots`` of one item at ``location`` less what other references' open reservations
    keep, for a pick on behalf of ``but_for`` (None: no reference).

    A reservation of a lot keeps that lot (here, unless it names another location). A
    reservation of the item in any lot keeps its amount of the usable stock here, taken
    from the lots FEFO would reach last, so the picker still gets the earliest expiry: all
    of it when it names this location, and what ``elsewhere`` (the item's usable stock at the
    site's other locations) cannot cover when it names none. Held lots keep nothing for a
    reservation: they cannot serve it.
    """
    others = [
        r for r in reservations
        if r.key.reference != but_for and r.location in (None, location) and r.open_qty(now) > 0
    ]  # fmt: skip
    on_hand = {lot.lot: lot.on_hand for lot in lots}
    for r in others:
        if r.lot is not None and r.lot in on_hand:
            on_hand[r.lot] = max(on_hand[r.lot] - r.open_qty(now), ZERO)
    anywhere = sum((r.open_qty(now) for r in others if r.lot is None and r.location is None), ZERO)
    here = sum((r.open_qty(now) for r in others if r.lot is None and r.location == location), ZERO)
    keep = here + max(anywhere - elsewhere, ZERO)
    for lot in reversed(fefo_order(lots)):
        if keep <= 0:
            break
        if lot.blocked is None:
            taken = min(on_hand[lot.lot], keep)
            on_hand[lot.lot] -= taken
            keep -= taken
    return [replace(lot, on_hand=on_hand[lot.lot]) if lot.on_hand > 0 else lot for lot in lots]


def open_reservations(lines: Iterable[Reservation], now: datetime) -> list[Reservation]:
    """The lines that still promise something at ``now``."""
    return [r for r in lines if r.open_qty(now) > 0]


class ReservationOrder(BaseModel):
    """A reservation made or ended in the cloud, as its ``reservation`` down-channel document
    carries it: ``reserve`` (a ``stock.reserved`` payload, which the agent records as it is),
    or ``release`` of ``reference`` with its reason (the agent ends every open line of it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reserve: StockReserved | None = None
    release: Name | None = None
    reason: UnreserveReason | None = None

    @model_validator(mode="after")
    def _one_of_them(self) -> ReservationOrder:
        if (self.reserve is None) == (self.release is None):
            raise ValueError("a reservation order reserves or releases: give one of them")
        if (self.release is None) != (self.reason is None):
            raise ValueError("a release names its reason, and only a release does")
        return self
