"""Agents push their event chains here and ask where the cloud's copy of their chain ends.

Both routes are authenticated by the agent's own signature (RFC 9421, Ed25519), not by a
person: see ``cloud.identity.signed``. A request that fails the check gets 401 (403 for a
revoked agent) and learns nothing about the agent's chain.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from psycopg import OperationalError
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect

from cloud.api import unreadable
from cloud.api.deps import StateDep
from cloud.api.schemas import AgentHeadPublic, BatchRefusalPublic
from cloud.api.unreadable import IngestReceiptPublic
from cloud.auth.deps import require
from cloud.identity.errors import IdentityRefused
from cloud.identity.evidence import SignedBatch
from cloud.identity.listing import agents_of_site
from cloud.identity.signed import ReceivedRequest, VerifiedAgent, verify_request
from cloud.ingest import service
from cloud.ingest.admission import IngestBusy, IngestGate
from cloud.migrate import StorageMode
from cloud.state import CloudState
from domain.ingest_timing import SERVER_TIMING, server_timing
from domain.sync import CONTENT_ENCODING, RESEND_HEADER, BatchRefused

router = APIRouter(prefix="/v1/agents", tags=["agents"])

REFUSAL_STATUS: dict[str, int] = {
    "bad_encoding": 400,
    "bad_json": 400,
    "bad_shape": 400,
    "too_large": 413,
    "chain_gap": 409,
    "chain_fork": 409,
    "hash_mismatch": 409,
    "wrong_site": 403,
    "client_gone": 400,  # nobody reads it: the agent hung up and will send again
}
"""HTTP status by refusal code; any other code (a schema or ledger rule) is 422."""

_REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": BatchRefusalPublic} for status in (400, 401, 403, 409, 413, 422)
}
_SIGNED = {
    "description": "RFC 9421 signature of the agent: Signature-Input, Signature, Content-Digest"
}

_BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": 'gzip of {"agent": str, "events": [event, ...]} (domain.sync)',
        "content": {"application/json": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/{agent}/events",
    response_model=IngestReceiptPublic,
    responses=_REFUSALS | {503: {"model": BatchRefusalPublic}},
    openapi_extra=_BATCH_BODY,
    summary="Store a batch of the agent's events (gzip, whole or nothing; signed by the agent)",
)
async def post_events(agent: str, request: Request, response: Response, state: StateDep) -> Any:
    gate: IngestGate = request.app.state.ingest_gate
    try:
        async with gate.admitted() as held:
            answer = await _ingest(agent, request, state)
            # The agent sizes its next batch by the work, not the wait (domain.ingest_timing).
            timing = server_timing(held.queued_s, held.worked_s())
            if isinstance(answer, Response):
                answer.headers[SERVER_TIMING] = timing
            else:
                response.headers[SERVER_TIMING] = timing
            return answer
    except IngestBusy as busy:
        # Before the signature is checked or a byte decoded: a refusal costs next to nothing.
        # The body is received and dropped, or the client, still sending it, would see the
        # connection reset instead of this answer and its Retry-After.
        await _discard_body(request, state.settings.max_batch_bytes)
        refusal = BatchRefused("busy", str(busy)).to_dict(acked_seq=None)
        headers = {"Retry-After": str(busy.retry_after_s)}
        return JSONResponse(refusal, status_code=503, headers=headers)


async def _ingest(agent: str, request: Request, state: StateDep) -> Any:
    settings = state.settings
    try:
        body = await _read_body(request, settings.max_batch_bytes)
        signer = await _signer(state, agent, request, body)
    except BatchRefused as refusal:
        return _refusal_response(refusal, None)
    except IdentityRefused as refused:
        return _identity_refusal(refused)
    try:
        if request.headers.get("content-encoding", "").lower() != CONTENT_ENCODING:
            raise BatchRefused("bad_encoding", "Content-Encoding must be gzip")
        ack = await service.ingest_batch(
            state.pool,
            state.partitions,
            agent=agent,
            site=signer.site,
            body=body,
            max_decoded_bytes=settings.max_batch_decoded_bytes,
            maintain_rollup=state.storage_mode is StorageMode.PARTITIONED,
            resend=RESEND_HEADER in request.headers,
            signed=_evidence(request, signer, body),
        )
    except BatchRefused as refusal:
        head = await service.read_head(state.pool, agent)
        return _refusal_response(refusal, head.seq)
    except OperationalError as exc:
        # the database is down or restarting: transient, so the agent retries with backoff
        down = BatchRefused("unavailable", f"the database is unavailable: {type(exc).__name__}")
        return JSONResponse(down.to_dict(), status_code=503)
    return IngestReceiptPublic(
        acked_seq=ack.acked_seq,
        stored=ack.stored,
        duplicates=ack.duplicates,
        unreadable=sorted(ack.unreadable),
    )


@router.get(
    "/{agent}/head",
    response_model=AgentHeadPublic,
    responses={401: _SIGNED, 403: _SIGNED},
    summary="Where the agent's chain ends (signed by the agent)",
)
async def get_head(agent: str, request: Request, state: StateDep) -> Any:
    try:
        await _signer(state, agent, request, b"")
    except IdentityRefused as refused:
        return _identity_refusal(refused)
    head = await service.read_head(state.pool, agent)
    return AgentHeadPublic(acked_seq=head.seq, hash=head.hash)


# The operators' list of unreadable events: served under this router's prefix.
router.include_router(unreadable.router)

site_router = APIRouter(prefix="/v1/sites", tags=["agents"])
"""A site's agents as the people who manage its devices see them (``cloud.app`` mounts it)."""


