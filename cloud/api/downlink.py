"""The down-channel over HTTP: operators issue documents for a site, its agents pull them.

Agents sign their requests as they do to push events (``cloud.identity.signed``): the site
comes from the agent's enrolment, never from the request, so an agent only ever reads its own
site's documents. The agent is named in the path like the push path's, or is ``me``: the
agent whose key signed. ``GET …/inbox?after=N&wait_s=S`` answers at once when there is something
after ``N`` and otherwise waits up to ``S`` seconds for it (a long poll). The ack says how far
the agent has applied. Operators: a hold or release of a lot takes ``quarantine.release`` at
the site; new master data and transfer orders are issued by their own routes
(``cloud/api/masterdata.py``, ``cloud/api/transfers.py``), once approved.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, require
from cloud.auth.scope import site_scope
from cloud.downlink import keys, outbox
from cloud.downlink.bell import RECHECK_S, InboxBell, bell_of
from cloud.identity.errors import IdentityRefused
from cloud.identity.signed import ReceivedRequest, VerifiedAgent, verify_request
from cloud.state import CloudState
from domain.downlink import HoldOrder, Kind, SignedDocument
from domain.request_signature import SignatureInvalid, read_signature_headers

router = APIRouter(tags=["downlink"])

MAX_WAIT_S = 25.0
"""The longest a poll is held open: under the idle timeouts of common proxies (30-60 s)."""


class InboxPublic(BaseModel):
    site: str
    head: int = Field(description="the number of the site's last document")
    documents: list[SignedDocument]


class AckCreate(BaseModel):
    seq: Annotated[int, Field(ge=0)]


class AckPublic(BaseModel):
    agent: str
    seq: int


class DocumentIssued(BaseModel):
    site: str
    seq: int
    kind: str


class KeyPublic(BaseModel):
    kid: str
    public_key: str = Field(description="base64 of the raw 32-byte Ed25519 public key")
    signing: bool


class AckState(BaseModel):
    agent: str
    seq: int
    acked_at: datetime


class OutboxPublic(BaseModel):
    site: str
    head: int
    acks: list[AckState]
    documents: list[SignedDocument]


_SIGNED: dict[int | str, dict[str, Any]] = {
    401: {"description": "bad signature"},
    403: {"description": "revoked"},
}


ME = "me"
"""``/v1/agents/me/…``: the agent whose key signed the request (no agent is named ``me``:
names are ``<site>-agent-…``)."""


async def _verified(state: CloudState, agent: str, request: Request) -> VerifiedAgent:
    body = await request.body()
    received = ReceivedRequest(request.method, request.url.path, request.headers, body)
    async with state.pool.connection() as conn:
        if agent == ME:
            agent = await _signer_of(conn, received)
        return await verify_request(conn, agent, received)


async def _signer_of(conn: outbox.Conn, received: ReceivedRequest) -> str:
    """The agent whose key in force the signature names (then verified as any request)."""
    try:
        keyid = read_signature_headers(received.headers).params.keyid
    except SignatureInvalid as exc:
        raise IdentityRefused(exc.code, exc.message, 401) from exc
    cur = await conn.execute(
        "SELECT agent FROM agent_keys WHERE keyid = %s AND retired_at IS NULL", (keyid,)
    )
    row = await cur.fetchone()
    if row is None:
        raise IdentityRefused("unknown_key", f"key {keyid} is no agent's key in force", 401)
    return str(row[0])


def _refused(refused: IdentityRefused) -> JSONResponse:
    return JSONResponse({"error": refused.code, "message": refused.message}, refused.status)


def _bell(request: Request) -> InboxBell:
    return bell_of(request.app)


@router.get(
    "/v1/agents/{agent}/inbox",
    response_model=InboxPublic,
    responses=_SIGNED,
    summary="The documents of the agent's own site after `after` (signed by the agent)",
)
async def get_inbox(
    agent: str,
    request: Request,
    state: StateDep,
    after: Annotated[int, Query(ge=0)] = 0,
    wait_s: Annotated[float, Query(ge=0, le=MAX_WAIT_S)] = 0.0,
) -> Any:
    try:
        signer = await _verified(state, agent, request)
    except IdentityRefused as refused:
        return _refused(refused)
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        async with state.pool.connection() as conn:
            documents = await outbox.inbox(conn, signer.site, after)
            last = await outbox.head(conn, signer.site)
        remaining = deadline - asyncio.get_running_loop().time()
        if documents or remaining <= 0 or await request.is_disconnected():
            # an agent gone mid-poll (stopped, killed) ends its poll here, not at wait_s:
            # a held poll would keep a stopping cloud waiting for it
            return InboxPublic(site=signer.site, head=last, documents=documents)
        await _bell(request).wait(signer.site, min(RECHECK_S, remaining))


@router.post(
    "/v1/agents/{agent}/inbox/ack",
    response_model=AckPublic,
    responses={**_SIGNED, 409: {"description": "an ack past the site's last document"}},
    summary="The agent has applied its site's documents up to `seq` (signed by the agent)",
)
async def ack_inbox(agent: str, request: Request, state: StateDep) -> Any:
    try:
        signer = await _verified(state, agent, request)
    except IdentityRefused as refused:
        return _refused(refused)
    try:
        body = AckCreate.model_validate_json(await request.body())
    except ValueError as exc:
        return JSONResponse({"error": "bad_ack", "message": str(exc)[:300]}, 422)
    async with state.pool.connection() as conn, conn.transaction():
        last = await outbox.head(conn, signer.site)
        if body.seq > last:
            message = f"seq {body.seq} is past the site's last document ({last})"
            return JSONResponse({"error": "ack_ahead", "message": message}, 409)
        recorded = await outbox.ack(conn, signer.agent, signer.site, body.seq)
    return AckPublic(agent=signer.agent, seq=recorded)


async def _issue(
    request: Request, state: CloudState, site: str, kind: Kind, content: dict[str, Any],
    principal: Principal,
) -> DocumentIssued:  # fmt: skip
    async with state.pool.connection() as conn, conn.transaction():
        signed = await outbox.issue(conn, site, kind, content, principal.name)
    _bell(request).ring(site)
    return DocumentIssued(site=site, seq=signed.seq, kind=kind)


@router.post(
    "/v1/sites/{site}/holds",
    status_code=201,
    response_model=DocumentIssued,
    summary="Hold or release a lot at the site's edge (a signed document its agents apply)",
)
async def post_hold(
    site: str,
    order: HoldOrder,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("quarantine.release"))],
) -> DocumentIssued:
    content = order.model_dump(mode="json")
    return await _issue(request, state, site, "hold", content, principal)


@router.get(
    "/v1/sites/{site}/downlink",
    response_model=OutboxPublic,
    dependencies=[Depends(require("stock.read"))],
    summary="The site's down-channel documents after `after` and what each agent applied",
)
async def get_outbox(
    site: str, state: StateDep, after: Annotated[int, Query(ge=0)] = 0
) -> OutboxPublic:
    async with site_scope(state.tenant_pool, [site]) as conn:
        documents = await outbox.inbox(conn, site, after)
        applied = await outbox.acks(conn, site)
    async with state.pool.connection() as conn:
        last = await outbox.head(conn, site)
    return OutboxPublic(
        site=site,
        head=last,
        acks=[AckState(agent=a.agent, seq=a.seq, acked_at=a.acked_at) for a in applied],
        documents=documents,
    )


@router.get(
    "/v1/downlink/keys",
    response_model=list[KeyPublic],
    summary="The cloud's public keys for down-channel documents (the signing one first)",
)
async def get_keys(state: StateDep) -> list[KeyPublic]:
    async with state.pool.connection() as conn, conn.transaction():
        found = await keys.public_keys(conn)
    return [
        KeyPublic(kid=k.kid, public_key=_b64(k.public_raw), signing=i == 0 and not k.retired)
        for i, k in enumerate(found)
    ]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


async def announce_masterdata(
    request: Request, state: CloudState, site: str, version: int, document: dict[str, Any],
    principal: Principal,
) -> DocumentIssued:  # fmt: skip
    """Issue the site's new master-data version to its agents (they apply it running)."""
    content = {"version": version, "document": document}
    return await _issue(request, state, site, "masterdata", content, principal)


async def trusted_keys(state: CloudState) -> list[str]:
    """The cloud's public keys in force (base64), the signing one first: what an agent
    enrolling is told to trust."""
    async with state.pool.connection() as conn, conn.transaction():
        found = await keys.public_keys(conn)
    return [_b64(k.public_raw) for k in found if not k.retired]
