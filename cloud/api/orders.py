"""Orders: lifecycles as data per organisation, orders taken at a site, their transitions
(with the approvals the org settings name), payments, notes and costs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from cloud.api.decisions import DecisionCreate
from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, require
from cloud.auth.fields import hidden_fields
from cloud.orders.costing import Rule, book_cost
from cloud.orders.journal import Entry
from cloud.orders.notifications import notifications_for
from cloud.orders.records import (
    Conn,
    OrderRefused,
    Place,
    entry_public,
    order_view,
    place_of,
    without_costs,
)
from cloud.orders.taking import PaymentKind, open_order, pay, put_lifecycle, write_note
from cloud.orders.transitions import decide, fire
from cloud.orgs.tree import root_of
from domain.lifecycles import Lifecycle, Word
from domain.payloads import Currency, Note, Price
from domain.values import Name

router = APIRouter(tags=["orders"])
_EDIT = Depends(require("stock.adjust"))
_READ = Depends(require("stock.read"))
_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "a role the transition needs, or four eyes on an approval"},
    404: {"description": "unknown site, order or transition"},
    409: {"description": "the id exists, the state or a guard forbids it, or it waits"},
    422: {"description": "unknown order type, or more paid or refunded than due"},
}


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: Name
    qty: Price
    unit: Name


class OrderCreate(BaseModel):
    """An order for a customer (created with its first order when new)."""

    model_config = ConfigDict(extra="forbid")

    order: Name
    order_type: Word
    customer: Name
    customer_name: Name | None = None
    total: Price
    currency: Currency
    lines: Annotated[list[OrderLine], Field(max_length=200)] = []


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: PaymentKind
    amount: Annotated[Decimal, Field(gt=0, allow_inf_nan=False, max_digits=18)]


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Note
    kind: Literal["note", "message"] = "note"


class CostCreate(BaseModel):
    """A cost booked on one order, or shared over several by ``rule``."""

    model_config = ConfigDict(extra="forbid")

    category: Word = Field(examples=["sample", "model", "photography"])
    amount: Annotated[Decimal, Field(gt=0, allow_inf_nan=False, max_digits=18)]
    orders: Annotated[list[Name], Field(min_length=1, max_length=200)]
    rule: Rule = "equal"


@router.put(
    "/v1/orgs/{node_id}/lifecycles/{order_type}",
    status_code=204,
    response_model=None,
    summary="Set the lifecycle of an order type for the node's organisation",
)
async def put_order_lifecycle(
    node_id: int,
    order_type: str,
    body: Lifecycle,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("org.manage"))],
) -> Response:
    if body.order_type != order_type:
        message = f"order_type {body.order_type!r} differs from the path's {order_type!r}"
        return OrderRefused(422, "order_type_mismatch", message).answer()
    async with state.pool.connection() as conn, conn.transaction():
        await put_lifecycle(conn, await root_of(conn, node_id), body, principal.name)
    return Response(status_code=204)


@router.post("/v1/sites/{site}/orders", status_code=201, responses=_REFUSALS,
             summary="Open an order; the answer carries the customer's earlier notes")  # fmt: skip
async def post_order(
    site: str, body: OrderCreate, state: StateDep, principal: Annotated[Principal, _EDIT]
) -> Any:
    try:
        async with state.pool.connection() as conn, conn.transaction():
            place = await place_of(conn, site)
            fields = body.model_dump(mode="json")
            _, notes = await open_order(conn, place, fields, principal.name)
            view = await order_view(conn, site, body.order)
    except OrderRefused as refused:
        return refused.answer()
    view["customer_notes"] = [entry_public(n) for n in notes]
    return _shown(view, principal, 201)


@router.get("/v1/sites/{site}/orders/{order}", responses=_REFUSALS,
            summary="An order: state, money, costs and its journal")  # fmt: skip
async def get_order(
    site: str, order: str, state: StateDep, principal: Annotated[Principal, _READ]
) -> Any:
    try:
        async with state.pool.connection() as conn:
            return _shown(await order_view(conn, site, order), principal)
    except OrderRefused as refused:
        return refused.answer()


@router.post("/v1/sites/{site}/orders/{order}/transitions/{name}", responses=_REFUSALS,
             summary="Fire a transition (or ask for the approvals it needs)")  # fmt: skip
async def post_transition(
    site: str, order: str, name: str, state: StateDep, principal: Annotated[Principal, _EDIT]
) -> Any:
    async def act(conn: Conn, place: Place) -> list[Entry]:
        return await fire(conn, place, order, name, principal)

    return await _acting(state, site, order, principal, act)


@router.post("/v1/sites/{site}/orders/{order}/approve", responses=_REFUSALS,
             summary="Approve the step the order's pending transition waits for")  # fmt: skip
async def approve(
    site: str, order: str, body: DecisionCreate, state: StateDep,
    principal: Annotated[Principal, _READ],
) -> Any:  # fmt: skip
    async def act(conn: Conn, place: Place) -> list[Entry]:
        return await decide(conn, place, order, principal, True, body.note)

    return await _acting(state, site, order, principal, act)


@router.post("/v1/sites/{site}/orders/{order}/refuse", responses=_REFUSALS,
             summary="Refuse the pending transition (the order stays where it is)")  # fmt: skip
async def refuse(
    site: str, order: str, body: DecisionCreate, state: StateDep,
    principal: Annotated[Principal, _READ],
) -> Any:  # fmt: skip
    async def act(conn: Conn, place: Place) -> list[Entry]:
        return await decide(conn, place, order, principal, False, body.note)

    return await _acting(state, site, order, principal, act)


@router.post("/v1/sites/{site}/orders/{order}/payments", responses=_REFUSALS,
             summary="Record a deposit, a balance payment or a refund")  # fmt: skip
async def post_payment(
    site: str, order: str, body: PaymentCreate, state: StateDep,
    principal: Annotated[Principal, _EDIT],
) -> Any:  # fmt: skip
    async def act(conn: Conn, place: Place) -> list[Entry]:
        return [await pay(conn, place, order, body.kind, body.amount, principal.name)]

    return await _acting(state, site, order, principal, act)


@router.post("/v1/sites/{site}/orders/{order}/notes", responses=_REFUSALS,
             summary="A note about the customer (shown on later orders) or a message")  # fmt: skip
async def post_order_note(
    site: str, order: str, body: NoteCreate, state: StateDep,
    principal: Annotated[Principal, _EDIT],
) -> Any:  # fmt: skip
    async def act(conn: Conn, place: Place) -> list[Entry]:
        entry = await write_note(
            conn, place, "", body.text, principal.name, order_id=order, kind=body.kind
        )
        return [entry]

    return await _acting(state, site, order, principal, act)


@router.post("/v1/sites/{site}/order-costs", responses=_REFUSALS,
             summary="Book a cost on orders of this site, shared by a rule")  # fmt: skip
async def post_cost(
    site: str, body: CostCreate, state: StateDep,
    principal: Annotated[Principal, Depends(require("field.cost_price"))],
) -> Any:  # fmt: skip
    try:
        async with state.pool.connection() as conn, conn.transaction():
            place = await place_of(conn, site)
            entries = await book_cost(
                conn, place, body.category, body.amount, body.orders, body.rule, principal.name
            )
    except OrderRefused as refused:
        return refused.answer()
    shares = {str(e.order_id): e.data["amount"] for e in entries}
    return JSONResponse({"category": body.category, "rule": body.rule, "shares": shares})


@router.get("/v1/sites/{site}/notifications",
            summary="What order lifecycles notified the roles you hold at this site")  # fmt: skip
async def get_notifications(
    site: str, state: StateDep, principal: Annotated[Principal, _READ]
) -> Any:
    try:
        async with state.pool.connection() as conn:
            found = await notifications_for(conn, await place_of(conn, site), principal)
    except OrderRefused as refused:
        return refused.answer()
    return JSONResponse([{**asdict(n), "created_at": n.created_at.isoformat()} for n in found])


async def _acting(
    state: StateDep, site: str, order: str, principal: Principal,
    act: Callable[[Conn, Place], Awaitable[list[Entry]]],
) -> Any:  # fmt: skip
    try:
        async with state.pool.connection() as conn, conn.transaction():
            entries = await act(conn, await place_of(conn, site))
            view = await order_view(conn, site, order)
    except OrderRefused as refused:
        return refused.answer()
    view["recorded"] = [entry_public(e) for e in entries]
    return _shown(view, principal)


def _shown(view: dict[str, Any], principal: Principal, status: int = 200) -> JSONResponse:
    """The order without what the caller may not see: costs are the cost price's field."""
    if "cost_of_goods" in hidden_fields(principal):
        view = without_costs(view)
    return JSONResponse(view, status_code=status)
