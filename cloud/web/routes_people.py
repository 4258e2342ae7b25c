"""The people page of an org node: the roles held there and below, a form to add a person
with a role, and withdrawing a grant. The actions are the API's own route functions
(``cloud.api.users``), so who may grant what is decided in one place."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from cloud.api.auth_schemas import UserCreate
from cloud.api.users import add_user, delete_grant
from cloud.auth.deps import authorise
from cloud.auth.listing import grants_below
from cloud.orgs.tree import get_node
from cloud.web.access import PageRefused
from cloud.web.pages import Viewer, ViewerDep, render
from cloud.web.session import check_csrf

router = APIRouter(prefix="/ui/orgs/{node_id}/people")

ROLES = ("org_admin", "warehouse", "quality", "finance", "device_manager", "auditor")
"""The built-in roles the form offers (an org's own roles can be granted through the API)."""


async def people_manager(node_id: int, seen: ViewerDep) -> Viewer:
    """The viewer, holding users.manage at the node; 404 for a node they hold nothing at."""
    try:
        principal = await authorise(seen.state, seen.principal, {"node_id": str(node_id)},
                                    "users.manage")  # fmt: skip
    except HTTPException as exc:
        raise PageRefused(404, seen.speaker.t("refused.no_site", site=node_id)) from exc
    return replace(seen, principal=principal)


Manager = Annotated[Viewer, Depends(people_manager)]
Csrf = Annotated[str, Form(max_length=100)]


@router.get("", response_class=HTMLResponse, summary="People page")
async def people_page(node_id: int, seen: Manager) -> HTMLResponse:
    return await _page(seen, node_id)


@router.post("", response_class=HTMLResponse, summary="Add a person with a role here")
async def add_person(
    request: Request, node_id: int, seen: Manager, csrf: Csrf,
    email: Annotated[str, Form(max_length=254)], password: Annotated[str, Form(max_length=1024)],
    role: Annotated[str, Form(max_length=40)],
) -> HTMLResponse:  # fmt: skip
    check_csrf(request, csrf)
    try:
        body = UserCreate(email=email, password=password, role=role)
        await add_user(node_id, body, seen.state, seen.principal)
    except ValidationError as exc:
        why = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return await _page(seen, node_id, status=422, refused=why)
    except HTTPException as exc:
        return await _page(seen, node_id, status=exc.status_code, refused=str(exc.detail))
    done = seen.speaker.t("people.added", email=email, role=role)
    return await _page(seen, node_id, done=done)


@router.post("/grants/{grant_id}/withdraw", response_class=HTMLResponse,
             summary="Withdraw a grant made at this node")  # fmt: skip
async def withdraw(
    request: Request, node_id: int, grant_id: int, seen: Manager, csrf: Csrf
) -> HTMLResponse:
    check_csrf(request, csrf)
    try:
        await delete_grant(node_id, grant_id, seen.state, seen.principal)
    except HTTPException as exc:
        return await _page(seen, node_id, status=exc.status_code, refused=str(exc.detail))
    return await _page(seen, node_id, done=seen.speaker.t("people.withdrawn", grant=grant_id))


async def _page(
    seen: Viewer, node_id: int, *, status: int = 200, refused: str | None = None,
    done: str | None = None,
) -> HTMLResponse:  # fmt: skip
    async with seen.state.pool.connection() as conn:
        node = await get_node(conn, node_id)
        grants = await grants_below(conn, node_id)
    return render(seen, "people.html", status=status, node=node, grants=grants, roles=ROLES,
                  refused=refused, done=done)  # fmt: skip
