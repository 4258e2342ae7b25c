"""People and integrations of an org node: accounts, grants for a time, API keys.

Granting needs users.manage at the node, and the granter must hold every permission of the
role granted there: nobody hands out more than they have. People and API keys belong to
one organisation and are granted, found and revoked only from inside it; one of another
organisation gets the very answer of one that does not exist (404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from cloud.api.auth_schemas import (
    ApiKeyCreate,
    ApiKeyPublic,
    GrantCreate,
    GrantFields,
    GrantPublic,
    UserCreate,
)
from cloud.api.deps import StateDep
from cloud.auth.api_keys import create_api_key, key_of_org, revoke_api_key
from cloud.auth.deps import Principal, require
from cloud.auth.users import (
    Conn,
    GrantRefused,
    GrantTarget,
    Role,
    create_user,
    find_role,
    grant_role,
    user_of_org,
    withdraw_grant,
)
from cloud.orgs.tree import ancestry

router = APIRouter(prefix="/v1/orgs", tags=["users"])

ManagerDep = Annotated[Principal, Depends(require("users.manage"))]


@router.post("/{node_id}/users", response_model=GrantPublic, status_code=201,
             summary="Create a person's account with a role at this node")  # fmt: skip
async def add_user(
    node_id: int, body: UserCreate, state: StateDep, manager: ManagerDep
) -> GrantPublic:
    async with state.pool.connection() as conn, conn.transaction():
        org_id, role = await _grantable(conn, manager, node_id, body.role)
        try:
            user_id = await create_user(conn, body.email, body.password, org_id=org_id)
        except GrantRefused as exc:
            raise HTTPException(409 if "already" in str(exc) else 422, str(exc)) from exc
        grant_id = await _grant(conn, GrantTarget(user_id=user_id), role, node_id, body, manager)
    return GrantPublic(grant_id=grant_id, user_id=user_id)


@router.post("/{node_id}/grants", response_model=GrantPublic, status_code=201,
             summary="Grant a role at this node to a person or an API key of this "
                     "organisation, for a time")  # fmt: skip
async def add_grant(
    node_id: int, body: GrantCreate, state: StateDep, manager: ManagerDep
) -> GrantPublic:
    if (body.email is None) == (body.api_key_id is None):
        raise HTTPException(422, "give exactly one of email and api_key_id")
    async with state.pool.connection() as conn:
        org_id, role = await _grantable(conn, manager, node_id, body.role)
        target = await _grantee(conn, org_id, body)
        grant_id = await _grant(conn, target, role, node_id, body, manager)
    return GrantPublic(grant_id=grant_id, user_id=target.user_id)


async def _grantee(conn: Conn, org_id: int, body: GrantCreate) -> GrantTarget:
    """The person or key of organisation ``org_id`` that ``body`` names; 404 alike for one
    that does not exist and one of another organisation."""
    if body.email is not None:
        user_id = await user_of_org(conn, body.email, org_id)
        if user_id is None:
            raise HTTPException(404, f"email: no account for {body.email!r} in this organisation")
        return GrantTarget(user_id=user_id)
    assert body.api_key_id is not None
    if not await key_of_org(conn, body.api_key_id, org_id):
        raise HTTPException(404, f"api_key_id: no API key {body.api_key_id} in this organisation")
    return GrantTarget(api_key_id=body.api_key_id)


@router.delete("/{node_id}/grants/{grant_id}", status_code=204,
               summary="Withdraw a grant made at this node, now")  # fmt: skip
async def delete_grant(node_id: int, grant_id: int, state: StateDep, _: ManagerDep) -> Response:
    async with state.pool.connection() as conn:
        if not await withdraw_grant(conn, grant_id, node_id):
            raise HTTPException(404, f"grant {grant_id} is not in force at org node {node_id}")
    return Response(status_code=204)


@router.post("/{node_id}/api-keys", response_model=ApiKeyPublic, status_code=201,
             summary="Create an integration's API key with a role at this node")  # fmt: skip
async def add_api_key(
    node_id: int, body: ApiKeyCreate, state: StateDep, manager: ManagerDep
) -> ApiKeyPublic:
    async with state.pool.connection() as conn, conn.transaction():
        org_id, role = await _grantable(conn, manager, node_id, body.role)
        key = await create_api_key(conn, body.name, manager.user_id, org_id)
        fields = GrantFields(role=body.role, valid_until=body.valid_until)
        await _grant(conn, GrantTarget(api_key_id=key.id), role, node_id, fields, manager)
    return ApiKeyPublic(id=key.id, prefix=key.prefix, key=key.key)


@router.delete("/{node_id}/api-keys/{key_id}", status_code=204,
               summary="Revoke an API key granted at this node, at once")  # fmt: skip
async def delete_api_key(node_id: int, key_id: int, state: StateDep, _: ManagerDep) -> Response:
    async with state.pool.connection() as conn:
        if not await revoke_api_key(conn, key_id, node_id):
            raise HTTPException(404, f"API key {key_id} is not in force at org node {node_id}")
    return Response(status_code=204)


async def _grantable(conn: Conn, manager: Principal, node_id: int, name: str) -> tuple[int, Role]:
    """The organisation of ``node_id`` (its root) and the role ``name`` as seen from there,
    if ``manager`` may hand it out at ``node_id``."""
    root = (await ancestry(conn, node_id))[0]
    role = await find_role(conn, name, root.id)
    if role is None:
        raise HTTPException(422, f"role: {name!r} is neither built in nor one of this org's")
    missing = sorted(role.permissions - manager.permissions)
    if manager.kind != "anonymous" and missing:
        raise HTTPException(
            403, f"{manager.name} may not grant {name!r} at org node {node_id}: lacks {missing}"
        )
    return root.id, role


async def _grant(
    conn: Conn,
    target: GrantTarget,
    role: Role,
    node_id: int,
    fields: GrantFields,
    manager: Principal,
) -> int:
    try:
        return await grant_role(
            conn, target, role, node_id, valid_from=fields.valid_from,
            valid_until=fields.valid_until, granted_by=manager.user_id,
        )  # fmt: skip
    except GrantRefused as exc:
        raise HTTPException(422, str(exc)) from exc
