"""One item, one code: ``GET /v1/serials/{serial}`` opens a finished unit's whole life.

Scan a serial (camera, PDA) and get, across the sites the caller may read (``stock.read``):
the build and every repair (operation, station, operator, work order, times, the component
lots put in), the component genealogy down to the suppliers' receipts, the attributes
recorded (firmware flashed), and every quality check of the unit or of any of its lots.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse

from cloud.api.deps import StateDep
from cloud.api.trace import readable_sites
from cloud.auth.deps import Principal, require
from cloud.auth.scope import site_scope
from cloud.plants.serials import find_serial, serial_life

router = APIRouter(prefix="/v1/serials", tags=["serials"])


@router.get(
    "/{serial}",
    responses={404: {"description": "the serial is unknown at your sites"},
               409: {"description": "the code names lots of several items: add ?item="}},
    summary="A finished serial's life: builds and repairs, components, inspections",
)  # fmt: skip
async def get_serial(
    serial: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
    item: str | None = None,
) -> Any:
    sites = await readable_sites(state, principal, "stock.read")
    async with site_scope(state.tenant_pool, sites) as conn:
        found = [f for f in await find_serial(conn, serial) if item in (None, f.item)]
        if not found:
            raise HTTPException(404, f"serial {serial!r} is unknown at your sites")
        if len({f.item for f in found}) > 1:
            items = ", ".join(sorted({f.item for f in found}))
            raise HTTPException(409, f"serial {serial!r} names lots of {items}: add ?item=")
        life = await serial_life(conn, found[0], serial)
    return JSONResponse(life)
