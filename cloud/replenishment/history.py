"""An item's actual daily demand at a site over the last days: the cleaned demand its plans
learn from (``cloud.replenishment.service.site_series``), day by day, stock-out days marked,
so a page can set it beside what was forecast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from psycopg_pool import AsyncConnectionPool

from cloud.replenishment.service import site_series


@dataclass(frozen=True, slots=True)
class DailyDemand:
    """One day's cleaned demand, in the item's base unit; ``censored``: the item had run out,
    so the figure is a floor of what was wanted."""

    day: date
    qty: float
    censored: bool


async def actual_demand(
    pool: AsyncConnectionPool, site: str, item: str, *, today: date, days: int, history_days: int
) -> list[DailyDemand]:
    """The item's demand (in its base unit) on each of the ``days`` up to ``today``, cleaned
    over the ``history_days`` its plan learns from (so a stock-out that began before the
    days shown is still seen); zero on every day when the item was not used at all."""
    series = await site_series(pool, site, today=today, history_days=max(history_days, days))
    first = today - timedelta(days=days - 1)
    found = series.get(item)
    if found is None:
        return [DailyDemand(first + timedelta(days=n), 0.0, False) for n in range(days)]
    offset = (first - found.start).days
    censored = found.censored or (False,) * len(found)
    return [
        DailyDemand(first + timedelta(days=n), found.qty[offset + n], censored[offset + n])
        for n in range(days)
    ]
