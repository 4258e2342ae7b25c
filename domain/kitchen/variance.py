"""The variance report: where stock went that no event explains.

Per item and location (station, cold room) over a period from ``start`` to ``end``::

    opening + received − used − waste − closing = unexplained

``opening`` and ``closing`` are the balances at ``start`` and ``end`` with counts replayed
as snapshots (``counts.replay``), so without a count in the period the closing is only
theoretical and nothing is unexplained: only a count can reveal loss. ``received`` is lots
received and produced; ``used`` is the theoretical use from consumption events (gross, as
it left the lot), of which ``thaw_loss`` and ``trim_loss`` are the yield losses the recipes
predict, shown apart (they are expected, not lost); ``waste`` is what people recorded as
written off (net of stock.adjusted, so found stock lowers it). Movements are also broken
down by day (``day_of``: the site's day of an event's time, UTC date by default).
All amounts are exact decimals in the base unit of the item's dimension (g, ml, each).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from domain.events import Event
from domain.kitchen.counts import replay
from domain.kitchen.recipes import Operation
from domain.ledger import postings
from domain.payloads import StepConsumed, StockLine
from domain.quantity import Quantity, Unit, exact

ZERO = Decimal(0)
_RECEIVED = frozenset({"lot.received", "stock.produced"})
_USED = frozenset({"stock.consumed", "stock.step_consumed"})
_TRANSFERRED = frozenset(
    {"stock.moved", "transfer.shipped", "transfer.received", "stock.issued", "stock.returned"}
)


@dataclass(frozen=True, slots=True)
class Movements:
    """What moved in a period (or a day): all in the row's unit."""

    received: Decimal = ZERO
    used: Decimal = ZERO
    thaw_loss: Decimal = ZERO
    trim_loss: Decimal = ZERO
    waste: Decimal = ZERO
    transferred: Decimal = ZERO
    """Net in (+) or out (−) by movements: between locations, between sites, to and from
    customers. Explained stock, but neither bought nor used in the kitchen."""

    def __add__(self, other: Movements) -> Movements:
        return Movements(
            self.received + other.received,
            self.used + other.used,
            self.thaw_loss + other.thaw_loss,
            self.trim_loss + other.trim_loss,
            self.waste + other.waste,
            self.transferred + other.transferred,
        )


@dataclass(frozen=True, slots=True)
class VarianceLine:
    item: str
    location: str
    unit: Unit
    opening: Decimal = ZERO
    moved: Movements = Movements()
    closing: Decimal = ZERO
    by_day: dict[date, Movements] = field(default_factory=dict)

    @property
    def unexplained(self) -> Decimal:
        """Stock gone with no event to say where: positive is loss, negative is a gain.

        To the ledger's quantum (1E-9 of a base unit): a count weighed finer than the ledger
        keeps stock (what a recipe's 100 g / 0.7 leaves over after the carry) is no loss."""
        moved = self.moved
        explained = moved.received + moved.transferred - moved.used - moved.waste
        return exact(self.opening + explained - self.closing)


def variance(
    events: Iterable[Event],
    *,
    start: datetime,
    end: datetime,
    day_of: Callable[[datetime], date] = lambda moment: moment.date(),
) -> list[VarianceLine]:
    """One line per item and location with stock or movement in the period, sorted."""
    events = list(events)  # read three times: opening, closing, movements
    lines: dict[tuple[str, str], VarianceLine] = {}
    for edge, moment in (("opening", start), ("closing", end)):
        for key, qty in replay(e for e in events if e.moment <= moment).items():
            row = _row(lines, key.item, key.location, qty.unit)
            amount = getattr(row, edge) + qty.value
            lines[key.item, key.location] = replace(row, **{edge: amount})
    for event in events:
        moment = event.moment
        if not start < moment <= end:
            continue
        for (item, location, unit), delta in _movements(event):
            row = _row(lines, item, location, unit)
            day = day_of(moment)
            by_day = {**row.by_day, day: row.by_day.get(day, Movements()) + delta}
            lines[item, location] = replace(row, moved=row.moved + delta, by_day=by_day)
    return [lines[key] for key in sorted(lines)]


def item_totals(lines: Iterable[VarianceLine]) -> list[VarianceLine]:
    """The lines summed over locations: one per item (``location`` is ``*``)."""
    totals: dict[str, VarianceLine] = {}
    for line in lines:
        total = totals.get(line.item, VarianceLine(line.item, "*", line.unit))
        days = dict(total.by_day)
        for day, moved in line.by_day.items():
            days[day] = days.get(day, Movements()) + moved
        totals[line.item] = replace(
            total,
            opening=total.opening + line.opening,
            moved=total.moved + line.moved,
            closing=total.closing + line.closing,
            by_day=days,
        )
    return [totals[item] for item in sorted(totals)]


def _row(
    lines: dict[tuple[str, str], VarianceLine], item: str, location: str, unit: Unit
) -> VarianceLine:
    return lines.get((item, location)) or VarianceLine(item, location, unit)


Where = tuple[str, str, Unit]
"""A variance line's item and location, and the base unit of what moved there."""


def _movements(event: Event) -> list[tuple[Where, Movements]]:
    """What ``event`` adds to each (item, location) line, in its base unit."""
    if event.type in _TRANSFERRED:  # a move posts at two locations: take the ledger's word
        return [((p.key.item, p.key.location, base.unit), Movements(transferred=base.value))
                for p in postings(event) for base in (p.qty.to_base(),)]  # fmt: skip
    if event.type not in _RECEIVED | _USED | {"stock.adjusted"}:
        return []
    line = event.payload()
    assert isinstance(line, StockLine)
    base = line.quantity.to_base()
    where, qty = (line.item, line.location, base.unit), base.value
    if event.type in _RECEIVED:
        return [(where, Movements(received=qty))]
    if event.type == "stock.adjusted":
        return [(where, Movements(waste=-qty))]
    if not isinstance(line, StepConsumed):
        return [(where, Movements(used=qty))]
    loss = Quantity(line.yield_loss, line.unit).to_base().value
    if line.operation == Operation.THAW:
        return [(where, Movements(used=qty, thaw_loss=loss))]
    return [(where, Movements(used=qty, trim_loss=loss))]
