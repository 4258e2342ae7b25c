"""A site's replenishment read from the cloud's database: the site's stock events of the
history window, its master data, its free stock, its cold-chain raises, its suppliers'
order-to-receipt history and its open orders (``cloud.purchasing``), in one site-scoped
transaction; the planning itself is ``domain.replenishment.site_plan``, with the site's
global model where it was chosen and is fitted (``cloud.replenishment.serving``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from psycopg_pool import AsyncConnectionPool

from cloud.auth.scope import site_scope
from cloud.masterdata.store import read_masterdata
from cloud.purchasing.on_order import on_order
from cloud.purchasing.receipts import deliveries, refresh_site
from cloud.replenishment.serving import Serving, served_methods
from domain.masterdata import MasterData
from domain.quantity import Quantity, Unit
from domain.replenishment.cleaning import CleaningLine, StockRecord, clean_demand, stock_change
from domain.replenishment.known_effects import holiday_flags
from domain.replenishment.promotions import promotion_flags
from domain.replenishment.series import DemandSeries, KnownDays
from domain.replenishment.site_plan import LOOK_BACK, Raise, Suggestion, plan_site

TYPES = [
    "lot.received", "stock.consumed", "stock.step_consumed", "stock.issued", "stock.returned",
    "stock.produced", "stock.adjusted", "transfer.shipped", "transfer.received",
    "safety_stock.raised",
]  # fmt: skip

_EVENTS = """
SELECT type, at, data FROM events
WHERE site = %(site)s AND at >= %(since)s AND at < %(until)s AND type = ANY (%(types)s)
ORDER BY at, agent, seq
"""

_FREE = """
SELECT l.item, l.unit, coalesce(sum(l.qty) FILTER (WHERE NOT coalesce(h.held, false)), 0)
FROM ledger AS l
LEFT JOIN lot_holds AS h
  ON (h.site, h.item, h.lot, h.location) = (l.site, l.item, l.lot, l.location)
WHERE l.site = %(site)s AND l.qty > 0
GROUP BY l.item, l.unit
"""


@dataclass(frozen=True, slots=True)
class SiteReplenishment:
    site: str
    as_of: date
    history_days: int
    has_masterdata: bool
    suggestions: list[Suggestion]
    cleaning: tuple[CleaningLine, ...]
    serving: Serving
    """The methods forecasts were made with, and why the global model was not, if not."""


async def site_replenishment(
    pool: AsyncConnectionPool,
    site: str,
    *,
    today: date,
    history_days: int,
    receipts: AsyncConnectionPool | None = None,
) -> SiteReplenishment:
    """Plans for every item the site used in the ``history_days`` up to ``today``, read
    through ``pool`` (the tenant pool: the site's rows only). With ``receipts`` (a pool that
    may write purchasing's tables), receipts not yet attributed to the site's open purchase
    orders are attributed first, so what is still on order is current; the tenant role
    only reads those tables."""
    if receipts is not None:
        async with receipts.connection() as conn, conn.transaction():
            await refresh_site(conn, site)
    start, until, params = _window(site, today, history_days)
    async with site_scope(pool, [site]) as conn:
        rows = await (await conn.execute(_EVENTS, params)).fetchall()
        free = await (await conn.execute(_FREE, params)).fetchall()
        stored = await read_masterdata(conn, site)
        master = MasterData.model_validate(stored.document) if stored else MasterData()
        # the site's own purchase orders and their receipts (row-level security keeps
        # every other site's out): each supplier's order-to-receipt history
        history = [d for s in master.suppliers for d in await deliveries(conn, s.id)]
        coming = await on_order(conn, site, until)
        coming_before = await on_order(conn, site, until - timedelta(days=LOOK_BACK))
        serving = await served_methods(conn, site, today)
    records = _records(site, rows)
    off = _china_holidays(start, history_days + 28)
    cleaned = clean_demand(records, start, today, holidays=off)
    series = _used_series(cleaned.series, master)
    free_now = _free_by_item(free)
    moved = stock_change(records, until - timedelta(days=LOOK_BACK))
    position = {item: free_now.get(item, 0.0) + coming.get(item, 0.0) for item in series}
    before = {
        item: free_now.get(item, 0.0) - moved.get((item, site), 0.0) + coming_before.get(item, 0.0)
        for item in series
    }
    ahead = holiday_flags(off, today + timedelta(days=1), 28)
    suggestions = plan_site(
        series,
        master,
        position=position,
        position_before=before,
        raises=_raises(records),
        deliveries=history,
        future={
            item: KnownDays(
                promotion_flags(master.promotions, item, today + timedelta(days=1), 28), ahead
            )
            for item in series
        },
        on_order=coming,
        methods=(serving.methods, serving.forecast),
    )
    return SiteReplenishment(
        site, today, history_days, stored is not None, suggestions, cleaned.report, serving
    )


async def site_series(
    pool: AsyncConnectionPool, site: str, *, today: date, history_days: int
) -> dict[str, DemandSeries]:
    """The cleaned daily demand of every item ``site`` used in the ``history_days`` up to
    ``today``, promotions flagged: what the site's global model learns from."""
    start, _, params = _window(site, today, history_days)
    async with site_scope(pool, [site]) as conn:
        rows = await (await conn.execute(_EVENTS, params)).fetchall()
        stored = await read_masterdata(conn, site)
    master = MasterData.model_validate(stored.document) if stored else MasterData()
    off = _china_holidays(start, history_days + 28)
    cleaned = clean_demand(_records(site, rows), start, today, holidays=off)
    return _used_series(cleaned.series, master)


def _window(site: str, today: date, history_days: int) -> tuple[date, datetime, dict[str, Any]]:
    """The history's first day, the instant after ``today`` and the query parameters."""
    start = today - timedelta(days=history_days - 1)
    since = datetime.combine(start, time(), tzinfo=UTC)
    until = datetime.combine(today + timedelta(days=1), time(), tzinfo=UTC)
    return start, until, {"site": site, "since": since, "until": until, "types": TYPES}


def _records(site: str, rows: list[tuple[object, ...]]) -> list[StockRecord]:
    return [
        StockRecord(site, str(kind), cast(datetime, at), cast(dict[str, Any], data))
        for kind, at, data in rows
    ]


def _used_series(
    cleaned: Mapping[tuple[str, str], DemandSeries], master: MasterData
) -> dict[str, DemandSeries]:
    return {
        item: replace(s, promo=promotion_flags(master.promotions, item, s.start, len(s)))
        for (item, _), s in cleaned.items()
        if _is_used(s.qty)
    }


def _is_used(qty: tuple[float, ...]) -> bool:
    return any(q > 0 for q in qty)


def _free_by_item(rows: list[tuple[object, ...]]) -> dict[str, float]:
    free: dict[str, float] = {}
    for item, unit, qty in rows:
        base = Quantity(Decimal(str(qty)), Unit(str(unit))).to_base()
        free[str(item)] = free.get(str(item), 0.0) + float(base.value)
    return free


def _raises(records: list[StockRecord]) -> list[Raise]:
    return [
        Raise(str(r.data["item"]), float(r.data["factor"]), str(r.data["cause"]), r.at.date())
        for r in records
        if r.type == "safety_stock.raised"
    ]


def _china_holidays(start: date, days: int) -> frozenset[date]:
    import holidays  # China's calendar moves with the moon: a table, not a rule

    years = range(start.year, (start + timedelta(days=days)).year + 1)
    return frozenset(holidays.country_holidays("CN", years=years).keys())
