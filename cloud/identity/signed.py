"""Check an agent's signed request (RFC 9421, profile in ``domain.request_signature``).

In order: the headers are in our profile, the body is the one digested, the signature is
fresh, the agent is enrolled and not revoked, the key named is its key in force, the
signature verifies, and the nonce was not seen before. Only a request passing the
signature check spends a nonce, so nobody can burn an agent's nonces with forgeries.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from cloud.identity import store
from cloud.identity.errors import IdentityRefused
from cloud.identity.keys import signature_valid
from domain.request_signature import (
    SignatureInvalid,
    SignedRequest,
    content_digest,
    read_signature_headers,
    signature_base,
)

FRESHNESS = timedelta(minutes=5)
"""How far a signature's ``created`` may be from the cloud's clock, either way."""
NONCE_MEMORY = 2 * FRESHNESS
"""Nonces are kept as long as a request carrying them could still pass the freshness check."""


@dataclass(frozen=True, slots=True)
class VerifiedAgent:
    """Who signed the request: the agent, the one site it may write, and its key."""

    agent: str
    site: str
    keyid: str
    request: SignedRequest | None = None
    """The signature as read, kept with a batch as evidence (``cloud.identity.evidence``)."""


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


async def verify_request(
    conn: store.Conn, agent: str, request: ReceivedRequest, *, now: float | None = None
) -> VerifiedAgent:
    """The verified signer of ``request`` as ``agent``; raises ``IdentityRefused``."""
    try:
        signed = read_signature_headers(request.headers)
    except SignatureInvalid as exc:
        raise IdentityRefused(exc.code, exc.message, 401) from exc
    if content_digest(request.body) != signed.digest:
        raise IdentityRefused("digest_mismatch", "Content-Digest is not the body's digest", 401)
    skew = (time.time() if now is None else now) - signed.params.created
    if abs(skew) > FRESHNESS.total_seconds():
        message = f"signature created {skew:.0f} s from the cloud's clock (at most ±{FRESHNESS})"
        raise IdentityRefused("stale_signature", message, 401)
    row = await store.agent_key(conn, agent)
    if row is None:
        raise IdentityRefused("unknown_agent", f"agent {agent!r} is not enrolled", 401)
    if row.revoked:
        message = f"agent {agent!r} is revoked: re-enrol it with a new code"
        raise IdentityRefused("agent_revoked", message, 403)
    if row.public_key is None or row.keyid != signed.params.keyid:
        message = f"key {signed.params.keyid} is not agent {agent!r}'s key in force"
        raise IdentityRefused("unknown_key", message, 401)
    base = signature_base(request.method, request.path, signed.digest, signed.params)
    if not signature_valid(row.public_key, signed.signature, base):
        raise IdentityRefused("bad_signature", "the signature does not verify", 401)
    if not await store.remember_nonce(conn, agent, signed.params.nonce, NONCE_MEMORY):
        message = f"nonce {signed.params.nonce} was already used: a replayed request"
        raise IdentityRefused("replayed", message, 401)
    return VerifiedAgent(agent, row.site, row.keyid, signed)
