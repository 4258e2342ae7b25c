"""Views of a site: on-hand stock by item, lot and location."""

from __future__ import annotations

from fastapi import APIRouter, Query

from cloud.api.deps import StateDep
from cloud.api.schemas import SiteStockPublic, StockLinePublic

router = APIRouter(prefix="/v1/sites", tags=["sites"])


@router.get("/{site}/stock", response_model=SiteStockPublic, summary="On-hand stock of a site")
async def get_stock(
    site: str,
    state: StateDep,
    item: str | None = Query(default=None, description="only this item"),
) -> SiteStockPublic:
    query = "SELECT item, lot, location, qty, unit FROM ledger WHERE site = %s"
    params: list[str] = [site]
    if item is not None:
        query += " AND item = %s"
        params.append(item)
    query += " ORDER BY item, lot, location"
    async with state.pool.connection() as conn:
        cur = await conn.execute(query, params)
        rows = await cur.fetchall()
    lines = [
        StockLinePublic(item=i, lot=lot, location=loc, qty=str(qty), unit=unit)
        for i, lot, loc, qty, unit in rows
    ]
    return SiteStockPublic(site=site, lines=lines)
