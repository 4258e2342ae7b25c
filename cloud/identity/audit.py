"""Re-verify a site's event chains from the database: ``edgestock verify --site S``.

Each event's hash is recomputed from its stored columns in the canonical form
(``domain.events``), each ``prev`` is compared with the stored hash of ``seq - 1``, seqs
must run from 1 without a gap, and each agent's chain must end where ``agent_heads`` says
ingest left it. The first broken link of each agent is reported, naming the agent, the seq
and what is wrong. Rows are streamed in (agent, seq) order, so a site of any size is read
once, in constant memory.

Recomputed hashes pass all of that, so each chain is then checked against the batches its
agent signed (``cloud.identity.evidence_audit``): a rewrite without the agents' private
keys is found there.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import psycopg

from cloud.identity.evidence_audit import audit_evidence
from domain.events import GENESIS, event_hash, format_at

StoredEvent = tuple[str, int, UUID, str, str, datetime, Any, str, str]
"""agent, seq, id, site, type, at, data, prev, hash: as ``events`` holds them."""


@dataclass(frozen=True, slots=True)
class BrokenLink:
    agent: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"agent {self.agent}, seq {self.seq}: {self.problem}"


@dataclass(slots=True)
class AuditReport:
    site: str
    agents: int = 0
    events: int = 0
    broken: list[BrokenLink] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the kept signatures cannot vouch for (``cloud.identity.evidence_audit``)."""

    @property
    def intact(self) -> bool:
        return not self.broken


def audit_rows(
    rows: Iterable[StoredEvent], heads: dict[str, tuple[int, str]]
) -> Iterator[BrokenLink]:
    """The first broken link of each agent in ``rows`` (sorted by agent, seq), and of each
    agent whose head (``heads``: agent → last seq, hash) the stored chain does not reach."""
    agent: str | None = None
    seq, last_hash, broken = 0, GENESIS, False
    for row in rows:
        if row[0] != agent:
            if agent is not None and not broken:
                yield from _check_head(agent, seq, last_hash, heads)
            agent, seq, last_hash, broken = row[0], 0, GENESIS, False
        if broken:
            continue
        link = _broken_link(row, seq, last_hash)
        if link is not None:
            broken = True
            yield link
            continue
        seq, last_hash = row[1], row[8]
    if agent is not None and not broken:
        yield from _check_head(agent, seq, last_hash, heads)


def _broken_link(row: StoredEvent, seq: int, last_hash: str) -> BrokenLink | None:
    """What is wrong with ``row`` following (seq, last_hash), if anything."""
    agent, row_seq, event_id, site, kind, at, data, prev, stored_hash = row
    if row_seq != seq + 1:
        return BrokenLink(agent, seq + 1, f"missing: the next stored event is seq {row_seq}")
    if prev != last_hash:
        problem = f"prev {prev[:12]}… is not the stored hash of seq {seq} ({last_hash[:12]}…)"
        return BrokenLink(agent, row_seq, problem)
    body = {"id": str(event_id), "agent": agent, "seq": row_seq, "site": site, "type": kind,
            "at": format_at(at), "data": data, "prev": prev}  # fmt: skip
    if kind == UNREADABLE and isinstance(data, dict) and "sealed" in data:
        body = _as_sealed(data["sealed"], body)
    if event_hash(body) != stored_hash:
        problem = "content altered: the stored hash is not the hash of the stored event"
        return BrokenLink(agent, row_seq, problem)
    return None


UNREADABLE = "event.unreadable"
"""The type of an event stored unreadable (migration 0011): its bytes as sealed are kept."""


def _as_sealed(encoded: str, row: dict[str, Any]) -> dict[str, Any]:
    """The body the agent sealed, from the kept bytes, with the row's envelope columns (so
    a row whose columns were altered does not verify either)."""
    sealed: dict[str, Any] = orjson.loads(base64.b64decode(encoded))
    sealed.pop("hash", None)
    return sealed | {key: row[key] for key in ("id", "agent", "seq", "site", "prev")}


