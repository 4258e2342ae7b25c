"""Stock adjustments asked for in the cloud (``cloud.approvals.adjustments``): within the org's
threshold they go down to the site at once, over it they wait for the approval steps."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloud.api.decisions import DecisionCreate, Verdict
from cloud.api.deps import StateDep
from cloud.approvals.adjustments import (
    AdjustmentRecord,
    decide,
    read_adjustment,
    request_adjustment,
)
from cloud.approvals.refusal import Refused
from cloud.approvals.waiting import Decision
from cloud.auth.deps import Principal, require
from cloud.downlink.bell import bell_of
from domain.payloads import AdjustmentCode, StockAdjusted
from domain.quantity import Unit
from domain.values import Amount, Name

router = APIRouter(prefix="/v1/sites/{site}/adjustments", tags=["approvals"])

_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "not an approver of the step, or the requester (four eyes)"},
    404: {"description": "unknown site or adjustment"},
    409: {"description": "the id exists, nothing waits for a decision, or nobody may approve"},
}


class AdjustmentCreate(BaseModel):
    """An adjustment of the site's stock; the id is made when none is given."""

    model_config = ConfigDict(extra="forbid")

    adjustment: Name | None = None
    item: Name
    lot: Name
    location: Name
    qty: Amount = Field(description="signed: negative for a loss")
    unit: Unit
    code: AdjustmentCode = Field(description="the reason, from the closed list")
    reason: Name = Field(description="what happened, in the person's words")


class AdjustmentPublic(BaseModel):
    site: str
    adjustment: str
    adjusted: StockAdjusted
    state: str = Field(description="awaiting_approval, sent or refused")
    over: str | None = Field(description="why it waits for approval (null: within threshold)")
    waiting_for: str | None = Field(description="the role whose approval it waits for")
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None
    downlink_seq: int | None = Field(description="the site's document that carries it")
    decisions: list[Decision]


@router.post(
    "",
    status_code=201,
    response_model=AdjustmentPublic,
    responses={**_REFUSALS, 422: {"description": "a bad field, named"}},
    summary="Adjust the site's stock (sent at once within the threshold, else once approved)",
)
async def post_adjustment(
    site: str,
    body: AdjustmentCreate,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.adjust"))],
) -> Any:
    fields = body.model_dump(exclude={"adjustment"})
    try:  # the payload's own checks (not zero, 'other' explained) answered as the body's
        adjusted = StockAdjusted.model_validate({**fields, "operator": principal.name})
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc
    adjustment = body.adjustment or f"adj-{secrets.token_hex(5)}"
    try:
        async with state.pool.connection() as conn, conn.transaction():
            record = await request_adjustment(conn, site, adjustment, adjusted, principal.name)
    except Refused as refused:
        return refused.answer()
    return _answer(request, record, status=201)


@router.get(
    "/{adjustment}",
    response_model=AdjustmentPublic,
    responses=_REFUSALS,
    summary="An adjustment, its state and every decision on it",
)
async def get_adjustment(
    site: str,
    adjustment: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    try:
        async with state.pool.connection() as conn:
            record = await read_adjustment(conn, site, adjustment)
    except Refused as refused:
        return refused.answer()
    return _answer(None, record)


@router.post(
    "/{adjustment}/{verdict}",
    response_model=AdjustmentPublic,
    responses=_REFUSALS,
    summary="Approve (the last approval sends it) or refuse (it ends) the step it waits for",
)
async def decide_adjustment(
    site: str,
    adjustment: str,
    verdict: Verdict,
    body: DecisionCreate,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
) -> Any:
    approve = verdict == "approve"
    try:
        async with state.pool.connection() as conn, conn.transaction():
            record = await decide(conn, site, adjustment, principal, approve, body.note)
    except Refused as refused:
        return refused.answer()
    return _answer(request, record)


def _answer(request: Request | None, record: AdjustmentRecord, status: int = 200) -> JSONResponse:
    if request is not None and record.state == "sent":
        bell_of(request.app).ring(record.site)  # agents waiting on the inbox look now
    body = AdjustmentPublic(
        site=record.site,
        adjustment=record.adjustment,
        adjusted=record.adjusted,
        state=record.state,
        over=record.over,
        waiting_for=record.waiting.role,
        requested_by=record.requested_by,
        requested_at=record.requested_at,
        sent_at=record.sent_at,
        downlink_seq=record.downlink_seq,
        decisions=list(record.decisions),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status)
