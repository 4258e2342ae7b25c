"""Virtual warehouses and stock by legal entity.

A site's logical warehouses (sets of its locations owned by other legal entities) and its
own legal entity live in its master data, so the agents read ownership from the same
document; these routes edit just that part of it (a new version, sent down like any other)
and refuse to hand a location with stock to another owner. Stock by owner is the ledger
summed per legal entity (view ``stock_by_owner``), valued at the cost price in force for
those who may see costs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from cloud.api.deps import StateDep
from cloud.api.masterdata import MasterDataPublic, replace_masterdata
from cloud.auth.deps import Principal, require
from cloud.auth.fields import hidden_fields, without
from cloud.auth.scope import site_scope
from cloud.masterdata.store import read_masterdata
from cloud.orgs.costs import costs_in_force
from domain.masterdata import MasterData
from domain.owners import LogicalWarehouse
from domain.quantity import Unit
from domain.values import Name

router = APIRouter(prefix="/v1/sites", tags=["warehouses"])


class Ownership(BaseModel):
    """Who owns the site's stock: its own legal entity and its logical warehouses."""

    model_config = ConfigDict(extra="forbid")

    owner: Name | None = Field(default=None, description="the site's own legal entity")
    warehouses: list[LogicalWarehouse] = Field(
        default_factory=list, description="sets of locations owned by other legal entities"
    )


class OwnedLine(BaseModel):
    owner: str
    item: str
    lot: str
    qty: Decimal
    unit: str
    stock_value: Decimal | None = Field(
        default=None, description="at the cost price in force (field.cost_price only)"
    )
    currency: str | None = None


@router.get(
    "/{site}/warehouses",
    response_model=Ownership,
    dependencies=[Depends(require("stock.read"))],
    summary="The site's legal entity and its logical (virtual) warehouses",
)
async def get_warehouses(site: str, state: StateDep) -> Ownership:
    document = await _document(state, site)
    return Ownership(owner=document.owner, warehouses=document.warehouses)


@router.put(
    "/{site}/warehouses",
    response_model=MasterDataPublic,
    responses={409: {"description": "a location with stock would change owner"}},
    summary="Replace the site's logical warehouses and owner (a new master-data version)",
)
async def put_warehouses(
    site: str,
    body: Ownership,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("org.manage"))],
) -> MasterDataPublic:
    if any(w.site != site for w in body.warehouses):
        raise HTTPException(422, f"every warehouse here must be of site {site!r}")
    current = await _document(state, site)
    fields = current.model_dump() | body.model_dump()
    return await replace_masterdata(
        request, state, site, MasterData.model_validate(fields), principal
    )


@router.get(
    "/{site}/stock/by-owner",
    response_model=list[OwnedLine],
    summary="On-hand stock per legal entity, item and lot (valued for field.cost_price)",
)
async def get_stock_by_owner(
    site: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> JSONResponse:
    hidden = hidden_fields(principal)
    prices = {}
    if "cost_price" not in hidden and principal.node_id is not None:
        async with state.pool.connection() as conn:
            prices = await costs_in_force(conn, principal.node_id)
    async with site_scope(state.tenant_pool, [site]) as conn:
        cur = await conn.execute(
            "SELECT owner, item, lot, qty, unit FROM stock_by_owner"
            " WHERE site = %s AND qty <> 0 ORDER BY owner, item, lot",
            (site,),
        )
        rows = await cur.fetchall()
    lines = []
    for owner, item, lot, qty, unit in rows:
        line = OwnedLine(owner=owner, item=item, lot=lot, qty=qty, unit=unit)
        price = prices.get(str(item))
        if price is not None and price.per_unit in {u.value for u in Unit}:
            per_base = price.amount / Unit(price.per_unit).factor
            line.stock_value = Decimal(str(qty)) * per_base
            line.currency = price.currency
        body = line.model_dump(mode="json", exclude_none=True)
        lines.append(without(body, hidden))
    return JSONResponse(lines)


async def _document(state: StateDep, site: str) -> MasterData:
    async with site_scope(state.tenant_pool, [site]) as conn:
        stored = await read_masterdata(conn, site)
    if stored is None:
        raise HTTPException(404, f"site {site!r} has no master data yet: PUT it first")
    return MasterData.model_validate(stored.document)
