"""Keep what an agent signed with the batch it sent: the evidence behind ``verify``.

A batch's request signature (RFC 9421) covers the body's digest, so the gzip body is kept
byte for byte beside the signature. Anyone who can write the database can recompute every
hash of a chain; only the agent's private key can make these signatures.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import AsyncConnection

from domain.request_signature import SignedRequest

Conn = AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class SignedBatch:
    """A batch request as the agent signed it: what ingest keeps as evidence."""

    method: str
    path: str
    signed: SignedRequest
    body: bytes


async def keep_batch_signature(
    conn: Conn, batch: SignedBatch, *, agent: str, site: str, first_seq: int, last_seq: int
) -> None:
    """Record ``batch`` as the evidence for ``agent``'s seqs ``first_seq``..``last_seq``
    (inside the transaction that stores them, so no event is stored without it)."""
    params = batch.signed.params
    await conn.execute(
        "INSERT INTO batch_signatures (agent, first_seq, last_seq, site, keyid, created, nonce, "
        "method, path, content_digest, signature, body) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (agent, last_seq) DO NOTHING",
        (agent, first_seq, last_seq, site, params.keyid, params.created, params.nonce,
         batch.method, batch.path, batch.signed.digest, batch.signed.signature, batch.body),
    )  # fmt: skip
