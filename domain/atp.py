"""Available to promise: can ``wanted`` of an item be at a site, and by when.

What a site can promise is its free stock now (on hand − held − reserved), then what is in
transit to it in order of expected arrival, then stock free at the organisation's other
sites, which a transfer would bring in one lead time. The answer names the earliest moment
the wanted quantity is covered and how (the lines it counts on), or the shortfall when
nothing covers it. Quantities are in the item's base unit (g, ml, each), as the ledger keeps them.

Reserved is what open reservations of the item at the site still promise to their references
(``domain.reservations``: reserved − consumed, until ended or lapsed); stock already promised
is not free to promise again. A reservation of a held lot is not counted as reserved (the
lot is not free either way: it is subtracted once, as held). A line in transit without an
expected arrival is counted as arriving after every dated one, at ``undated_after`` past
the latest, so it never makes a promise earlier than it can keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Arrival:
    """A transfer line on its way to the site."""

    transfer: str
    from_site: str
    qty: Decimal
    expected_at: datetime | None


@dataclass(frozen=True, slots=True)
class Source:
    """Free stock of the item at another site that a transfer could bring."""

    site: str
    free: Decimal


@dataclass(frozen=True, slots=True)
class Cover:
    """One line a promise counts on: free stock here, an arrival, or a transfer to make."""

    how: Literal["on_hand", "in_transit", "transfer"]
    qty: Decimal
    at: datetime
    source: str  # the site it comes from (this site for on hand)
    transfer: str | None = None


@dataclass(frozen=True, slots=True)
class Promise:
    wanted: Decimal
    on_hand: Decimal
    held: Decimal
    reserved: Decimal
    arrivals: tuple[Arrival, ...]
    covers: tuple[Cover, ...]
    by: datetime | None
    """When ``wanted`` is covered; None when it cannot be."""
    shortfall: Decimal

    @property
    def free_now(self) -> Decimal:
        return max(self.on_hand - self.held - self.reserved, ZERO)

    @property
    def can_promise(self) -> bool:
        return self.by is not None


def promise(
    site: str,
    wanted: Decimal,
    *,
    on_hand: Decimal,
    held: Decimal,
    arrivals: Iterable[Arrival],
    sources: Iterable[Source],
    now: datetime,
    lead_time: timedelta,
    reserved: Decimal = ZERO,
    undated_after: timedelta = timedelta(days=1),
) -> Promise:
    """What ``site`` can promise of ``wanted`` (> 0) from ``now`` (see the module)."""
    if wanted <= 0:
        raise ValueError(f"wanted {wanted} is not positive: ask for some stock")
    arriving = _in_arrival_order(arrivals, now, undated_after)
    offers: list[Cover] = []
    free = max(on_hand - held - reserved, ZERO)
    if free:
        offers.append(Cover("on_hand", free, now, site))
    offers.extend(
        Cover("in_transit", a.qty, at, a.from_site, a.transfer) for a, at in arriving if a.qty > 0
    )
    for source in sorted(sources, key=lambda s: (-s.free, s.site)):
        if source.free > 0 and source.site != site:
            offers.append(Cover("transfer", source.free, now + lead_time, source.site))
    offers.sort(key=lambda c: c.at)  # stable: on hand, then arrivals, then transfers
    covers: list[Cover] = []
    still = wanted
    for offer in offers:
        if still <= 0:
            break
        taken = min(offer.qty, still)
        covers.append(Cover(offer.how, taken, offer.at, offer.source, offer.transfer))
        still -= taken
    by = covers[-1].at if still <= 0 and covers else None
    return Promise(
        wanted=wanted,
        on_hand=on_hand,
        held=held,
        reserved=reserved,
        arrivals=tuple(a for a, _ in arriving),
        covers=tuple(covers),
        by=by,
        shortfall=max(still, ZERO),
    )


def _in_arrival_order(
    arrivals: Iterable[Arrival], now: datetime, undated_after: timedelta
) -> list[tuple[Arrival, datetime]]:
    """Arrivals with the moment each is counted at: its ETA (never before ``now``), undated
    ones after the latest dated one."""
    arrivals = list(arrivals)
    dated = sorted(
        (a for a in arrivals if a.expected_at is not None),
        key=lambda a: (a.expected_at, a.transfer),
    )
    undated = sorted((a for a in arrivals if a.expected_at is None), key=lambda a: a.transfer)
    timed = [(a, max(a.expected_at or now, now)) for a in dated]
    latest = timed[-1][1] if timed else now
    return timed + [(a, latest + undated_after) for a in undated]
