"""Customers: a profile with the timeline of every order, payment, message and note, and
notes written about the customer outside any order."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from cloud.api.deps import StateDep
from cloud.api.orders import NoteCreate
from cloud.auth.deps import Principal, require
from cloud.orders.customers import customer_profile
from cloud.orders.records import OrderRefused, entry_public, place_of, without_costs
from cloud.orders.taking import write_note

router = APIRouter(prefix="/v1/sites/{site}/customers", tags=["orders"])


@router.get("/{customer}", summary="A customer's profile: orders, notes and timeline")
async def get_customer(
    site: str,
    customer: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    hidden_costs = not principal.may("field.cost_price")
    try:
        async with state.pool.connection() as conn:
            profile = await customer_profile(conn, await place_of(conn, site), customer)
    except OrderRefused as refused:
        return refused.answer()
    if hidden_costs:  # a cost share is the cost price's field, here as on the order
        profile = without_costs(profile)
    return JSONResponse(profile)


@router.post(
    "/{customer}/notes", status_code=201, summary="A note about the customer, outside any order"
)
async def post_customer_note(
    site: str,
    customer: str,
    body: NoteCreate,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.adjust"))],
) -> Any:
    try:
        async with state.pool.connection() as conn, conn.transaction():
            place = await place_of(conn, site)
            entry = await write_note(conn, place, customer, body.text, principal.name,
                                     kind=body.kind)  # fmt: skip
    except OrderRefused as refused:
        return refused.answer()
    return JSONResponse(entry_public(entry), status_code=201)
