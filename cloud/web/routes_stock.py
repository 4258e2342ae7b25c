"""The stock page: on-hand by item, lot and location, with holds, expiry and the lot's open
clocks, and the cost price only for those the API shows it to; a page at a time (a site's
stock runs to hundreds of lines, and a row costs its rendering), the CSV has every line."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from cloud.api.sites import get_stock, stock_lines
from cloud.auth.fields import hidden_fields
from cloud.auth.scope import site_scope
from cloud.kitchen.lot_history import Conn, clock_events
from cloud.web.access import site_page
from cloud.web.item_names import named
from cloud.web.pages import Viewer, render
from domain.foodsafety import OpenClock, RecordRefused, board, site_day

log = logging.getLogger(__name__)

router = APIRouter(prefix="/ui/sites/{site}")

LINES_PER_PAGE = 100

_EXPIRY = "SELECT item, lot, expires_on FROM lots WHERE site = %s AND lot = ANY(%s)"


@router.get("/stock", response_class=HTMLResponse, summary="Stock page")
async def stock_page(
    seen: Annotated[Viewer, Depends(site_page("stock.read", names=False))],
    item: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="from 1")] = 1,
) -> HTMLResponse:
    assert seen.site is not None
    lines = await stock_lines(seen.state, seen.principal, seen.site, item or None)
    pages = max(1, -(-len(lines) // LINES_PER_PAGE))
    page = min(page, pages)
    shown = lines[(page - 1) * LINES_PER_PAGE : page * LINES_PER_PAGE]
    async with site_scope(seen.state.tenant_pool, [seen.site]) as conn:
        cur = await conn.execute(_EXPIRY, (seen.site, sorted({line.lot for line in shown})))
        expiry = {(str(i), str(lot)): cast(date | None, e) for i, lot, e in await cur.fetchall()}
        clocks = await _open_clocks(conn, seen)
        seen = await named(seen, conn)
    rows: list[dict[str, Any]] = [
        {
            "line": line,
            "expires_on": expiry.get((line.item, line.lot)),
            "clocks": clocks.get((line.item, line.lot, line.location), []),
        }
        for line in shown
    ]
    show_cost = "cost_price" not in hidden_fields(seen.principal)
    return render(seen, "stock.html", rows=rows, show_cost=show_cost, item=item or "",
                  page=page, pages=pages, total=len(lines),
                  first=(page - 1) * LINES_PER_PAGE + 1)  # fmt: skip


async def _open_clocks(conn: Conn, seen: Viewer) -> dict[tuple[str, str, str], list[OpenClock]]:
    """Today's open clocks (thawing, opened, cooling…) by stock line: the board's fold of
    the clocks' events alone, in the site's day."""
    assert seen.site is not None
    zone = seen.speaker.zone
    today = datetime.now(zone).date()
    start = datetime.combine(today, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    events = await clock_events(conn, seen.site, since=start, until=end)
    events.sort(key=lambda event: (event.moment, event.agent, event.seq))
    try:
        folded = board(events, today, day_of=site_day(zone))
    except RecordRefused as exc:
        # the board page shows the refusal to the person; the stock page still shows stock
        log.warning("site %s: open clocks left off the stock page: %s", seen.site, exc)
        return {}
    by_line: dict[tuple[str, str, str], list[OpenClock]] = {}
    for clock in folded.open_clocks:
        by_line.setdefault((clock.item, clock.lot, clock.location), []).append(clock)
    return by_line


@router.get("/stock.csv", summary="Stock export, as the API's CSV")
async def stock_csv(
    seen: Annotated[Viewer, Depends(site_page("stock.read", names=False))],
    item: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The very export of ``GET /v1/sites/{site}/stock?format=csv``, hidden fields absent."""
    assert seen.site is not None
    return await get_stock(seen.site, seen.state, seen.principal, item or None, "csv")
