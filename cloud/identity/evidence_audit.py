"""Check each agent's stored chain against what the agent signed (``batch_signatures``).

``cloud.identity.audit`` recomputes hashes, so a chain rewritten with recomputed hashes
passes it. This check does not: each kept batch body must carry the agent's Ed25519
signature, made with a key of that agent inside the key's validity window (retired keys
included), and every event it names must be stored with the hash the agent signed. Seqs
that no kept signature covers are reported too, from where the agent's evidence starts
(migration 0130: events stored before it were not kept with their signatures).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import psycopg

from cloud.identity.keys import signature_valid
from cloud.identity.signed import FRESHNESS
from domain.request_signature import SignatureParams, content_digest, signature_base
from domain.sync import BatchRefused, gunzip

Conn = psycopg.Connection[Any]

CLOUD_KEPT_PREFIX = "epcis@"
"""Chains the cloud seals itself (EPCIS captures): no agent key signs them."""
MAX_BODY_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class AgentKey:
    agent: str
    public_key: bytes
    added_at: datetime
    retired_at: datetime | None


@dataclass(frozen=True, slots=True)
class KeptBatch:
    """One row of ``batch_signatures``: a request as the agent signed it."""

    first_seq: int
    last_seq: int
    params: SignatureParams
    method: str
    path: str
    digest: str
    signature: bytes
    body: bytes


@dataclass(frozen=True, slots=True)
class EvidenceFinding:
    agent: str
    seq: int
    problem: str


def audit_evidence(conn: Conn, site: str) -> tuple[list[EvidenceFinding], list[str]]:
    """Findings for every chain of ``site``, and notes on what the evidence cannot cover."""
    heads = dict(conn.execute(
        "SELECT agent, last_seq FROM agent_heads WHERE site = %s AND last_seq > 0 ORDER BY agent",
        (site,),
    ).fetchall())  # fmt: skip
    enrolled = {row[0] for row in conn.execute("SELECT agent FROM agents")}
    starts = dict(conn.execute("SELECT agent, first_signed_seq FROM evidence_start").fetchall())
    keys = _keys(conn, list(heads))
    findings: list[EvidenceFinding] = []
    notes: list[str] = []
    for agent, head in heads.items():
        if agent not in enrolled and agent.startswith(CLOUD_KEPT_PREFIX):
            notes.append(f"agent {agent}: sealed by the cloud (EPCIS capture), no agent signature")
            continue
        start = int(starts.get(agent, 1))
        if start > 1:
            notes.append(f"agent {agent}: signatures kept from seq {start} (stored before 0130)")
        findings.extend(_audit_agent(conn, agent, int(head), start, keys))
    return findings, notes


def _keys(conn: Conn, agents: list[str]) -> dict[str, AgentKey]:
    rows = conn.execute(
        "SELECT keyid, agent, public_key, added_at, retired_at FROM agent_keys "
        "WHERE agent = ANY(%s)",
        (agents,),
    )
    return {str(k): AgentKey(str(a), bytes(p), added, retired) for k, a, p, added, retired in rows}


_BATCHES = (
    "SELECT first_seq, last_seq, keyid, created, nonce, method, path, content_digest, "
    "signature, body FROM batch_signatures WHERE agent = %s ORDER BY first_seq, last_seq"
)


GROUP = 50
"""Kept batches whose stored events are read back in one query (and fetched per round trip)."""


def _audit_agent(
    conn: Conn, agent: str, head: int, start: int, keys: dict[str, AgentKey]
) -> Iterator[EvidenceFinding]:
    """The first finding for ``agent``'s chain (stored up to seq ``head``), if any.

    Signatures are checked batch by batch; the stored hashes are compared ``GROUP`` batches
    at a time, one query each, and always before a later batch's refusal is reported, so the
    finding is the first in seq order, as one query per batch would find it.
    """
    covered = start - 1
    pending: list[tuple[KeptBatch, dict[int, str]]] = []
    with conn.cursor(name=f"evidence-{agent}") as cursor:
        cursor.itersize = GROUP
        cursor.execute(_BATCHES, (agent,))
        for first, last, keyid, created, nonce, method, path, digest, sig, body in cursor:
            batch = KeptBatch(int(first), int(last), SignatureParams(int(created), nonce, keyid),
                              method, path, digest, bytes(sig), bytes(body))  # fmt: skip
            if batch.last_seq < start:
                continue
            if batch.first_seq > covered + 1:
                break
            try:
                _check_signature(agent, batch, keys)
                signed = _signed_hashes(agent, batch)
            except NotSigned as refusal:
                altered = _first_altered(conn, agent, pending)
                yield altered or EvidenceFinding(agent, batch.first_seq, str(refusal))
                return
            pending.append((batch, signed))
            covered = max(covered, batch.last_seq)
            if len(pending) == GROUP:
                altered = _first_altered(conn, agent, pending)
                if altered is not None:
                    yield altered
                    return
                pending = []
    altered = _first_altered(conn, agent, pending)
    if altered is not None:
        yield altered
        return
    if covered < head:
        problem = f"seqs {covered + 1}-{head} are covered by no signature the agent made"
        yield EvidenceFinding(agent, covered + 1, problem)


class NotSigned(Exception):
    """A kept batch that is not evidence of what its agent sent, and why."""


def _check_signature(agent: str, batch: KeptBatch, keys: dict[str, AgentKey]) -> None:
    """Raise ``NotSigned`` unless ``batch`` is a request ``agent`` signed with its key."""
    where = f"batch of seqs {batch.first_seq}-{batch.last_seq}"
    keyid = batch.params.keyid
    key = keys.get(keyid)
    if key is None or key.agent != agent:
        raise NotSigned(f"{where}: signed with key {keyid}, which is not one of the agent's keys")
    created = datetime.fromtimestamp(batch.params.created, key.added_at.tzinfo)
    too_early = created < key.added_at - FRESHNESS
    too_late = key.retired_at is not None and created > key.retired_at + FRESHNESS
    if too_early or too_late:
        window = f"{key.added_at:%Y-%m-%d %H:%M:%S} to {key.retired_at or 'now'}"
        raise NotSigned(
            f"{where}: signed at {created:%Y-%m-%d %H:%M:%S} with key {keyid}, in force {window}"
        )
    if batch.path != f"/v1/agents/{agent}/events" or batch.method.upper() != "POST":
        raise NotSigned(f"{where}: the signature is for {batch.method} {batch.path}, "
                        "not this agent's batch")  # fmt: skip
    if content_digest(batch.body) != batch.digest:
        raise NotSigned(f"{where}: the kept body is not the body the agent signed")
    base = signature_base(batch.method, batch.path, batch.digest, batch.params)
    if not signature_valid(key.public_key, batch.signature, base):
        raise NotSigned(f"{where}: the signature does not verify with key {keyid}")


def _signed_hashes(agent: str, batch: KeptBatch) -> dict[int, str]:
    """seq -> hash of each event in the signed body; ``NotSigned`` if it cannot be read."""
    where = f"batch of seqs {batch.first_seq}-{batch.last_seq}"
    try:
        document = orjson.loads(gunzip(batch.body, MAX_BODY_BYTES))
        signed = {int(e["seq"]): str(e["hash"]) for e in document["events"]}
    except (BatchRefused, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise NotSigned(f"{where}: the signed body cannot be read: {type(exc).__name__}") from exc
    if document.get("agent") != agent:
        raise NotSigned(f"{where}: the signed body is agent {document.get('agent')!r}'s")
    if not signed or (min(signed), max(signed)) != (batch.first_seq, batch.last_seq):
        raise NotSigned(f"{where}: the kept seq range is not the signed batch's")
    return signed


def _first_altered(
    conn: Conn, agent: str, batches: list[tuple[KeptBatch, dict[int, str]]]
) -> EvidenceFinding | None:
    """The first event of ``batches`` (in order) stored with another hash than the one the
    agent signed; one query for all of them."""
    if not batches:
        return None
    low = min(batch.first_seq for batch, _ in batches)
    high = max(batch.last_seq for batch, _ in batches)
    stored = dict(conn.execute(
        "SELECT seq, hash FROM events WHERE agent = %s AND seq BETWEEN %s AND %s",
        (agent, low, high),
    ).fetchall())  # fmt: skip
    for batch, signed in batches:
        for seq in sorted(signed):
            if seq in stored and stored[seq] != signed[seq]:
                problem = (f"not the event the agent signed: stored hash {str(stored[seq])[:12]}…,"
                           f" signed {signed[seq][:12]}… (key {batch.params.keyid})")  # fmt: skip
                return EvidenceFinding(agent, seq, problem)
    return None
