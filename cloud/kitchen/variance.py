"""The variance report of a site from the cloud's events table.

The cloud holds every event the site's agents recorded, so it runs the very function the
domain defines (``domain.kitchen.variance``) over them: counts are replayed as snapshots,
so a site with several agents (a PDA's counts on one, the line's deductions on another)
gives the same answer as one. Only the events that move or count stock are read, from the
site's beginning (the opening balance needs all of them) to the end of the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from psycopg import AsyncConnection

from domain.events import Event, format_at
from domain.kitchen.variance import VarianceLine, item_totals, variance
from domain.ledger import STOCK_TYPES as STOCK_TYPES_SET

STOCK_TYPES = sorted(STOCK_TYPES_SET)
"""The ledger's one list of stock-moving types, as the query's array parameter."""
MAX_DAYS = 366
"""The longest period one report covers."""

_QUERY = """
SELECT id, agent, seq, site, type, at, data, prev, hash FROM events
WHERE site = %s AND type = ANY(%s) AND at <= %s
  AND (%s::text IS NULL OR data->>'item' = %s)
ORDER BY at, agent, seq
"""


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
    cur = await conn.execute(_QUERY, (site, STOCK_TYPES, period.end, item, item))
    events = [_event(row) for row in await cur.fetchall()]
    lines = variance(events, start=period.start, end=period.end, day_of=period.day_of)
    return VarianceReport(lines, item_totals(lines))


def _event(row: tuple[Any, ...]) -> Event:
    event_id, agent, seq, site, kind, at, data, prev, hash_ = row
    return Event(str(event_id), agent, seq, site, kind, format_at(at), data, prev, hash_)
