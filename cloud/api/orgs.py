"""The org tree over HTTP: a node with its settings in force, new child nodes, settings
overrides and cost prices. Each route acts on the node in its path and needs a grant there
or above."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from cloud.api.auth_schemas import CostPriceSet, OrgNodeCreate, OrgNodePublic, OrgNodeSummary
from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, require
from cloud.orgs.costs import CostPrice, set_cost
from cloud.orgs.settings import OrgSettings, in_force, overrides
from cloud.orgs.tree import OrgConflict, ancestry, children, create_node, set_settings
from cloud.state import CloudState

router = APIRouter(prefix="/v1/orgs", tags=["organisations"])

_MANAGE = Depends(require("org.manage"))


@router.get(
    "/{node_id}",
    response_model=OrgNodePublic,
    summary="An org node, its settings in force and its children",
    dependencies=[Depends(require("stock.read"))],
)
async def get_node(node_id: int, state: StateDep) -> OrgNodePublic:
    return await _public(state, node_id)


@router.post(
    "/{node_id}/children",
    response_model=OrgNodePublic,
    status_code=201,
    summary="Add a node under this one (a division, a plant, a kitchen, a site…)",
    responses={409: {"description": "the site or the sibling name is taken"}},
    dependencies=[_MANAGE],
)
async def add_child(node_id: int, body: OrgNodeCreate, state: StateDep) -> OrgNodePublic:
    async with state.pool.connection() as conn:
        try:
            child = await create_node(
                conn, parent_id=node_id, kind=body.kind, name=body.name, site=body.site
            )
        except OrgConflict as exc:
            raise HTTPException(409, str(exc)) from exc
    return await _public(state, child.id)


@router.put(
    "/{node_id}/settings",
    response_model=OrgNodePublic,
    summary="Replace what this node overrides; the rest is inherited from above",
    dependencies=[_MANAGE],
)
async def put_settings(node_id: int, body: OrgSettings, state: StateDep) -> OrgNodePublic:
    async with state.pool.connection() as conn:
        await set_settings(conn, node_id, overrides(body))
    return await _public(state, node_id)


@router.put(
    "/{node_id}/costs/{item}",
    status_code=204,
    summary="Set an item's cost price here, for this node's whole subtree",
)
async def put_cost(
    node_id: int,
    item: str,
    body: CostPriceSet,
    state: StateDep,
    principal: Annotated[Principal, _MANAGE],
) -> None:
    if not principal.may("field.cost_price"):
        raise HTTPException(403, f"{principal.name} lacks field.cost_price at org node {node_id}")
    async with state.pool.connection() as conn:
        await set_cost(conn, node_id, item, CostPrice(body.amount, body.currency, body.per_unit))


async def _public(state: CloudState, node_id: int) -> OrgNodePublic:
    async with state.pool.connection() as conn:
        chain = await ancestry(conn, node_id)
        below = await children(conn, node_id)
    node = chain[-1]
    return OrgNodePublic(
        id=node.id,
        kind=node.kind,
        name=node.name,
        site=node.site,
        parent_id=node.parent_id,
        settings=node.settings,
        settings_in_force=in_force(each.settings for each in chain),
        children=[OrgNodeSummary(id=c.id, kind=c.kind, name=c.name, site=c.site) for c in below],
    )
