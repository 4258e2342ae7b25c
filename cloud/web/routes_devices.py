"""The devices page of a site: its agents (last seen, sync lag, revoke, new key) and its
enrolment codes (issue one; a code is shown once, only its hash is kept).

Actions go through ``cloud.identity.enrolment``, the functions behind the API's routes,
with the same permission (devices.manage) and the same refusals.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from cloud.identity import enrolment
from cloud.identity.enrolment import IssuedCode
from cloud.identity.errors import IdentityRefused
from cloud.identity.listing import agents_of_site, codes_of_site
from cloud.web.access import site_page
from cloud.web.pages import Viewer, render
from cloud.web.session import check_csrf

router = APIRouter(prefix="/ui/sites/{site}/devices")

Manager = Annotated[Viewer, Depends(site_page("devices.manage", names=False))]
Csrf = Annotated[str, Form(max_length=100)]
CODE_VALID = timedelta(hours=1)
AGENT_NAME = r"^[A-Za-z0-9._-]{1,200}$"


@router.get("", response_class=HTMLResponse, summary="Devices page")
async def devices_page(seen: Manager) -> HTMLResponse:
    return await _page(seen)


@router.post("/codes", response_class=HTMLResponse, summary="Issue an enrolment code")
async def issue_code(
    request: Request, seen: Manager, csrf: Csrf,
    agent: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:  # fmt: skip
    check_csrf(request, csrf)
    assert seen.site is not None
    try:
        async with seen.state.pool.connection() as conn:
            issued = await enrolment.issue_tenant_code(
                conn, site=seen.site, valid=CODE_VALID, agent=agent.strip() or None,
                created_by=seen.principal.subject,
            )  # fmt: skip
    except IdentityRefused as refused:
        return await _page(seen, status=refused.status, refused=refused.message)
    return await _page(seen, issued=issued)


@router.post("/{agent}/revoke", response_class=HTMLResponse, summary="Revoke an agent")
async def revoke_agent(
    request: Request, seen: Manager, agent: str, csrf: Csrf,
    reason: Annotated[str, Form(min_length=1, max_length=500)],
) -> HTMLResponse:  # fmt: skip
    check_csrf(request, csrf)
    assert seen.site is not None
    try:
        async with seen.state.pool.connection() as conn, conn.transaction():
            await enrolment.revoke(conn, site=seen.site, agent=agent,
                                   reason=f"{reason} (by {seen.principal.subject})")  # fmt: skip
    except IdentityRefused as refused:
        return await _page(seen, status=refused.status, refused=refused.message)
    return await _page(seen, done=seen.speaker.t("dev.done_revoked", agent=agent))


@router.post("/{agent}/rotate", response_class=HTMLResponse, summary="A code for a new key")
async def rotate_agent(request: Request, seen: Manager, agent: str, csrf: Csrf) -> HTMLResponse:
    check_csrf(request, csrf)
    assert seen.site is not None
    try:
        async with seen.state.pool.connection() as conn:
            issued = await enrolment.rotation_code(
                conn, site=seen.site, agent=agent, valid=CODE_VALID,
                created_by=seen.principal.subject,
            )  # fmt: skip
    except IdentityRefused as refused:
        return await _page(seen, status=refused.status, refused=refused.message)
    return await _page(seen, issued=issued)


async def _page(
    seen: Viewer, *, status: int = 200, issued: IssuedCode | None = None,
    refused: str | None = None, done: str | None = None,
) -> HTMLResponse:  # fmt: skip
    assert seen.site is not None
    async with seen.state.pool.connection() as conn:
        agents = await agents_of_site(conn, seen.site)
        codes = await codes_of_site(conn, seen.site)
    return render(seen, "devices.html", status=status, agents=agents, codes=codes,
                  issued=issued, refused=refused, done=done)  # fmt: skip