def _check_head(
    agent: str, seq: int, last_hash: str, heads: dict[str, tuple[int, str]]
) -> Iterator[BrokenLink]:
    head = heads.get(agent)
    if head is None:
        yield BrokenLink(agent, seq, "no head recorded for this agent")
    elif head[0] != seq:
        yield BrokenLink(agent, seq + 1, f"chain ends at seq {seq}, the head says {head[0]}")
    elif head[1] != last_hash:
        yield BrokenLink(agent, seq, "the last event's hash is not the head's")


_EVENTS = (
    "SELECT e.agent, e.seq, e.id, e.site, e.type, e.at, "
    # an unreadable event's row holds a marker; its hash is over the bytes kept beside it
    "CASE WHEN u.body IS NULL THEN e.data "
    "ELSE jsonb_build_object('sealed', encode(u.body, 'base64')) END, e.prev, e.hash "
    "FROM events AS e LEFT JOIN unreadable_events AS u USING (agent, seq) "
    "WHERE e.site = %s ORDER BY e.agent, e.seq"
)


def audit_site(database_url: str, site: str) -> AuditReport:
    """Verify every chain of ``site`` in the database at ``database_url``."""
    report = AuditReport(site)
    with psycopg.connect(database_url) as conn:
        heads = {
            str(agent): (int(last_seq), str(last_hash))
            for agent, last_seq, last_hash in conn.execute(
                "SELECT agent, last_seq, last_hash FROM agent_heads WHERE site = %s", (site,)
            )
        }
        with conn.cursor(name="audit") as cursor:
            cursor.itersize = 5000
            cursor.execute(_EVENTS, (site,))
            rows = _counted(cursor, report)
            report.broken.extend(audit_rows(rows, heads))
        missing = {agent for agent, (seq, _) in heads.items() if seq > 0}
        missing -= _seen_agents(conn, site)
        report.broken.extend(BrokenLink(a, 1, "no events stored, but a head") for a in missing)
        report.broken.extend(_identity_conflicts(conn, site))
        findings, report.notes = audit_evidence(conn, site)
        report.broken.extend(BrokenLink(f.agent, f.seq, f.problem) for f in findings)
    return report


_FOREIGN_CODES = """
SELECT c.used_by, c.site, c.used_at, coalesce(
    (SELECT min(seq) FROM events WHERE agent = c.used_by AND received_at >= c.used_at),
    (SELECT last_seq + 1 FROM agent_heads WHERE agent = c.used_by), 1)
FROM enrolment_codes AS c JOIN agents AS a ON a.agent = c.used_by
WHERE a.site = %(site)s AND c.site <> a.site ORDER BY c.used_at
"""

_FOREIGN_AGENTS = """
SELECT h.agent, a.site FROM agent_heads AS h JOIN agents AS a ON a.agent = h.agent
WHERE h.site = %(site)s AND a.site <> h.site ORDER BY h.agent
"""


def _identity_conflicts(conn: psycopg.Connection[Any], site: str) -> Iterator[BrokenLink]:
    """Chains of ``site`` that another tenant may have written, whatever their hashes say:
    an agent re-keyed by a code of another site (how an agent was taken over before
    migration 0009), or registered at another site than its chain's."""
    for agent, code_site, used_at, seq in conn.execute(_FOREIGN_CODES, {"site": site}):
        yield BrokenLink(str(agent), int(seq), (
            f"re-keyed at {used_at:%Y-%m-%d %H:%M:%S%z} with an enrolment code of site "
            f"{code_site!r}: from this seq on its events may be signed by another tenant"
        ))  # fmt: skip
    for agent, agent_site in conn.execute(_FOREIGN_AGENTS, {"site": site}):
        yield BrokenLink(str(agent), 1, f"the chain is site {site!r}'s, the agent {agent_site!r}'s")


def _counted(rows: Iterable[Any], report: AuditReport) -> Iterator[StoredEvent]:
    agent = None
    for row in rows:
        report.events += 1
        if row[0] != agent:
            agent = row[0]
            report.agents += 1
        yield row


def _seen_agents(conn: psycopg.Connection[Any], site: str) -> set[str]:
    rows = conn.execute("SELECT DISTINCT agent FROM events WHERE site = %s", (site,))
    return {str(agent) for (agent,) in rows}
