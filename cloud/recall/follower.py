"""The recall follower: while a recall is open, hold the recalled stock that reaches a site later.

A hold at the edge blocks the lot where the site has it when the hold arrives; stock that
comes later (a receipt, a transfer in, a production of the lot or of a lot made from it) is
not covered. So each pass, for every open recall, traces the lot forward again and sends a
hold (cause ``arrival``) for each lot at a site that

- no hold of this recall has reached yet (the lot got there after the recall), or
- got more of the lot by an event whose ingest began at or after the last hold for it was
  issued (``events.received_at`` ≥ ``recall_holds.issued_at``, both the database's clock;
  ``issued_at`` is read at the hold's INSERT, after the pass read what had arrived).

Why that rule holds: an edge records an event before it syncs it, and applies a hold only
after the hold commits, so an event whose ingest began before the hold was issued was in the
edge's ledger before the edge could apply the hold: the hold blocked it. Only events whose
ingest began later may have come after; a new hold covers them. An event visible to a pass
was ingested before that pass's holds were issued, so a pass leaves nothing due behind it.

Why a follower and not a decision at ingest: issuing a hold signs a document and runs a
trace, which ingest should not wait on nor fail by; and a follower sees the links of
concurrent ingests once they are all committed, where a check inside one ingest cannot see
another's. Passes take an advisory lock, so API processes never issue the same hold twice.
A trigger (migration 0151) notifies ``recall_followup`` when links or receipts are stored
while a recall is open; the follower also passes every ``RECHECK_S`` on its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from psycopg import AsyncConnection, Error, OperationalError
from psycopg_pool import AsyncConnectionPool

from cloud.recall.issue import IssuedHold, RecallTooLarge, affected, hold
from cloud.trace.query import trace
from cloud.trace.tree import LotAt

Conn = AsyncConnection[tuple[object, ...]]

log = logging.getLogger(__name__)

RECHECK_S = 5.0
"""A pass at least this often, notified or not."""
FOLLOWER = "recall-follower"
"""Who the follow-up holds are issued by."""


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A hold sent by a pass: which recall, which lot at which site, its document."""

    recall: int
    hold: IssuedHold


_OPEN = "SELECT id, item, lot, reason, sites FROM recalls WHERE closed_at IS NULL ORDER BY id"

# The organisation of a recall: every site under the roots of its sites' organisations.
_ORG_SITES = """
WITH RECURSIVE up (id, parent_id) AS (
    SELECT id, parent_id FROM org_nodes WHERE site = ANY(%s)
    UNION SELECT n.id, n.parent_id FROM org_nodes AS n JOIN up ON n.id = up.parent_id
), down (id, site) AS (
    SELECT id, site FROM org_nodes WHERE id IN (SELECT id FROM up WHERE parent_id IS NULL)
    UNION ALL SELECT n.id, n.site FROM org_nodes AS n JOIN down ON n.parent_id = down.id
)
SELECT site FROM down WHERE site IS NOT NULL
"""

# Each lot at a site the trace reached that no hold of the recall covers yet (see the module).
_DUE = """
SELECT k.site, k.item, k.lot
  FROM unnest(%(sites)s::text[], %(items)s::text[], %(lots)s::text[]) AS k (site, item, lot)
 CROSS JOIN LATERAL (
     SELECT max(h.issued_at) AS held_at FROM recall_holds AS h
      WHERE h.recall = %(recall)s AND (h.site, h.item, h.lot) = (k.site, k.item, k.lot)
 ) AS h
 CROSS JOIN LATERAL (
     SELECT max(e.received_at) AS arrived_at
       FROM (SELECT agent, seq FROM trace_links
              WHERE to_item = k.item AND to_lot = k.lot AND to_site = k.site AND site = k.site
                AND kind IN ('received', 'produced')
             UNION ALL
             SELECT agent, seq FROM trace_receipts
              WHERE item = k.item AND lot = k.lot AND site = k.site) AS a
       JOIN events AS e ON (e.agent, e.seq) = (a.agent, a.seq)
 ) AS a
 WHERE h.held_at IS NULL OR a.arrived_at >= h.held_at
 ORDER BY 1, 2, 3
"""


async def follow_up(pool: AsyncConnectionPool) -> list[FollowUp]:
    """One pass over the open recalls (see the module); the holds it sent."""
    sent: list[FollowUp] = []
    async with pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 12))", (FOLLOWER,))
        cur = await conn.execute(_OPEN)
        for recall_id, item, lot, reason, sites in await cur.fetchall():
            due = await _due(conn, cast(int, recall_id), str(item), str(lot),
                             cast(list[str], sites))  # fmt: skip
            holds = await hold(conn, cast(int, recall_id), str(reason), due, FOLLOWER, "arrival")
            sent += [FollowUp(cast(int, recall_id), issued) for issued in holds]
    for follow in sent:
        log.info("recall %d: %s of %s arrived at %s after it; hold #%d sent", follow.recall,
                 follow.hold.lot.lot, follow.hold.lot.item, follow.hold.lot.site,
                 follow.hold.seq)  # fmt: skip
    return sent


async def _due(conn: Conn, recall_id: int, item: str, lot: str, sites: list[str]) -> list[LotAt]:
    cur = await conn.execute(_ORG_SITES, (sites,))
    org = {str(row[0]) for row in await cur.fetchall()} | set(sites)
    try:
        reached = [at for at in affected(await trace(conn, item, lot, "forward")) if at.site in org]
    except RecallTooLarge as exc:
        log.error("recall %d: cannot follow up: %s", recall_id, exc)
        return []
    cur = await conn.execute(_DUE, {
        "recall": recall_id, "sites": [a.site for a in reached],
        "items": [a.item for a in reached], "lots": [a.lot for a in reached],
    })  # fmt: skip
    return [LotAt(str(s), str(i), str(n)) for s, i, n in await cur.fetchall()]


async def run_follower(
    pool: AsyncConnectionPool, database_url: str, ring: Callable[[str], None]
) -> None:
    """Pass now, then on every notification and every ``RECHECK_S``, until cancelled; ``ring``
    wakes the long polls of a site that got a hold. A failed pass is logged and tried again."""
    listener: Conn | None = None
    try:
        while True:
            try:
                for follow in await follow_up(pool):
                    ring(follow.hold.lot.site)
            except (Error, ValueError) as exc:
                log.warning("recall follow-up pass failed, next in %.0f s: %s", RECHECK_S, exc)
            listener = await _wait(listener, database_url)
    finally:
        if listener is not None:
            await listener.close()


async def _wait(listener: Conn | None, database_url: str) -> Conn | None:
    """Wait for a ``recall_followup`` notification or ``RECHECK_S``; the listening connection
    (opened again when it was lost, ``None`` while the database cannot be reached)."""
    if listener is None or listener.closed:
        try:
            listener = await AsyncConnection.connect(database_url, autocommit=True)
            await listener.execute("LISTEN recall_followup")
        except OperationalError:
            await asyncio.sleep(RECHECK_S)
            return None
    try:
        async for _ in listener.notifies(timeout=RECHECK_S, stop_after=1):
            pass
    except OperationalError:
        await listener.close()
        return None
    return listener
