"""The stock page: on-hand by item, lot and location, with holds, expiry and the lot's open
clocks, and the cost price only for those the API shows it to."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from cloud.api.foodsafety import board_of_day
from cloud.api.sites import get_stock, stock_lines
from cloud.auth.fields import hidden_fields
from cloud.auth.scope import site_scope
from cloud.orgs.zone import site_zone
from cloud.web.access import site_page
from cloud.web.pages import Viewer, render
from domain.foodsafety import OpenClock, RecordRefused

log = logging.getLogger(__name__)

router = APIRouter(prefix="/ui/sites/{site}")

_EXPIRY = "SELECT item, lot, expires_on FROM lots WHERE site = %s"


@router.get("/stock", response_class=HTMLResponse, summary="Stock page")
async def stock_page(
    seen: Annotated[Viewer, Depends(site_page("stock.read"))],
    item: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    assert seen.site is not None
    state, site = seen.state, seen.site
    lines = await stock_lines(state, seen.principal, site, item or None)
    async with site_scope(state.tenant_pool, [site]) as conn:
        cur = await conn.execute(_EXPIRY, (site,))
        rows_of_lots = await cur.fetchall()
    expiry = {(str(i), str(lot)): cast(date | None, e) for i, lot, e in rows_of_lots}
    clocks = await _open_clocks(seen)
    rows: list[dict[str, Any]] = [
        {
            "line": line,
            "expires_on": expiry.get((line.item, line.lot)),
            "clocks": clocks.get((line.item, line.lot, line.location), []),
        }
        for line in lines
    ]
    show_cost = "cost_price" not in hidden_fields(seen.principal)
    return render(seen, "stock.html", rows=rows, show_cost=show_cost, item=item or "")


async def _open_clocks(seen: Viewer) -> dict[tuple[str, str, str], list[OpenClock]]:
    """Today's open clocks (thawing, opened, cooling…) by stock line, from the board's fold."""
    assert seen.site is not None
    today = datetime.now(await site_zone(seen.state, seen.site)).date()  # the site's day
    try:
        board = await board_of_day(seen.state, seen.site, today, clocks_only=True)
    except RecordRefused as exc:
        # the board page shows the refusal to the person; the stock page still shows stock
        log.warning("site %s: open clocks left off the stock page: %s", seen.site, exc)
        return {}
    by_line: dict[tuple[str, str, str], list[OpenClock]] = {}
    for clock in board.open_clocks:
        by_line.setdefault((clock.item, clock.lot, clock.location), []).append(clock)
    return by_line


@router.get("/stock.csv", summary="Stock export, as the API's CSV")
async def stock_csv(
    seen: Annotated[Viewer, Depends(site_page("stock.read"))],
    item: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The very export of ``GET /v1/sites/{site}/stock?format=csv``, hidden fields absent."""
    assert seen.site is not None
    return await get_stock(seen.site, seen.state, seen.principal, item or None, "csv")
