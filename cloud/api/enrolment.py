"""Enrolment of devices: codes issued by people who manage a site's devices, redeemed by
devices with their new key; revocation and re-keying of an agent (``cloud.identity``)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from cloud.api.deps import StateDep
from cloud.api.downlink import trusted_keys
from cloud.auth.deps import Principal, require
from cloud.identity import enrolment
from cloud.identity.enrolment import EnrolmentRequest, IssuedCode
from cloud.identity.errors import IdentityRefused

router = APIRouter(tags=["enrolment"])

Manager = Annotated[Principal, Depends(require("devices.manage"))]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")]


class EnrolmentCodeCreate(BaseModel):
    valid: timedelta = Field(
        default=timedelta(hours=1), description="how long the code may be used (ISO 8601)"
    )
    agent: Name | None = Field(
        default=None,
        description="the agent the code enrols: an existing one of this site is re-keyed, a "
        "new one is named '<site>-agent-<letters or digits>'; default: a new agent named by "
        "the cloud",
    )


class RotationCreate(BaseModel):
    valid: timedelta = Field(default=timedelta(hours=1), description="ISO 8601 duration")


class RevocationCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class EnrolmentCodePublic(BaseModel):
    code: str = Field(description="one-time code: shown once, only its hash is kept")
    site: str
    agent: str | None
    expires_at: datetime


class EnrolmentCreate(BaseModel):
    code: str = Field(min_length=1, max_length=100)
    public_key: str = Field(description="base64 of the raw 32-byte Ed25519 public key")
    proof: str = Field(
        description="base64 Ed25519 signature, by the new key, of domain.request_signature."
        "enrolment_proof(code, public_key)"
    )
    site: Name | None = Field(default=None, description="the site the device is installed at")
    agent: Name | None = Field(default=None, description="the agent a device re-enrolling is")


class EnrolmentPublic(BaseModel):
    agent: str
    site: str
    keyid: str = Field(description="the key's id in signatures (RFC 9421 keyid)")
    reenrolled: bool
    site_settings: dict[str, Any] = Field(description="the site's own settings")
    downlink_keys: list[str] = Field(
        default_factory=list,
        description="the cloud's public keys for down-channel documents (base64), signing first",
    )


class RevocationPublic(BaseModel):
    agent: str
    revoked: bool


def _refused(refused: IdentityRefused) -> JSONResponse:
    body = {"error": refused.code, "message": refused.message}
    return JSONResponse(body, status_code=refused.status)


def _public(issued: IssuedCode) -> EnrolmentCodePublic:
    return EnrolmentCodePublic(
        code=issued.code, site=issued.site, agent=issued.agent, expires_at=issued.expires_at
    )


@router.post(
    "/v1/sites/{site}/enrolment-codes",
    status_code=201,
    response_model=EnrolmentCodePublic,
    summary="Issue a one-time enrolment code for a device of this site (devices.manage)",
)
async def create_code(
    site: str, body: EnrolmentCodeCreate, state: StateDep, principal: Manager
) -> Any:
    try:
        async with state.pool.connection() as conn:
            issued = await enrolment.issue_tenant_code(
                conn, site=site, valid=body.valid, agent=body.agent, created_by=principal.subject
            )
    except IdentityRefused as refused:
        return _refused(refused)
    return _public(issued)


@router.post(
    "/v1/enrolments",
    status_code=201,
    response_model=EnrolmentPublic,
    summary="A device redeems an enrolment code and registers its public key",
)
async def enrol(body: EnrolmentCreate, state: StateDep) -> Any:
    try:
        proof = base64.b64decode(body.proof, validate=True)
    except (binascii.Error, ValueError):
        return _refused(IdentityRefused("bad_proof", "proof is not base64", 422))
    request = EnrolmentRequest(body.code, body.public_key, proof, body.site, body.agent)
    try:
        async with state.pool.connection() as conn, conn.transaction():
            enrolled = await enrolment.redeem(conn, request)
    except IdentityRefused as refused:
        return _refused(refused)
    return EnrolmentPublic(
        agent=enrolled.agent,
        site=enrolled.site,
        keyid=enrolled.keyid,
        reenrolled=enrolled.reenrolled,
        site_settings=enrolled.site_settings,
        downlink_keys=await trusted_keys(state),
    )


AgentPath = Annotated[str, Path(description="the agent's id")]


@router.post(
    "/v1/sites/{site}/agents/{agent}/revoke",
    response_model=RevocationPublic,
    summary="Refuse an agent's requests until it is re-enrolled (devices.manage)",
)
async def revoke(
    site: str, agent: AgentPath, body: RevocationCreate, state: StateDep, principal: Manager
) -> Any:
    reason = f"{body.reason} (by {principal.subject})"
    try:
        async with state.pool.connection() as conn, conn.transaction():
            await enrolment.revoke(conn, site=site, agent=agent, reason=reason)
    except IdentityRefused as refused:
        return _refused(refused)
    return RevocationPublic(agent=agent, revoked=True)


@router.post(
    "/v1/sites/{site}/agents/{agent}/rotate",
    status_code=201,
    response_model=EnrolmentCodePublic,
    summary="A code that gives the agent a new key; the old key works until it is redeemed",
)
async def rotate(
    site: str, agent: AgentPath, body: RotationCreate, state: StateDep, principal: Manager
) -> Any:
    try:
        async with state.pool.connection() as conn:
            issued = await enrolment.rotation_code(
                conn, site=site, agent=agent, valid=body.valid, created_by=principal.subject
            )
    except IdentityRefused as refused:
        return _refused(refused)
    return _public(issued)
