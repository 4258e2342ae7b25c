"""EPCIS in PostgreSQL: the names of an organisation, the events a query asks for, captures.

Event reads run in the caller's site scope (row-level security). A capture is sealed into a
chain the cloud keeps per site (agent ``epcis@{site}``) and stored by the same ingest as an
agent's batch, so the ledger, lots and trace links fold it exactly as they fold the edge's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from cloud.epcis.capture import Capture
from cloud.epcis.identifiers import Namespace
from cloud.epcis.mapping import SourceEvent
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.plan import rows_of
from cloud.ingest.service import IngestAck, store_batch
from cloud.ingest.store import read_head
from domain.events import Event, seal

Conn = AsyncConnection[tuple[object, ...]]

log = logging.getLogger(__name__)

_ORG = """
WITH RECURSIVE up (id, parent_id, name) AS (
    SELECT id, parent_id, name FROM org_nodes WHERE site = %s
    UNION ALL
    SELECT n.id, n.parent_id, n.name FROM org_nodes AS n JOIN up ON n.id = up.parent_id
)
SELECT name FROM up WHERE parent_id IS NULL
"""


async def load_namespace(conn: Conn, sites: Sequence[str]) -> Namespace:
    """The names of the organisation of ``sites``: its name, GTINs and GLNs from master data."""
    org = "edgestock"
    if sites:
        cur = await conn.execute(_ORG, (sorted(sites)[0],))
        row = await cur.fetchone()
        org = str(row[0]) if row else org
    cur = await conn.execute(
        "SELECT site, document FROM site_masterdata WHERE site = ANY(%s) ORDER BY site",
        (list(sites),),
    )
    gtins: dict[str, str] = {}
    glns: dict[str, str] = {}
    location_glns: dict[tuple[str, str], str] = {}
    for site, document in await cur.fetchall():
        doc = cast(dict[str, Any], document)
        for item in doc.get("items", ()):
            if item.get("gtin"):
                gtins.setdefault(str(item["id"]), str(item["gtin"]))
        for location in doc.get("locations", ()):
            if not location.get("gln"):
                continue
            if location.get("kind") == "site":
                glns[str(site)] = str(location["gln"])
            else:
                location_glns[(str(site), str(location["id"]))] = str(location["gln"])
    return Namespace(org, gtins, glns, location_glns)


@dataclass(frozen=True, slots=True)
class StoredQuery:
    """What SQL can narrow before the mapping: types, time, a lot (as output or input)."""

    sites: Sequence[str]
    types: Sequence[str]
    start: datetime | None = None
    end: datetime | None = None
    item: str | None = None
    lot: str | None = None
    limit: int = 1000


_EVENTS = """
SELECT site, type, at, data FROM events
WHERE site = ANY(%(sites)s) AND type = ANY(%(types)s)
  AND (%(start)s::timestamptz IS NULL OR at >= %(start)s)
  AND (%(end)s::timestamptz IS NULL OR at < %(end)s)
  AND (%(item)s::text IS NULL
       OR (data ->> 'item' = %(item)s AND data ->> 'lot' = %(lot)s)
       OR (type = 'stock.produced' AND data -> 'inputs' @> %(input)s))
ORDER BY at, agent, seq
LIMIT %(limit)s
"""


async def stored_events(conn: Conn, query: StoredQuery) -> list[SourceEvent]:
    """The events ``query`` names, oldest first (the caller's site scope applies too)."""
    params = {
        "sites": list(query.sites), "types": list(query.types), "start": query.start,
        "end": query.end, "item": query.item, "lot": query.lot, "limit": query.limit,
        "input": Jsonb([{"item": query.item, "lot": query.lot}]),
    }  # fmt: skip
    cur = await conn.execute(_EVENTS, params)
    return [
        SourceEvent(str(site), str(kind), cast(datetime, at), cast(dict[str, Any], data))
        for site, kind, at, data in await cur.fetchall()
    ]


@dataclass(frozen=True, slots=True)
class Captured:
    """What a capture did: receipts recorded now, and events already captured before."""

    site: str
    recorded: int
    already: int
    events: list[Event]


def capture_agent(site: str) -> str:
    """The cloud's own chain of captured receipts at ``site``."""
    return f"epcis@{site}"


async def record_capture(
    pool: AsyncConnectionPool, partitions: ReadingPartitions, capture: Capture, *,
    maintain_rollup: bool,
) -> Captured:  # fmt: skip
    """Seal and store the receipts of events not captured before, all in one batch.

    An advisory lock per site makes concurrent captures at a site take turns, so the check
    of what was captured, the chain's next seq and the record of the event IDs agree.
    """
    agent = capture_agent(capture.site)
    async with pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 12))", (agent,))
        ids = sorted({receipt.event_id for receipt in capture.receipts})
        cur = await conn.execute(
            "SELECT event_id FROM epcis_captured WHERE site = %s AND event_id = ANY(%s)",
            (capture.site, ids),
        )
        known = {str(row[0]) for row in await cur.fetchall()}
        fresh = [r for r in capture.receipts if r.event_id not in known]
        if not fresh:
            return Captured(capture.site, 0, len(ids), [])
        head = await read_head(conn, agent)
        events: list[Event] = []
        firsts: dict[str, int] = {}
        for receipt in fresh:
            prev = events[-1].hash if events else head.hash
            event = seal(receipt.draft, agent=agent, site=capture.site,
                         seq=head.seq + len(events) + 1, prev=prev)  # fmt: skip
            events.append(event)
            firsts.setdefault(receipt.event_id, event.seq)
        ack: IngestAck = await store_batch(
            pool, partitions, rows_of(agent, events), maintain_rollup=maintain_rollup
        )
        await conn.cursor().executemany(
            "INSERT INTO epcis_captured (site, event_id, agent, seq) VALUES (%s, %s, %s, %s)",
            [(capture.site, event_id, agent, seq) for event_id, seq in firsts.items()],
        )
    log.info("EPCIS capture at %s: %d receipts stored (head %d)", capture.site, ack.stored,
             ack.acked_seq)  # fmt: skip
    return Captured(capture.site, len(events), len(known), events)
