"""An organisation's roles over the API (``cloud.auth.roles``): list them, make one with its
operations and field rules. Organisation admins only (``org.manage``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, require
from cloud.auth.roles import RoleRefused, create_role, permissions_of, roles_of
from cloud.orgs.tree import root_of
from domain.lifecycles import Word

router = APIRouter(prefix="/v1/orgs/{node_id}/roles", tags=["users"])
AdminDep = Annotated[Principal, Depends(require("org.manage"))]


class RoleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Word
    operations: Annotated[list[str], Field(max_length=20)] = Field(
        description="stock.read, stock.adjust, quarantine.release, … (cloud.auth.principal)"
    )
    fields: Annotated[list[str], Field(max_length=10)] = Field(
        default_factory=list,
        description="gated fields it shows (cost_price, supplier_contact); others are hidden",
    )


@router.post("", status_code=201, summary="Make a role of this organisation")
async def post_role(node_id: int, body: RoleCreate, state: StateDep, admin: AdminDep) -> Any:
    try:
        permissions = permissions_of(body.operations, body.fields)
        async with state.pool.connection() as conn, conn.transaction():
            made = await create_role(conn, await root_of(conn, node_id), body.name, permissions,
                                     admin)  # fmt: skip
    except RoleRefused as refused:
        return refused.answer()
    return JSONResponse(asdict(made), status_code=201)


@router.get("", summary="The built-in roles and this organisation's own")
async def get_roles(node_id: int, state: StateDep, admin: AdminDep) -> Any:
    async with state.pool.connection() as conn:
        found = await roles_of(conn, await root_of(conn, node_id))
    return JSONResponse([asdict(r) for r in found])
