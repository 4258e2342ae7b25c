"""Delegation of an approving role at a site until a time (``cloud.approvals.delegation``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from cloud.api.auth_schemas import Email
from cloud.api.deps import StateDep
from cloud.approvals.delegation import delegate
from cloud.approvals.steps import ApprovalRefused
from cloud.auth.deps import Principal, require
from domain.lifecycles import Word
from domain.values import Moment

router = APIRouter(prefix="/v1/sites/{site}/delegations", tags=["approvals"])


class DelegationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Word
    to: Email
    until: Moment


@router.post("", status_code=201, summary="Lend a role you hold here to someone until a time")
async def post_delegation(
    site: str,
    body: DelegationCreate,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    try:
        async with state.pool.connection() as conn, conn.transaction():
            grant = await delegate(conn, site, principal, body.role, body.to, body.until)
    except ApprovalRefused as refused:
        return refused.answer()
    answer = {"grant": grant, "role": body.role, "to": body.to, "until": body.until.isoformat()}
    return JSONResponse(answer, status_code=201)
