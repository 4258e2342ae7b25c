"""The kitting board page of a work order: per line what it needs and where that stands,
the lots a process constraint refuses with the reason, and when the kit will be complete.
The same board as ``GET /v1/sites/{site}/work-orders/{wo}/kitting``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, JSONResponse, Response

from cloud.api.work_orders import read_board
from cloud.plants.orders import WorkOrderRefused
from cloud.web.access import site_page
from cloud.web.pages import Viewer, render

router = APIRouter(prefix="/ui/sites/{site}")


@router.get(
    "/work-orders/{work_order}/kitting", response_class=HTMLResponse, summary="Kitting board"
)
async def kitting_page(
    work_order: str, seen: Annotated[Viewer, Depends(site_page("stock.read"))]
) -> Response:
    assert seen.site is not None
    try:
        record, board, now = await read_board(seen.state, seen.site, work_order)
    except WorkOrderRefused as refused:
        return JSONResponse({"error": refused.code, "message": refused.message}, refused.status)
    return render(seen, "kitting.html", order=record.order, board=board, now=now)
