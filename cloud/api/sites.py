"""Views of a site: on-hand stock by item, lot and location, with the holds on it."""

from __future__ import annotations

from fastapi import APIRouter, Query

from cloud.api.deps import StateDep
from cloud.api.schemas import HoldPublic, SiteStockPublic, StockLinePublic

router = APIRouter(prefix="/v1/sites", tags=["sites"])


@router.get("/{site}/stock", response_model=SiteStockPublic, summary="On-hand stock of a site")
async def get_stock(
    site: str,
    state: StateDep,
    item: str | None = Query(default=None, description="only this item"),
) -> SiteStockPublic:
    query = (
        "SELECT l.item, l.lot, l.location, l.qty, l.unit, h.reason, h.cause FROM ledger AS l "
        "LEFT JOIN lot_holds AS h ON h.held AND (h.site, h.item, h.lot, h.location) = "
        "(l.site, l.item, l.lot, l.location) WHERE l.site = %s"
    )
    params: list[str] = [site]
    if item is not None:
        query += " AND l.item = %s"
        params.append(item)
    query += " ORDER BY l.item, l.lot, l.location"
    async with state.pool.connection() as conn:
        cur = await conn.execute(query, params)
        rows = await cur.fetchall()
    lines = [
        StockLinePublic(
            item=i,
            lot=lot,
            location=loc,
            qty=str(qty),
            unit=unit,
            held=None if reason is None else HoldPublic(reason=reason, cause=cause),
        )
        for i, lot, loc, qty, unit, reason, cause in rows
    ]
    return SiteStockPublic(site=site, lines=lines)
