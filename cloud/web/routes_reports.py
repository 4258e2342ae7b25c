"""The reports pages: the organisation's reports defined as data, and one report as a table
with its chart (drawn by the cloud, inline SVG) and its CSV and XLSX, over the site's rows.
Columns the person may not see are left out, as in the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from cloud.api.reports import render as render_report
from cloud.orgs.tree import node_of_site, root_of
from cloud.reports.render import as_svg, cell
from cloud.reports.service import ReportRefused, run_report
from cloud.reports.store import dataset_names
from cloud.web.access import site_page
from cloud.web.pages import Viewer, render

router = APIRouter(prefix="/ui/sites/{site}")
Reader = Annotated[Viewer, Depends(site_page("stock.read", names=False))]


@router.get("/reports", response_class=HTMLResponse, summary="Reports page")
async def reports_page(seen: Reader) -> HTMLResponse:
    assert seen.site is not None
    async with seen.state.pool.connection() as conn:
        node_id = await node_of_site(conn, seen.site)
        assert node_id is not None  # site_page found it
        reports = await dataset_names(conn, await root_of(conn, node_id))
    return render(seen, "reports.html", reports=reports)


@router.get("/reports/{name}", response_class=HTMLResponse, summary="One report")
async def report_page(
    name: str,
    seen: Reader,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    format: Literal["html", "csv", "xlsx"] = "html",
) -> Response:
    assert seen.site is not None
    try:
        async with seen.state.pool.connection() as conn:
            result = await run_report(conn, seen.principal, name, seen.site, start, end)
    except ReportRefused as refused:
        return render(seen, "refused.html", status=refused.status, code=refused.status,
                      message=refused.message)  # fmt: skip
    if format != "html":
        return render_report(result, format)
    chart = result.dataset.chart
    svg = None
    if chart is not None and chart.y in result.columns:
        svg = as_svg(chart, result.rows, result.dataset.title)
    rows = [[cell(row[c]) for c in result.columns] for row in result.rows]
    return render(seen, "report.html", result=result, rows=rows, svg=svg, start=start, end=end)
