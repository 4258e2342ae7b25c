"""Purchase orders of a site: made by hand or from a suggestion, approved by the steps the
org settings name for ``purchase.order``, sent to the supplier's API, read back with their
history, receipts and discrepancies."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, require
from cloud.downlink.bell import bell_of
from cloud.purchasing.orders import (
    Change,
    PurchaseRecord,
    PurchaseRefused,
    create_order,
    decide,
    move,
    orders_of_site,
    read_order,
    submit_order,
)
from cloud.purchasing.receipts import receipt_of, refresh_receipts, refresh_site
from cloud.purchasing.suppliers import deliver
from domain.payloads import Currency, Note, Price
from domain.purchasing import Asn, Discrepancy, PurchaseLine, PurchaseOrder, Reason, Suggestion
from domain.values import Day, Name

router = APIRouter(prefix="/v1/sites", tags=["purchasing"])

_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "not an approver of the step, or the requester (four eyes)"},
    404: {"description": "unknown site or order"},
    409: {"description": "the id exists, or the order's state does not allow it"},
}


class PurchaseOrderCreate(BaseModel):
    """An order from the site in the path; the id is made when none is given."""

    model_config = ConfigDict(extra="forbid")

    po: Name | None = None
    supplier: Name
    lines: Annotated[list[PurchaseLine], Field(min_length=1, max_length=200)]
    needed_by: Day | None = None
    reasons: Annotated[list[Reason], Field(max_length=20)] = []
    note: Note | None = None
    submit: bool = Field(default=True, description="false keeps it a draft")


class FromSuggestion(BaseModel):
    """An order of one line from a replenishment suggestion, at the price given."""

    model_config = ConfigDict(extra="forbid")

    po: Name | None = None
    suggestion: Suggestion
    unit_price: Price
    currency: Currency
    needed_by: Day | None = None
    submit: bool = True


class StepNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = None


class ReceivedPublic(BaseModel):
    item: str
    lot: str
    qty: Decimal
    unit: str
    damaged: Decimal


class PurchaseOrderPublic(BaseModel):
    order: PurchaseOrder
    state: str
    waiting_for: str | None = Field(description="the role whose approval it waits for")
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None = Field(description="when the supplier's API took it")
    delivery_problem: str | None = Field(description="why the supplier's API did not take it")
    promised_on: date | None
    asn: Asn | None
    history: list[Change] = Field(description="every change: state, who, when, role, note")
    received: list[ReceivedPublic]
    discrepancies: list[Discrepancy] = Field(
        description="short, over, wrong_lot, damaged or not_ordered, with the figures"
    )


class PurchaseOrderRow(BaseModel):
    po: str
    supplier: str
    state: str


@router.post(
    "/{site}/purchase-orders",
    status_code=201,
    response_model=PurchaseOrderPublic,
    responses=_REFUSALS,
    summary="Order from a supplier (by hand)",
)
async def post_order(
    site: str,
    body: PurchaseOrderCreate,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.adjust"))],
) -> Any:
    fields = body.model_dump(exclude={"po", "submit"})
    order = _order({**fields, "site": site, "po": body.po or _new_id()})
    return await _create(request, state, order, principal.name, body.submit)


@router.post(
    "/{site}/purchase-orders/from-suggestion",
    status_code=201,
    response_model=PurchaseOrderPublic,
    responses=_REFUSALS,
    summary="Order what a replenishment suggestion says, at the price given",
)
async def post_from_suggestion(
    site: str,
    body: FromSuggestion,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.adjust"))],
) -> Any:
    s = body.suggestion
    if s.site != site:
        message = f"the suggestion is for site {s.site!r}, not {site!r}"
        return _refused(PurchaseRefused(422, "wrong_site", message))
    line = {"item": s.item, "qty": s.qty, "unit": s.unit, "unit_price": body.unit_price,
            "currency": body.currency}  # fmt: skip
    order = _order(
        {
            "po": body.po or _new_id(),
            "site": site,
            "supplier": s.supplier,
            "lines": [line],
            "needed_by": body.needed_by,
            "reasons": s.reasons,
        }
    )
    return await _create(request, state, order, principal.name, body.submit)


@router.get(
    "/{site}/purchase-orders",
    response_model=list[PurchaseOrderRow],
    summary="The site's purchase orders, newest first",
)
async def list_orders(
    site: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    async with state.pool.connection() as conn, conn.transaction():
        await refresh_site(conn, site)
        rows = await orders_of_site(conn, site)
    return [PurchaseOrderRow(po=po, supplier=s, state=st) for po, s, st in rows]


@router.get(
    "/{site}/purchase-orders/{po}",
    response_model=PurchaseOrderPublic,
    responses=_REFUSALS,
    summary="An order: state, history, receipts, discrepancies",
)
async def get_order(
    site: str,
    po: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    try:
        async with state.pool.connection() as conn, conn.transaction():
            record = await refresh_receipts(conn, site, po)
    except PurchaseRefused as refused:
        return _refused(refused)
    return await _answer(state, record)


@router.post(
    "/{site}/purchase-orders/{po}/{action}",
    response_model=PurchaseOrderPublic,
    responses=_REFUSALS,
    summary="submit, approve, refuse, close, cancel, or deliver (send again)",
)
async def post_action(
    site: str,
    po: str,
    action: str,
    body: StepNote,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    try:
        async with state.pool.connection() as conn, conn.transaction():
            await _act(conn, site, po, action, principal, body.note)
            record = await read_order(conn, site, po)
    except PurchaseRefused as refused:
        return _refused(refused)
    return await _answer(state, record, send=request)


async def _act(
    conn: Any, site: str, po: str, action: str, principal: Principal, note: str | None
) -> None:
    if action in ("submit", "close", "cancel", "deliver") and not principal.may("stock.adjust"):
        raise PurchaseRefused(403, "forbidden", f"{principal.name} lacks stock.adjust here")
    if action == "submit":
        await submit_order(conn, site, po, principal.name)
    elif action in ("approve", "refuse"):
        await decide(conn, site, po, principal, action == "approve", note)
    elif action in ("close", "cancel"):
        await move(
            conn, site, po, "closed" if action == "close" else "cancelled", principal.name, note
        )
    elif action != "deliver":
        raise PurchaseRefused(404, "unknown_action", f"no action {action!r} on an order")


async def _create(
    request: Request, state: StateDep, order: PurchaseOrder, by: str, submit: bool
) -> Any:
    try:
        async with state.pool.connection() as conn, conn.transaction():
            await create_order(conn, order, by, submit=submit)
            record = await read_order(conn, order.site, order.po)
    except PurchaseRefused as refused:
        return _refused(refused)
    return await _answer(state, record, send=request, status=201)


async def _answer(
    state: StateDep, record: PurchaseRecord, *, send: Request | None = None, status: int = 200
) -> JSONResponse:
    """The order as answered; with ``send`` (the request that may have sent it), an order
    sent and not yet taken by the supplier's API is delivered there and its site's agents
    are woken for the new ``purchase.expect`` document."""
    problem = None
    async with state.pool.connection() as conn:
        if send is not None and record.state == "sent" and record.delivered_at is None:
            bell_of(send.app).ring(record.order.site)
            async with httpx.AsyncClient() as client:
                problem = await deliver(conn, record, client)
            record = await read_order(conn, record.order.site, record.order.po)
        receipt = await receipt_of(conn, record)
    body = PurchaseOrderPublic(
        order=record.order,
        state=record.state,
        waiting_for=record.waiting_for,
        requested_by=record.requested_by,
        requested_at=record.requested_at,
        sent_at=record.sent_at,
        delivered_at=record.delivered_at,
        delivery_problem=problem,
        promised_on=record.promised_on,
        asn=record.asn,
        history=list(record.history),
        received=[ReceivedPublic.model_validate(lot.model_dump()) for lot in receipt.lots],
        discrepancies=list(receipt.discrepancies),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def _order(fields: dict[str, Any]) -> PurchaseOrder:
    try:
        return PurchaseOrder.model_validate(fields)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc


def _refused(refused: PurchaseRefused) -> JSONResponse:
    return refused.answer()


def _new_id() -> str:
    return f"po-{secrets.token_hex(5)}"
