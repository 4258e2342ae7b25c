"""Work orders for a site's line, their kitting board, and what is known about a lot.

``POST /v1/sites/{site}/work-orders`` releases an order (an MES calls the same route): its
lines are given, or exploded from the bill of materials in the site's master data, and it
goes down to the site's agent as a signed ``workorder`` document. ``GET …/kitting`` answers
per line what is required, on hand, reserved, in transit with its ETA, awaiting inspection
and refused by a process constraint, and when the kit will be complete.
``POST /v1/sites/{site}/lot-attributes`` records a lot's attributes at receipt (serial range,
firmware, batch, mould) and answers whether the process constraints let it go where it is
put away.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, require
from cloud.auth.scope import site_scope
from cloud.downlink.bell import bell_of
from cloud.plants.kitting import BoardLine, KittingBoard, kitting_board
from cloud.plants.orders import (
    WorkOrderRecord,
    WorkOrderRefused,
    bom_for,
    close,
    exploded_lines,
    get_work_order,
    release,
    site_constraints,
    site_masterdata,
)
from cloud.plants.supply import item_supply, lots_at, on_hand_by_item, record_lot_attributes
from cloud.purchasing.on_order import open_lines
from domain.constraints import check, check_putaway, putaway_class
from domain.quantity import Unit
from domain.values import Amount, Moment, Name
from domain.workorders import WorkOrder, superseded

router = APIRouter(prefix="/v1/sites", tags=["work orders"])

_REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown site or work order"},
    409: {"description": "the work order's id exists at the site, or it is closed already"},
    422: {"description": "bad body, or no bill of materials to explode"},
}


class LineCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operation: Name
    item: Name
    qty: Annotated[Amount, Field(gt=0)]
    unit: Unit


class WorkOrderCreate(BaseModel):
    """A work order for the site in the path; its id is made when none is given, its lines
    exploded from the site's bill of materials when none are given. Given lines are the
    order's totals (an MES sends its own explosion), not per unit."""

    model_config = ConfigDict(extra="forbid")

    work_order: Name | None = None
    product: Name
    revision: Name | None = None
    qty: Annotated[int, Field(ge=1, le=1_000_000)]
    line: Name | None = Field(default=None, description="the production line that runs it")
    due_at: Moment | None = None
    lines: Annotated[list[LineCreate], Field(min_length=1, max_length=2000)] | None = None


class WorkOrderPublic(BaseModel):
    order: WorkOrder
    state: str = Field(description="released, or closed (by the cloud, or at its last unit)")
    downlink_seq: int = Field(description="its document's number in the site's down-channel")
    created_by: str
    created_at: datetime
    built: int = Field(description="units the line has built of it (good and scrap)")
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, description="who closed it; 'line': last unit")
    closed_reason: str | None = None


class WorkOrderClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=500)]


class LotAttributesCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: Name
    lot: Name
    attributes: Annotated[dict[Name, Name], Field(min_length=1, max_length=50)]
    location: Name | None = Field(default=None, description="where it is to be put away")


class ConstraintVerdict(BaseModel):
    allowed: bool
    reason: str = Field(description="every rule broken, with what failed ('' when allowed)")
    refused_by: list[str]
    storage_class: str = Field(description="lots of one item in one location share it")


@router.post(
    "/{site}/work-orders",
    status_code=201,
    response_model=WorkOrderPublic,
    responses=_REFUSALS,
    summary="Release a work order to the site's line (sent down as a signed document)",
)
async def post_work_order(
    site: str,
    body: WorkOrderCreate,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.adjust"))],
) -> Any:
    fields = body.model_dump(exclude={"work_order", "lines"})
    try:
        async with state.pool.connection() as conn, conn.transaction():
            if body.lines is None:
                bom = bom_for(await site_masterdata(conn, site), body.product, body.revision)
                lines = exploded_lines(bom, body.qty)
                fields["revision"] = bom.revision
            else:
                lines = [{"line": n, **x.model_dump()} for n, x in enumerate(body.lines, 1)]
            order = _order({**fields, "site": site, "lines": lines,
                            "work_order": body.work_order or _new_id()})  # fmt: skip
            record = await release(conn, order, principal.name)
    except WorkOrderRefused as refused:
        return _refused(refused)
    bell_of(request.app).ring(site)
    return _public(record, 201)


