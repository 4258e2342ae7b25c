"""The variance page: where stock went that no event explains, by item over a period of
the site's own days (its zone)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from cloud.api.bounds import Day
from cloud.auth.scope import site_scope
from cloud.kitchen.variance import Period, PeriodInvalid, variance_report
from cloud.web.access import site_page
from cloud.web.item_names import named
from cloud.web.pages import Viewer, render

router = APIRouter(prefix="/ui/sites/{site}")


@router.get("/variance", response_class=HTMLResponse, summary="Variance page")
async def variance_page(
    seen: Annotated[Viewer, Depends(site_page("stock.read", names=False))],
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
) -> HTMLResponse:
    assert seen.site is not None
    zone = seen.speaker.zone
    last = end or datetime.now(zone).date()
    first = start or last - timedelta(days=6)
    try:
        period = Period(first, last, zone)
    except PeriodInvalid as exc:
        return render(seen, "variance.html", status=422, start=first, end=last, items=[],
                      refused=str(exc))  # fmt: skip
    async with site_scope(seen.state.tenant_pool, [seen.site]) as conn:
        report = await variance_report(conn, seen.site, period, None)
        seen = await named(seen, conn)
    return render(seen, "variance.html", start=first, end=last, items=report.items, refused=None)
