"""Stock counts as snapshots in time, and the balances they give.

A count (a PDA scan of the lot's label plus a scale weight) says what one lot held at one
location at the moment ``T`` it was weighed. It overwrites only the lots it names. Use that
happened after ``T`` still counts, even when the count reaches the ledger later than that
use (a count session submitted at the end): ``replay`` takes each key's latest count as its
base and replays on top every movement timed after it, whatever its place in seq order;
a movement at the very instant of the count is taken to be in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.errors import DomainError
from domain.events import Event, EventDraft
from domain.ledger import Posting, PostingKind, StockKey, postings
from domain.payloads import StockCounted
from domain.quantity import Quantity


class CountInvalid(DomainError):
    """A count line that cannot be right (a weight lighter than its container)."""


@dataclass(frozen=True, slots=True)
class CountLine:
    """One lot weighed during a count: ``weight`` on the scale, less the container's ``tare``."""

    item: str
    lot: str
    location: str
    weight: Quantity
    tare: Quantity | None = None

    @property
    def net(self) -> Quantity:
        net = self.weight - self.tare if self.tare is not None else self.weight
        if net.value < 0:
            raise CountInvalid(
                f"count of {self.item} lot {self.lot} at {self.location}: weight {self.weight}"
                f" is less than the tare {self.tare}"
            )
        return net


def count_drafts(
    lines: Iterable[CountLine], at: datetime, operator: str | None
) -> list[EventDraft]:
    """The ``stock.counted`` events of a count taken at ``at``: only the lots it names."""
    return [
        EventDraft(
            "stock.counted",
            at,
            StockCounted(
                item=line.item,
                lot=line.lot,
                location=line.location,
                qty=line.net.value,
                unit=line.net.unit,
                operator=operator,
            ),
        )
        for line in lines
    ]


def replay(events: Iterable[Event]) -> dict[StockKey, Quantity]:
    """Balances after ``events``, each count a snapshot at its own time (see the module)."""
    timed = [
        (event.moment, index, p) for index, event in enumerate(events) for p in postings(event)
    ]
    last_count: dict[StockKey, tuple[datetime, int, Posting]] = {}
    for entry in timed:
        if entry[2].kind is PostingKind.SET:
            known = last_count.get(entry[2].key)
            if known is None or entry[:2] >= known[:2]:
                last_count[entry[2].key] = entry
    balances: dict[StockKey, Quantity] = {
        key: posting.qty.to_base() for key, (_, _, posting) in last_count.items()
    }
    for moment, _, posting in timed:
        counted = last_count.get(posting.key)
        if posting.kind is PostingKind.SET or (counted is not None and moment <= counted[0]):
            continue
        current = balances.get(posting.key)
        amount = (
            posting.qty.to_base()
            if current is None
            else posting.qty.to(current.unit, posting.density_g_per_ml)
        )
        balances[posting.key] = amount if current is None else current + amount
    return balances
