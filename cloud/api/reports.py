"""Reports defined as data: set a dataset for an organisation, run it as JSON, CSV, XLSX or
an SVG chart; a column the caller may not see (a cost field) is left out, not emptied."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, authenticate, require
from cloud.orgs.tree import root_of
from cloud.reports.render import as_csv, as_svg, as_xlsx, cell
from cloud.reports.service import ReportRefused, Result, run_report
from cloud.reports.store import put_dataset
from domain.reports import Dataset

router = APIRouter(tags=["reports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Literal["json", "csv", "xlsx", "svg"]


@router.put(
    "/v1/orgs/{node_id}/reports/{name}",
    status_code=204,
    response_model=None,
    summary="Define (or replace) a report of the node's organisation",
)
async def put_report(
    node_id: int,
    name: str,
    body: Dataset,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("org.manage"))],
) -> Response:
    if body.name != name:
        message = f"name {body.name!r} differs from the path's {name!r}"
        return JSONResponse({"error": "name_mismatch", "message": message}, 422)
    async with state.pool.connection() as conn, conn.transaction():
        await put_dataset(conn, await root_of(conn, node_id), body, principal.name)
    return Response(status_code=204)


@router.get(
    "/v1/reports/{name}",
    summary="Run a report over the sites the caller may read",
    responses={403: {"description": "a site not yours, or a filter on a field hidden from you"},
               404: {"description": "no such report"}},
)  # fmt: skip
async def get_report(
    name: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(authenticate)],
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to", description="excluded")] = None,
    site: str | None = None,
    format: Format = "json",
) -> Response:
    try:
        async with state.pool.connection() as conn:
            result = await run_report(conn, principal, name, site, start, end)
    except ReportRefused as refused:
        return refused.answer()
    return render(result, format)


def render(result: Result, format: Format) -> Response:
    """The result in the asked format."""
    title = result.dataset.title
    if format == "csv":
        filename = f'attachment; filename="{result.dataset.name}.csv"'
        body = as_csv(result.columns, result.rows)
        return Response(body, media_type="text/csv", headers={"Content-Disposition": filename})
    if format == "xlsx":
        filename = f'attachment; filename="{result.dataset.name}.xlsx"'
        data = as_xlsx(title, result.columns, result.rows)
        return Response(data, media_type=XLSX, headers={"Content-Disposition": filename})
    chart = result.dataset.chart
    visible_chart = chart is not None and chart.y in result.columns
    if format == "svg":
        if chart is None or not visible_chart:
            message = "this report has no chart you may see"
            return JSONResponse({"error": "no_chart", "message": message}, 404)
        return Response(as_svg(chart, result.rows, title), media_type="image/svg+xml")
    answer: dict[str, Any] = {
        "name": result.dataset.name, "title": title, "sites": list(result.sites),
        "columns": result.columns, "hidden": result.hidden,
        "rows": [{c: cell(row[c]) for c in result.columns} for row in result.rows],
    }  # fmt: skip
    return JSONResponse(answer)