class AgentPublic(BaseModel):
    agent: str
    enrolled_at: datetime
    revoked_at: datetime | None = Field(description="set while the agent is refused")
    revoked_reason: str | None
    acked_seq: int = Field(description="the highest seq of the agent the cloud has stored")
    last_seen: datetime | None = Field(description="when the cloud last stored a batch of it")
    latest_event_at: datetime | None = Field(description="when its newest stored event happened")
    sync_lag_s: float | None = Field(
        description="how late its newest stored event arrived (last_seen - latest_event_at)"
    )


@site_router.get(
    "/{site}/agents",
    response_model=list[AgentPublic],
    summary="The site's agents: last seen, acknowledged seq and sync lag (devices.manage)",
    dependencies=[Depends(require("devices.manage"))],
)
async def list_agents(site: Annotated[str, Path(max_length=200)], state: StateDep) -> Any:
    async with state.pool.connection() as conn:
        agents = await agents_of_site(conn, site)
    fields = AgentPublic.model_fields
    return [AgentPublic(**{name: getattr(a, name) for name in fields}) for a in agents]


async def _signer(state: CloudState, agent: str, request: Request, body: bytes) -> VerifiedAgent:
    received = ReceivedRequest(request.method, request.url.path, request.headers, body)
    async with state.pool.connection() as conn:
        return await verify_request(conn, agent, received)


def _evidence(request: Request, signer: VerifiedAgent, body: bytes) -> SignedBatch | None:
    """The signed request to keep with the batch (``verify`` checks the chain against it)."""
    if signer.request is None:
        return None
    return SignedBatch(request.method, request.url.path, signer.request, body)


def _refusal_response(refusal: BatchRefused, acked_seq: int | None) -> JSONResponse:
    status = REFUSAL_STATUS.get(refusal.code, 422)
    return JSONResponse(refusal.to_dict(acked_seq=acked_seq), status_code=status)


def _identity_refusal(refused: IdentityRefused) -> JSONResponse:
    """A refused signature: the same body as a refused batch, without the agent's head."""
    body = BatchRefused(refused.code, refused.message).to_dict(acked_seq=None)
    return JSONResponse(body, status_code=refused.status)


async def _discard_body(request: Request, limit: int) -> None:
    """Receive the body without keeping it (at most ``limit`` bytes)."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return


async def _read_body(request: Request, limit: int) -> bytes:
    """Read the body, refusing it as soon as it passes ``limit`` (not after buffering it all)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BatchRefused("too_large", f"body of {declared} bytes exceeds {limit}")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BatchRefused("too_large", f"body exceeds {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:  # a client that timed out mid-upload: not a fault of ours
        raise BatchRefused("client_gone", "the agent hung up before its batch arrived") from None
    return b"".join(chunks)