@router.get(
    "/{site}/work-orders/{work_order}",
    response_model=WorkOrderPublic,
    responses=_REFUSALS,
    summary="A work order of this site, as it was sent down",
)
async def get_one(
    site: str,
    work_order: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    try:
        async with site_scope(state.tenant_pool, [site]) as conn:
            record = await get_work_order(conn, site, work_order)
    except WorkOrderRefused as refused:
        return _refused(refused)
    return _public(record, 200)


@router.post(
    "/{site}/work-orders/{work_order}/close",
    response_model=WorkOrderPublic,
    responses=_REFUSALS,
    summary="Close a work order: sent down closed, the line builds no more of it and its "
    "reservations end (409 when it is closed already)",
)
async def post_close(
    site: str,
    work_order: str,
    body: WorkOrderClose,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.adjust"))],
) -> Any:
    try:
        async with state.pool.connection() as conn, conn.transaction():
            record = await close(conn, site, work_order, principal.name, body.reason)
    except WorkOrderRefused as refused:
        return _refused(refused)
    bell_of(request.app).ring(site)
    return _public(record, 200)


@router.get(
    "/{site}/work-orders/{work_order}/kitting",
    responses=_REFUSALS,
    summary="The kitting board: per line required, on hand, reserved, in transit, ETA, "
    "awaiting inspection, refused by a constraint; the predicted complete-kit time",
)
async def get_kitting(
    site: str,
    work_order: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    try:
        board = await kitting_of(state, site, work_order)
    except WorkOrderRefused as refused:
        return _refused(refused)
    return JSONResponse(board)


async def read_board(
    state: StateDep, site: str, work_order: str
) -> tuple[WorkOrderRecord, KittingBoard, datetime]:
    """A work order, its kitting board and when it was read (shared with the web page)."""
    now = datetime.now(UTC)
    async with site_scope(state.tenant_pool, [site]) as conn:
        record = await get_work_order(conn, site, work_order)
        rules = await site_constraints(conn, site)
        supply = await item_supply(conn, record, {rule.item for rule in rules})
    return record, kitting_board(record.order.required(), supply, rules, now), now


async def kitting_of(state: StateDep, site: str, work_order: str) -> dict[str, Any]:
    """The kitting board of a work order as JSON."""
    record, board, now = await read_board(state, site, work_order)
    return {
        "site": site,
        "work_order": work_order,
        "product": record.order.product,
        "qty": record.order.qty,
        "at": now.isoformat(),
        "complete": board.complete,
        "complete_at": _moment(board.complete_at),
        "operations": [
            {"operation": op.operation, "complete": op.complete, "ready_at": _moment(op.ready_at)}
            for op in board.operations
        ],
        "lines": [_line_json(line) for line in board.lines],
    }


@router.post(
    "/{site}/lot-attributes",
    response_model=ConstraintVerdict,
    responses={404: {"description": "unknown site"}},
    summary="Record a lot's attributes at receipt; answers whether the process constraints "
    "allow it (and its put-away location)",
)
async def post_lot_attributes(
    site: str,
    body: LotAttributesCreate,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.adjust"))],
) -> ConstraintVerdict:
    async with state.pool.connection() as conn, conn.transaction():
        rules = (await site_masterdata(conn, site)).constraints
        if body.location is None:
            verdict = check(rules, body.item, body.attributes, "receipt")
        else:
            there = await lots_at(conn, site, body.item, body.location)
            there = [attrs for attrs in there if attrs != body.attributes]
            verdict = check_putaway(rules, body.item, body.attributes, body.location, there)
        await record_lot_attributes(
            conn, site, body.item, body.lot, body.attributes, principal.name
        )
    return ConstraintVerdict(
        allowed=verdict.allowed,
        reason=verdict.reason,
        refused_by=[r.constraint for r in verdict.refusals],
        storage_class=putaway_class(rules, body.item, body.attributes),
    )


@router.get(
    "/{site}/boms/{product}/superseded",
    responses={404: {"description": "unknown site"},
               422: {"description": "no such revision of the product's bill"}},
    summary="An engineering change: the parts the new revision dropped, with their stock "
    "and open purchase orders",
)  # fmt: skip
async def get_superseded(
    site: str,
    product: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
    from_revision: Annotated[str, Query(max_length=200, alias="from")],
    to_revision: Annotated[str | None, Query(max_length=200, alias="to")] = None,
) -> Any:
    """Parts of revision ``from`` that revision ``to`` (else the one in force) no longer
    uses, each with its stock on hand at the site, what the site's open purchase orders
    still bring of it (each order named, so planning can cancel it) and the parts that
    replace it."""
    try:
        async with site_scope(state.tenant_pool, [site]) as conn:
            masterdata = await site_masterdata(conn, site)
            old = bom_for(masterdata, product, from_revision)
            new = bom_for(masterdata, product, to_revision)
            gone = sorted(old.parts - new.parts)
            stock = await on_hand_by_item(conn, site, gone)
            ordered = [x for x in await open_lines(conn, site, datetime.now(UTC)) if x.item in gone]
    except WorkOrderRefused as refused:
        return _refused(refused)
    on_order: dict[str, Decimal] = defaultdict(Decimal)
    for line in ordered:
        on_order[line.item] += line.left
    flags = superseded(old, new, stock, on_order)
    return {
        "product": product, "from": old.revision, "to": new.revision,
        "superseded": [
            {"item": f.item, "on_hand": _amount(f.on_hand), "on_order": _amount(f.on_order),
             "purchase_orders": [{"po": x.po, "state": x.state, "qty": _amount(x.left)}
                                 for x in ordered if x.item == f.item],
             "replaced_by": list(f.replaced_by)}
            for f in flags
        ],
    }  # fmt: skip


def _order(fields: dict[str, Any]) -> WorkOrder:
    try:  # the whole order's checks (line numbers), answered as the body's own
        return WorkOrder.model_validate(fields)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc


def _public(record: WorkOrderRecord, status: int) -> JSONResponse:
    body = WorkOrderPublic(
        order=record.order, state=record.state, downlink_seq=record.downlink_seq,
        created_by=record.created_by, created_at=record.created_at, built=record.built,
        closed_at=record.closed_at, closed_by=record.closed_by,
        closed_reason=record.closed_reason,
    )  # fmt: skip
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def _refused(refused: WorkOrderRefused) -> JSONResponse:
    return JSONResponse({"error": refused.code, "message": refused.message}, refused.status)


def _line_json(line: BoardLine) -> dict[str, Any]:
    # written out rather than dataclasses.asdict, which deep-copies: a third of the time
    return {
        "line": line.line, "operation": line.operation, "item": line.item, "unit": line.unit,
        "required": _amount(line.required), "on_hand": _amount(line.on_hand),
        "reserved": _amount(line.reserved), "allocated": _amount(line.allocated),
        "in_transit": _amount(line.in_transit), "eta": _moment(line.eta),
        "awaiting_inspection": _amount(line.awaiting_inspection),
        "refused": [{"lot": r.lot, "location": r.location, "qty": _amount(r.qty),
                     "reason": r.reason} for r in line.refused],
        "status": line.status, "ready_at": _moment(line.ready_at), "short": _amount(line.short),
    }  # fmt: skip


def _amount(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _new_id() -> str:
    return f"wo-{secrets.token_hex(5)}"
