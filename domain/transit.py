"""Stock in transit between sites: one line per transfer, item, lot and route, as a fold.

A transfer line leaves the sender with ``transfer.shipped`` (the sender's events) and
arrives with ``transfer.received`` (the receiver's events). The two halves are sealed by
different agents at different sites and reach the cloud in any order, so the rule is a
merge that does not depend on order: every amount is a sum, and the line's figures
(in transit, short, over) are read from the sums. An agent's store holds its own half;
the cloud holds both, and the merge of the two halves is the cloud's row.

Amounts are kept in the base unit of their dimension (g, ml, each), which is part of the
line's key: a line shipped by volume and received by mass shows as two lines (one short,
one over), visible rather than converted through a density one side may not know.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.events import Event
from domain.payloads import TransferReceived, TransferShipped
from domain.projections import either, merge_into
from domain.quantity import Quantity, Unit

TRANSIT_TYPES = frozenset({"transfer.shipped", "transfer.received"})
"""Events that put stock in transit or take it out."""


@dataclass(frozen=True, slots=True, order=True)
class TransitKey:
    """One transfer line: the transfer, what travels, from where to where, in which unit.

    The sending site is part of the key: transfer ids are given by senders, and two senders
    may give the same one.
    """

    transfer: str
    item: str
    lot: str
    from_site: str
    to_site: str
    unit: Unit


ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class TransitLine:
    """The sums of one transfer line's events (see ``merge_transit``).

    ``receipts`` counts the receiving events: once one is recorded the line is closed, and
    whatever did not arrive is short, no longer in transit.
    """

    key: TransitKey
    shipped: Decimal = ZERO
    received: Decimal = ZERO
    damaged: Decimal = ZERO
    receipts: int = 0
    expected_at: datetime | None = None
    to_org: str | None = None

    @property
    def missing(self) -> Decimal:
        """Shipped and neither accepted nor reported damaged (never negative)."""
        return max(self.shipped - self.received - self.damaged, ZERO)

    @property
    def in_transit(self) -> Decimal:
        """Still on its way: what is missing while no receipt has been recorded."""
        return self.missing if self.receipts == 0 else ZERO

    @property
    def short(self) -> Decimal:
        """Missing after a receipt was recorded."""
        return self.missing if self.receipts > 0 else ZERO

    @property
    def over(self) -> Decimal:
        """Received (accepted or damaged) beyond what was shipped."""
        return max(self.received + self.damaged - self.shipped, ZERO)


def merge_transit(stored: TransitLine | None, part: TransitLine) -> TransitLine:
    """``stored`` with ``part`` added: sums add; the expected arrival is the latest any
    shipment names (when all of it should be there). Commutative and associative."""
    if stored is None:
        return part
    return TransitLine(
        stored.key,
        stored.shipped + part.shipped,
        stored.received + part.received,
        stored.damaged + part.damaged,
        stored.receipts + part.receipts,
        either(stored.expected_at, part.expected_at, max),  # when all of it should be there
        either(stored.to_org, part.to_org, min),  # two words that disagree settle alike
    )


def transit_parts(events: Iterable[Event]) -> list[TransitLine]:
    """One part per transfer event: a shipment from the event's site, or a receipt at it."""
    parts = []
    for event in events:
        if event.type not in TRANSIT_TYPES:
            continue
        line = event.payload()
        assert isinstance(line, TransferShipped | TransferReceived)
        base = line.quantity.to_base()
        if isinstance(line, TransferShipped):
            key = TransitKey(line.transfer, line.item, line.lot, event.site, line.to_site,
                             base.unit)  # fmt: skip
            parts.append(TransitLine(key, shipped=base.value, expected_at=line.expected_at,
                                     to_org=line.to_org))  # fmt: skip
        else:
            key = TransitKey(line.transfer, line.item, line.lot, line.from_site, event.site,
                             base.unit)  # fmt: skip
            damaged = Quantity(line.damaged, line.unit).to_base().value
            parts.append(TransitLine(key, received=base.value, damaged=damaged, receipts=1))
    return parts


def fold_transit(
    lines: Mapping[TransitKey, TransitLine], events: Iterable[Event]
) -> dict[TransitKey, TransitLine]:
    """``lines`` after ``events`` (input untouched)."""
    return merge_into(lines, transit_parts(events), lambda line: line.key, merge_transit)
