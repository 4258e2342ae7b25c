"""The variance report of a site from the cloud's events table.

The cloud holds every event the site's agents recorded, so it runs the very function the
domain defines (``domain.kitchen.variance``) over them: counts are replayed as snapshots,
so a site with several agents (a PDA's counts on one, the line's deductions on another)
gives the same answer as one. Only the events that move or count stock are read, and only
those of the lots live during or after the period (``cloud.kitchen.lot_history``): a lot
that was zero everywhere before the period began and never moved since adds nothing but its
zero line, which the ledger gives, and a lot that did not move since the period began adds
its ledger balance to the opening and the closing of its line (``settled_lots``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from psycopg import AsyncConnection

from cloud.kitchen.lot_history import dead_lines, live_lot_events
from cloud.kitchen.settled_lots import settled_balances
from domain.kitchen.variance import VarianceLine, item_totals, variance
from domain.quantity import Unit

MAX_DAYS = 366
"""The longest period one report covers."""


class PeriodInvalid(ValueError):
    """A period the report cannot cover; the message names the parameter."""


@dataclass(frozen=True, slots=True)
class Period:
    """Whole site-local days, ``first`` to ``last`` inclusive."""

    first: date
    last: date
    zone: tzinfo

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise PeriodInvalid(f"to: {self.last} is before from {self.first}")
        if (self.last - self.first).days >= MAX_DAYS:
            raise PeriodInvalid(f"to: a report covers at most {MAX_DAYS} days")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=self.zone)

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()


@dataclass(frozen=True, slots=True)
class VarianceReport:
    lines: list[VarianceLine]
    """By item and location (station, cold room)."""
    items: list[VarianceLine]
    """By item, over all locations."""


async def variance_report(
    conn: AsyncConnection[tuple[Any, ...]], site: str, period: Period, item: str | None
) -> VarianceReport:
    """The site's variance over ``period``, of ``item`` only if given."""
    start, end = period.start, period.end
    events = await live_lot_events(conn, site, since=start, until=end, item=item,
                                   settled_before=start)  # fmt: skip
    lines = variance(events, start=start, end=end, day_of=period.day_of)
    by_key = {(line.item, line.location): line for line in lines}
    for held, location, unit, qty in await settled_balances(conn, site, settled_before=start,
                                                            item=item):  # fmt: skip
        row = by_key.get((held, location)) or VarianceLine(held, location, Unit(unit))
        by_key[held, location] = replace(row, opening=row.opening + qty, closing=row.closing + qty)
    lines = list(by_key.values())
    shown = set(by_key)
    for dead_item, location, unit in await dead_lines(conn, site, since=start, item=item):
        if (dead_item, location) not in shown:
            shown.add((dead_item, location))
            lines.append(VarianceLine(dead_item, location, Unit(unit)))
    lines.sort(key=lambda line: (line.item, line.location))
    return VarianceReport(lines, item_totals(lines))
