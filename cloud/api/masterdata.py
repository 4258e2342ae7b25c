"""A site's master data: edited by its managers, read by its people and pulled by its agents.

``PUT`` takes a whole ``domain.masterdata.MasterData`` document, checked by the very model
the agents load (a bad one is a 422 naming the field path, such as
``["body", "menu", 0, "recipe"]``) and bumps the version. Editing master data changes what
every agent of the site deducts, so it takes ``org.manage`` (org admins), not the
``stock.adjust`` of warehouse staff. Agents read their own site's document with a signed
``GET`` (like ``…/head``): the site comes from the agent's enrolment, never from the request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cloud.api.deps import StateDep
from cloud.api.downlink import announce_masterdata
from cloud.auth.deps import Principal, require
from cloud.auth.scope import site_scope
from cloud.identity.errors import IdentityRefused
from cloud.identity.signed import ReceivedRequest, verify_request
from cloud.masterdata.store import StoredMasterData, read_masterdata, write_masterdata
from cloud.owners.reassign import reassignment_refusals
from cloud.state import CloudState
from domain.masterdata import MasterData

router = APIRouter(tags=["masterdata"])


class MasterDataPublic(BaseModel):
    site: str
    version: int
    updated_at: datetime
    updated_by: str
    document: dict[str, Any]
    """The ``MasterData`` JSON as last written."""

    @classmethod
    def of(cls, stored: StoredMasterData) -> MasterDataPublic:
        return cls(
            site=stored.site,
            version=stored.version,
            updated_at=stored.updated_at,
            updated_by=stored.updated_by,
            document=stored.document,
        )


_NONE: dict[int | str, dict[str, Any]] = {404: {"description": "the site has no master data yet"}}


@router.put(
    "/v1/sites/{site}/masterdata",
    response_model=MasterDataPublic,
    summary="Replace the site's master data (whole document; the version goes up by one)",
)
async def put_masterdata(
    site: str,
    document: MasterData,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("org.manage"))],
) -> MasterDataPublic:
    return await replace_masterdata(request, state, site, document, principal)


async def replace_masterdata(
    request: Request, state: CloudState, site: str, document: MasterData, principal: Principal
) -> MasterDataPublic:
    """Write ``document`` as the site's new version and send it down to its agents; 409
    when it would hand a location with stock to another legal entity (``cloud.owners``)."""
    async with site_scope(state.tenant_pool, [site]) as conn:
        before = await read_masterdata(conn, site)
        previous = None if before is None else MasterData.model_validate(before.document)
        refusals = await reassignment_refusals(conn, site, previous, document)
        if refusals:
            raise HTTPException(409, "; ".join(refusals))
        stored = await write_masterdata(
            conn, site, document.model_dump(mode="json"), principal.name
        )
    # the site's running agents apply it from their inbox; one that misses this still
    # reads the newest version at its next start
    await announce_masterdata(request, state, site, stored.version, stored.document, principal)
    return MasterDataPublic.of(stored)


@router.get(
    "/v1/sites/{site}/masterdata",
    response_model=MasterDataPublic,
    responses=_NONE,
    dependencies=[Depends(require("stock.read"))],
    summary="The site's master data and its version",
)
async def get_masterdata(site: str, state: StateDep) -> MasterDataPublic:
    return MasterDataPublic.of(await _stored(state, site))


@router.get(
    "/v1/agents/{agent}/masterdata",
    response_model=MasterDataPublic,
    responses={**_NONE, 401: {"description": "bad signature"}, 403: {"description": "revoked"}},
    summary="The master data of the agent's own site (signed by the agent)",
)
async def get_agent_masterdata(agent: str, request: Request, state: StateDep) -> Any:
    received = ReceivedRequest(request.method, request.url.path, request.headers, b"")
    try:
        async with state.pool.connection() as conn:
            signer = await verify_request(conn, agent, received)
    except IdentityRefused as refused:
        body = {"error": refused.code, "message": refused.message}
        return JSONResponse(body, status_code=refused.status)
    return MasterDataPublic.of(await _stored(state, signer.site))


async def _stored(state: CloudState, site: str) -> StoredMasterData:
    async with site_scope(state.tenant_pool, [site]) as conn:
        stored = await read_masterdata(conn, site)
    if stored is None:
        raise HTTPException(404, f"site {site!r} has no master data yet: PUT it first")
    return stored
