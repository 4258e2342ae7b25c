"""Transfers between sites: request one at the sending site, approve or refuse it, and read
it with where its lines stand (shipped, in transit, received, short, over, damaged)."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloud.api.decisions import DecisionCreate
from cloud.api.deps import StateDep
from cloud.approvals.waiting import Decision
from cloud.auth.deps import Principal, require
from cloud.auth.fields import hidden_fields, without
from cloud.auth.scope import site_scope
from cloud.downlink.bell import bell_of
from cloud.transfers.closing import closure_of
from cloud.transfers.lines import LineState, line_state, transit_lines
from cloud.transfers.orders import (
    OrderRecord,
    TransferRefused,
    decide,
    get_order,
    request_transfer,
)
from cloud.transfers.vouchers import transfer_vouchers
from domain.payloads import Note
from domain.transfers import TransferLine, TransferOrder
from domain.values import Moment, Name

router = APIRouter(prefix="/v1/sites", tags=["transfers"])

_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "not an approver of the step, or the requester (four eyes)"},
    404: {"description": "unknown site or transfer"},
    409: {"description": "the id exists, or nothing waits for a decision"},
}


class TransferCreate(BaseModel):
    """A transfer from the site in the path; the id is made when none is given."""

    model_config = ConfigDict(extra="forbid")

    transfer: Name | None = None
    to_site: Name
    from_location: Name | None = None
    to_location: Name
    to_org: Name | None = Field(default=None, description="the receiving legal entity if other")
    lines: Annotated[list[TransferLine], Field(min_length=1, max_length=200)]
    expected_at: Moment | None = None
    note: Note | None = None


class VoucherLinePublic(BaseModel):
    item: str
    lot: str
    qty: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


class VoucherPublic(BaseModel):
    kind: str = Field(description="receivable (the sender's) or payable (the receiver's)")
    entity: str = Field(description="whose books the document is in")
    counterparty: str
    transfer: str
    currency: str
    lines: list[VoucherLinePublic]
    total: Decimal
    claim: Decimal = Field(description="short and damaged goods at the price: settled apart")
    cost_of_goods: Decimal | None = Field(default=None, description="field.cost_price only")
    margin: Decimal | None = Field(default=None, description="field.cost_price only")
    method: str | None = Field(default=None, description="the sender's costing method")


class TransferPublic(BaseModel):
    order: TransferOrder
    state: str = Field(description="awaiting_approval, sent or refused")
    waiting_for: str | None = Field(description="the role whose approval it waits for")
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None
    decisions: list[Decision]
    lines: list[LineState] = Field(description="each lot shipped: in transit, received, short")
    vouchers: list[VoucherPublic] = Field(
        description="between legal entities: the sender's receivable and the receiver's payable"
    )


@router.post(
    "/{site}/transfers",
    status_code=201,
    response_model=TransferPublic,
    responses=_REFUSALS,
    summary="Request a transfer from this site (sent to both sites once approved)",
)
async def post_transfer(
    site: str,
    body: TransferCreate,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.adjust"))],
) -> Any:
    fields = body.model_dump(exclude={"transfer"})
    try:  # the checks of the whole order (two sites, prices), answered as the body's own
        order = TransferOrder.model_validate(
            {**fields, "from_site": site, "transfer": body.transfer or _new_id()}
        )
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc
    try:
        async with state.pool.connection() as conn, conn.transaction():
            record = await request_transfer(conn, order, principal.name)
    except TransferRefused as refused:
        return _refused(refused)
    return await _answer(request, state, principal, record, status=201)


@router.post(
    "/{site}/transfers/{transfer}/approve",
    response_model=TransferPublic,
    responses=_REFUSALS,
    summary="Approve the step a transfer waits for (as a holder of its role)",
)
async def approve(
    site: str,
    transfer: str,
    body: DecisionCreate,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    return await _decide(request, state, site, transfer, principal, True, body.note)


@router.post(
    "/{site}/transfers/{transfer}/refuse",
    response_model=TransferPublic,
    responses=_REFUSALS,
    summary="Refuse the step a transfer waits for (it ends the transfer)",
)
async def refuse(
    site: str,
    transfer: str,
    body: DecisionCreate,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    return await _decide(request, state, site, transfer, principal, False, body.note)


@router.get(
    "/{site}/transfers/{transfer}",
    response_model=TransferPublic,
    responses=_REFUSALS,
    summary="A transfer from this site: its order, approvals and where each line stands",
)
async def get_transfer(
    site: str,
    transfer: str,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    try:
        async with site_scope(state.tenant_pool, [site]) as conn:
            record = await get_order(conn, site, transfer)
    except TransferRefused as refused:
        return _refused(refused)
    return await _answer(request, state, principal, record, ring=False)


async def _decide(
    request: Request, state: StateDep, site: str, transfer: str, principal: Principal,
    approve: bool, note: str | None,
) -> Any:  # fmt: skip
    try:
        async with state.pool.connection() as conn, conn.transaction():
            record = await decide(conn, site, transfer, principal, approve, note)
    except TransferRefused as refused:
        return _refused(refused)
    return await _answer(request, state, principal, record)


async def _answer(
    request: Request,
    state: StateDep,
    principal: Principal,
    record: OrderRecord,
    *,
    ring: bool = True,
    status: int = 200,
) -> JSONResponse:
    if ring and record.state == "sent":
        bell = bell_of(request.app)
        bell.ring(record.order.from_site)
        bell.ring(record.order.to_site)
    order = record.order
    async with site_scope(state.tenant_pool, [order.from_site]) as conn:
        lines = await transit_lines(conn, order.from_site, order.transfer)
        closed = await closure_of(conn, order.from_site, order.transfer) is not None
    async with state.pool.connection() as conn:
        vouchers = await transfer_vouchers(conn, record, lines)
    body = TransferPublic(
        order=order,
        state=record.state,
        waiting_for=record.waiting_for,
        requested_by=record.requested_by,
        requested_at=record.requested_at,
        sent_at=record.sent_at,
        decisions=list(record.decisions),
        lines=[line_state(line, closed=closed) for line in lines],
        vouchers=[VoucherPublic.model_validate(asdict(v)) for v in vouchers],
    ).model_dump(mode="json")
    hidden = hidden_fields(principal)
    body["vouchers"] = [without(v, hidden) for v in body["vouchers"]]
    return JSONResponse(body, status_code=status)


def _refused(refused: TransferRefused) -> JSONResponse:
    return JSONResponse({"error": refused.code, "message": refused.message}, refused.status)


def _new_id() -> str:
    return f"tr-{secrets.token_hex(5)}"
