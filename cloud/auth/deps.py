"""FastAPI dependencies that authenticate a request and check its permission.

Use ``principal: Principal = Depends(require("stock.read"))`` (or put it in a route's
``dependencies``). The caller is a person with ``Authorization: Bearer <access token>`` or
an integration with ``X-API-Key: <key>``; without either, or with a bad one, the answer is
401. When the route has a ``site`` or ``node_id`` path parameter, the caller must hold the
permission at that node through a grant there or at an ancestor, valid now: otherwise 403
naming the permission and the node, and 404 when the site or node does not exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from cloud.api.deps import StateDep
from cloud.auth.api_keys import api_key_owner
from cloud.auth.grants import permissions_at
from cloud.auth.principal import FIELD_PERMISSIONS, PERMISSIONS, Principal
from cloud.auth.tokens import InvalidToken
from cloud.orgs.tree import node_exists, node_of_site
from cloud.state import CloudState

__all__ = ["Principal", "require"]

_bearer = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="edgestock"'}

ANONYMOUS = Principal(subject="anonymous", kind="anonymous", id=0, name="anonymous")
"""The caller of every request when ``require_auth`` is off (development only)."""


def unauthorized(reason: str) -> HTTPException:
    return HTTPException(401, reason, headers=_CHALLENGE)


async def authenticate(
    state: StateDep,
    token: Annotated[str | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The caller of the request (without a node: see ``require``); 401 if nobody."""
    if not state.settings.require_auth:
        return ANONYMOUS
    if token is not None:
        return await user_of_token(state, token)
    if api_key is not None:
        async with state.pool.connection() as conn:
            owner = await api_key_owner(conn, api_key)
        if owner is None:
            raise unauthorized("API key unknown or revoked")
        return Principal(f"api_key:{owner[0]}", "api_key", owner[0], owner[1])
    raise unauthorized("authentication required: a Bearer access token or an X-API-Key")


# The deny list of access tokens is the set of ended sessions: a token names its login's
# refresh family (``sid``), and signing out (or a replayed refresh token) revokes the family.
_USER = """
SELECT email, EXISTS (SELECT 1 FROM refresh_tokens
                      WHERE family = %(sid)s AND revoked_at IS NOT NULL)
FROM users WHERE id = %(id)s AND NOT disabled
"""


async def user_of_token(state: CloudState, token: str) -> Principal:
    """The person an access token belongs to; 401 for a bad, ended or disabled one."""
    try:
        user_id, session = (await state.keyring.current()).holder(token)
    except InvalidToken as exc:
        raise unauthorized(str(exc)) from exc
    async with state.pool.connection() as conn:
        cur = await conn.execute(_USER, {"sid": session, "id": user_id})
        row = await cur.fetchone()
    if row is None:
        raise unauthorized("access token of an unknown or disabled user")
    if row[1]:
        raise unauthorized("access token of a session that signed out")
    return Principal(f"user:{user_id}", "user", user_id, str(row[0]))


def require(permission: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the authenticated caller, holding ``permission`` at the route's node."""
    if permission not in PERMISSIONS + FIELD_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    async def holds_permission(
        request: Request,
        state: StateDep,
        principal: Annotated[Principal, Depends(authenticate)],
    ) -> Principal:
        return await authorise(state, principal, request.path_params, permission)

    return holds_permission


async def authorise(
    state: CloudState, principal: Principal, params: dict[str, str], permission: str
) -> Principal:
    """``principal`` with its permissions at the node ``params`` point at, if it holds
    ``permission`` there: 404 for an unknown site or node, 403 when it lacks it. The one
    check behind the API's routes and the web pages."""
    node_id, label = await _target(state, params)
    if node_id is None or principal.kind == "anonymous":
        return principal
    async with state.pool.connection() as conn:
        held = await permissions_at(conn, principal, node_id)
    if permission not in held:
        raise HTTPException(403, f"{principal.name} lacks {permission} at {label}")
    return Principal(principal.subject, principal.kind, principal.id, principal.name, node_id, held)


async def _target(state: CloudState, params: dict[str, str]) -> tuple[int | None, str]:
    """The org node a route points at, with how to name it; 404 if it does not exist."""
    async with state.pool.connection() as conn:
        if "site" in params:
            site = params["site"]
            node_id = await node_of_site(conn, site)
            if node_id is None:
                raise HTTPException(404, f"site {site!r} is unknown: no org node is that site")
            return node_id, f"site {site!r}"
        if "node_id" in params:
            raw = params["node_id"]
            if not raw.isdigit() or not await node_exists(conn, int(raw)):
                raise HTTPException(404, f"org node {raw!r} does not exist")
            return int(raw), f"org node {raw}"
    return None, ""
