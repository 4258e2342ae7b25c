"""Close a transfer: what never arrived is written off as lost in transit, with a reason
(``cloud.transfers.closing``), and read the close back from either end."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, require
from cloud.auth.scope import site_scope
from cloud.transfers.closing import Closure, close_transfer, closure_of
from cloud.transfers.lines import LineState, line_state, transit_lines
from cloud.transfers.orders import TransferRefused
from domain.payloads import Note

router = APIRouter(prefix="/v1/sites", tags=["transfers"])

_REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown site, or nothing of the transfer was shipped (or closed)"},
    409: {"description": "closed already, or nothing of it is in transit"},
}


class CloseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Note = Field(description="why what did not arrive is written off")


class ClosurePublic(BaseModel):
    closure: Closure = Field(
        description="why, by whom, when, and the lines written off (base units)"
    )
    lines: list[LineState] = Field(description="each lot shipped, as it stands now")


@router.post(
    "/{site}/transfers/{transfer}/close",
    response_model=ClosurePublic,
    responses=_REFUSALS,
    summary="Close a transfer from this site: what is still in transit is lost, with why",
)
async def post_close(
    site: str,
    transfer: str,
    body: CloseCreate,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.adjust"))],
) -> Any:
    try:
        async with state.pool.connection() as conn, conn.transaction():
            closure = await close_transfer(conn, site, transfer, body.reason, principal.name)
    except TransferRefused as refused:
        return refused.answer()
    return await _answer(state, closure)


@router.get(
    "/{site}/transfers/{transfer}/closure",
    response_model=ClosurePublic,
    responses=_REFUSALS,
    summary="The close of a transfer from this site, if it was closed",
)
async def get_closure(
    site: str,
    transfer: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    async with site_scope(state.tenant_pool, [site]) as conn:
        closure = await closure_of(conn, site, transfer)
    if closure is None:
        message = f"transfer {transfer!r} from {site!r} is not closed"
        return JSONResponse({"error": "not_closed", "message": message}, 404)
    return await _answer(state, closure)


async def _answer(state: StateDep, closure: Closure) -> ClosurePublic:
    async with site_scope(state.tenant_pool, [closure.from_site]) as conn:
        lines = await transit_lines(conn, closure.from_site, closure.transfer)
    return ClosurePublic(closure=closure, lines=[line_state(line, closed=True) for line in lines])
