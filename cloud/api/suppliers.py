"""Suppliers: an organisation records one (its API endpoint, a key shown once), the supplier
answers with that key (confirmation with a promised day, advance shipping notice), and
anyone reading stock sees its lead-time history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, require
from cloud.downlink.bell import bell_of
from cloud.orgs.tree import root_of
from cloud.purchasing.orders import PurchaseRefused, confirm, read_order, ship
from cloud.purchasing.receipts import lead_time_stats, supplier_history
from cloud.purchasing.suppliers import check_order_of, register_supplier, supplier_of_key
from domain.payloads import Note
from domain.purchasing import Asn
from domain.values import Day, Name

router = APIRouter(tags=["suppliers"])

KeyHeader = Annotated[str | None, Header(alias="X-Supplier-Key")]


class SupplierCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: AnyHttpUrl | None = Field(default=None, description="where its API takes orders")


class SupplierKey(BaseModel):
    supplier: str
    api_key: str = Field(description="shown once; a new PUT replaces it")


class Confirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site: Name
    po: Name
    promised_on: Day
    note: Note | None = None


class Answered(BaseModel):
    site: str
    po: str
    state: str


class DeliveryPublic(BaseModel):
    site: str
    po: str
    received_at: datetime
    lead_days: float


class LeadTimePublic(BaseModel):
    supplier: str
    receipts: int = Field(description="orders delivered")
    mean_days: float | None
    sigma_days: float | None = Field(description="sample standard deviation (n - 1)")
    deliveries: list[DeliveryPublic]


@router.put(
    "/v1/orgs/{node_id}/suppliers/{supplier}",
    response_model=SupplierKey,
    summary="Record a supplier of the organisation and make its key",
)
async def put_supplier(
    node_id: int,
    supplier: Name,
    body: SupplierCreate,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("org.manage"))],
) -> Any:
    endpoint = str(body.endpoint) if body.endpoint else None
    async with state.pool.connection() as conn, conn.transaction():
        key = await register_supplier(conn, node_id, supplier, endpoint, principal.name)
    return SupplierKey(supplier=supplier, api_key=key)


@router.post(
    "/v1/suppliers/{supplier}/confirmations",
    response_model=Answered,
    summary="The supplier confirms an order with the day it promises",
)
async def post_confirmation(
    supplier: str, body: Confirmation, state: StateDep, key: KeyHeader = None
) -> Any:
    try:
        async with state.pool.connection() as conn, conn.transaction():
            who = await supplier_of_key(conn, supplier, key)
            await _own_order(conn, who, body.site, body.po)
            await confirm(
                conn, body.site, body.po, f"supplier {supplier}", body.promised_on, body.note
            )
            record = await read_order(conn, body.site, body.po)
    except PurchaseRefused as refused:
        return _refused(refused)
    return Answered(site=body.site, po=body.po, state=record.state)


@router.post(
    "/v1/suppliers/{supplier}/asn",
    response_model=Answered,
    summary="The supplier's advance shipping notice for an order",
)
async def post_asn(
    supplier: str, body: Asn, request: Request, state: StateDep, key: KeyHeader = None
) -> Any:
    try:
        async with state.pool.connection() as conn, conn.transaction():
            who = await supplier_of_key(conn, supplier, key)
            await _own_order(conn, who, body.site, body.po)
            await ship(conn, body, f"supplier {supplier}")
    except PurchaseRefused as refused:
        return _refused(refused)
    bell_of(request.app).ring(body.site)  # the site's agent learns what comes now
    return Answered(site=body.site, po=body.po, state="shipped")


@router.get(
    "/v1/orgs/{node_id}/suppliers/{supplier}/lead-time",
    response_model=LeadTimePublic,
    summary="A supplier's order-to-receipt days: each delivery, mean and sigma",
)
async def get_lead_time(
    node_id: int,
    supplier: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    async with state.pool.connection() as conn, conn.transaction():
        org_id = await root_of(conn, node_id)
        stats = await lead_time_stats(conn, supplier, org_id=org_id)
        deliveries = await supplier_history(conn, supplier, org_id=org_id)
    return LeadTimePublic(
        supplier=supplier,
        receipts=stats.receipts if stats else 0,
        mean_days=stats.mean_days if stats else None,
        sigma_days=stats.sigma_days if stats else None,
        deliveries=[
            DeliveryPublic(site=s, po=p, received_at=at, lead_days=d) for s, p, at, d in deliveries
        ],
    )


async def _own_order(conn: Any, who: Any, site: str, po: str) -> None:
    await check_order_of(conn, who, site)
    record = await read_order(conn, site, po)
    if record.order.supplier != who.supplier:
        raise PurchaseRefused(404, "unknown_order", f"no order {po!r} of {who.supplier!r}")


def _refused(refused: PurchaseRefused) -> JSONResponse:
    return refused.answer()
