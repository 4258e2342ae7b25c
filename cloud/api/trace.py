"""Genealogy of a lot: ``GET /v1/trace/{item}/{lot}``, backward or forward, as JSON, CSV or SVG.

A trace crosses the sites of an organisation, but only the sites where the caller holds
``stock.read``: the query runs in their site scope, so row-level security cuts every link
recorded by another site (a transfer in from a site you may not see shows where it came
from, and stops there).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import JSONResponse, Response

from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, require
from cloud.auth.grants import sites_with
from cloud.auth.scope import site_scope
from cloud.http.disposition import attachment
from cloud.state import CloudState
from cloud.trace.logistic_unit import open_unit, unit_json
from cloud.trace.query import trace
from cloud.trace.render import trace_csv, trace_json, trace_svg
from cloud.trace.tree import Direction

router = APIRouter(prefix="/v1/trace", tags=["trace"])

_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {}, "image/svg+xml": {}},
        "description": "the trace as a JSON tree, a CSV table or an SVG picture",
    }
}


async def readable_sites(state: CloudState, principal: Principal, permission: str) -> list[str]:
    """The sites where ``principal`` holds ``permission`` (every site when auth is off);
    403 naming the permission when there is none."""
    async with state.pool.connection() as conn:
        if principal.kind == "anonymous":
            cur = await conn.execute("SELECT site FROM org_nodes WHERE site IS NOT NULL")
            sites = [str(row[0]) for row in await cur.fetchall()]
        else:
            sites = await sites_with(conn, principal, permission)
    if not sites and principal.kind != "anonymous":
        raise HTTPException(403, f"{principal.name} lacks {permission} at any site")
    return sites


@router.get(
    "/{sscc}",
    summary="Open a logistic unit by its SSCC and trace each lot it carried, across your sites",
    responses={404: {"description": "no package with this SSCC at your sites"},
               422: {"description": "not an SSCC (18 digits)"}},
)  # fmt: skip
async def get_unit_trace(
    sscc: Annotated[str, Path(pattern=r"^[0-9]{18}$", description="the SSCC, 18 digits")],
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
    direction: Annotated[Direction, Query(description="backward: its inputs; forward: uses")],
    depth: Annotated[int, Query(ge=1, le=50, description="levels to follow at most")] = 20,
) -> JSONResponse:
    sites = await readable_sites(state, principal, "stock.read")
    async with site_scope(state.tenant_pool, sites) as conn:
        units = await open_unit(conn, sscc, direction, depth)
    if not units:
        raise HTTPException(404, f"SSCC {sscc} is on no shipping notice of your sites")
    return JSONResponse(unit_json(sscc, direction, units))


@router.get(
    "/{item}/{lot}",
    responses=_FORMATS,
    summary="Where a lot came from (backward) or went (forward), across your sites",
)
async def get_trace(
    item: str,
    lot: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
    direction: Annotated[Direction, Query(description="backward: its inputs; forward: uses")],
    format: Annotated[Literal["json", "csv", "svg"], Query()] = "json",
    depth: Annotated[int, Query(ge=1, le=50, description="levels to follow at most")] = 20,
) -> Response:
    sites = await readable_sites(state, principal, "stock.read")
    async with site_scope(state.tenant_pool, sites) as conn:
        roots = await trace(conn, item, lot, direction, max_depth=depth)
    if not roots:
        raise HTTPException(404, f"lot {lot!r} of item {item!r} is unknown at your sites")
    name = f"trace-{direction}-{item}-{lot}"
    if format == "csv":
        headers = {"Content-Disposition": attachment(f"{name}.csv")}
        return Response(trace_csv(roots), media_type="text/csv", headers=headers)
    if format == "svg":
        return Response(trace_svg(item, lot, direction, roots), media_type="image/svg+xml")
    return JSONResponse(trace_json(item, lot, direction, roots))
