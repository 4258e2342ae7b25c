"""Stock counts as snapshots in time, and the balances they give.

A count (a PDA scan of the lot's label plus a scale weight) says what one lot held at one
location at the moment ``T`` it was weighed. It overwrites only the lots it names. Use that
happened after ``T`` still counts, even when the count reaches the ledger later than that
use (a count session submitted at the end): ``replay`` takes each key's latest count as its
base and replays on top every movement timed after it, whatever its place in seq order;
a movement at the very instant of the count is taken to be in it.

Two counts of one lot at once (two people, two PDAs, one walk-in) are not settled by
whichever arrives last: ``second_count`` says a count within ``COUNT_WINDOW`` of the lot's
previous one, with no movement of the lot in between, is of the same stock. The same figure
is a repeat (stored once); a different one is refused naming the first, and only a
``recount`` (which says it replaces it) changes the balance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from domain.errors import DomainError
from domain.events import Event, EventDraft
from domain.ledger import Posting, PostingKind, StockKey, postings
from domain.payloads import StockCounted
from domain.quantity import Quantity

COUNT_WINDOW = timedelta(minutes=10)
"""Counts of one lot this close together, with no movement between, count the same stock."""


class CountInvalid(DomainError):
    """A count line that cannot be right (a weight lighter than its container)."""


class CountConflict(CountInvalid):
    """A second count of a lot, at the same moment, that disagrees with the first."""


@dataclass(frozen=True, slots=True)
class CountTaken:
    """A count the site has stored: when, how much (base unit), by whom."""

    at: datetime
    qty: Decimal
    unit: str
    operator: str | None = None


def second_count(
    previous: CountTaken | None,
    new: CountTaken,
    balance: Decimal | None,
    *,
    what: str,
    recount: bool = False,
) -> bool:
    """Whether ``new`` is to be stored, given the lot's ``previous`` count and its
    ``balance`` now: False for a repeat; ``CountConflict`` for a different figure of the same
    stock (``what`` names the lot), unless it is a ``recount``.

    The same stock: within ``COUNT_WINDOW`` of the previous count and the balance still what
    that count set (no movement since). Later, or after a movement, it is a new count.
    """
    if previous is None or recount:
        return True
    if abs(new.at - previous.at) > COUNT_WINDOW or balance != previous.qty:
        return True
    if new.qty == previous.qty:
        return False
    who = f" by {previous.operator}" if previous.operator else ""
    raise CountConflict(
        f"{what} was counted {_plain(previous.qty)} {previous.unit}{who} at"
        f" {previous.at.isoformat()}; this count says {_plain(new.qty)} {new.unit}."
        " Counts of the same stock must agree: send 'recount' to replace the first"
    )


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


def _plain(qty: Decimal) -> str:
    return format(qty.normalize(), "f")


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
