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
from domain.payloads import StepConsumed, StockLine
from domain.quantity import Quantity, Unit, exact

ZERO = Decimal(0)
_RECEIVED = frozenset({"lot.received", "stock.produced"})
_USED = frozenset({"stock.consumed", "stock.step_consumed"})


@dataclass(frozen=True, slots=True)
class Movements:
    """What moved in a period (or a day): all in the row's unit."""

    received: Decimal = ZERO
    used: Decimal = ZERO
    thaw_loss: Decimal = ZERO
    trim_loss: Decimal = ZERO
    waste: Decimal = ZERO

    def __add__(self, other: Movements) -> Movements:
        return Movements(
            self.received + other.received,
            self.used + other.used,
            self.thaw_loss + other.thaw_loss,
            self.trim_loss + other.trim_loss,
            self.waste + other.waste,
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
        return exact(self.opening + moved.received - moved.used - moved.waste - self.closing)


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
        moved = _movements(event)
        if moved is None:
            continue
        line, delta = moved
        qty = line.quantity.to_base()
        row = _row(lines, line.item, line.location, qty.unit)
        day = day_of(moment)
        by_day = {**row.by_day, day: row.by_day.get(day, Movements()) + delta}
        lines[line.item, line.location] = replace(row, moved=row.moved + delta, by_day=by_day)
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


def _movements(event: Event) -> tuple[StockLine, Movements] | None:
    """What ``event`` adds to a variance line, in its base unit; None if it moves nothing."""
    if event.type not in _RECEIVED | _USED | {"stock.adjusted"}:
        return None
    line = event.payload()
    assert isinstance(line, StockLine)
    qty = line.quantity.to_base().value
    if event.type in _RECEIVED:
        return line, Movements(received=qty)
    if event.type == "stock.adjusted":
        return line, Movements(waste=-qty)
    if not isinstance(line, StepConsumed):
        return line, Movements(used=qty)
    loss = Quantity(line.yield_loss, line.unit).to_base().value
    if line.operation == Operation.THAW:
        return line, Movements(used=qty, thaw_loss=loss)
    return line, Movements(used=qty, trim_loss=loss)
