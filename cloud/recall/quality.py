"""A quality check recorded in the cloud (a lab's result sent to the API, not to a site bus).

The check is sealed into a chain the cloud keeps per site (agent ``quality@{site}``) and
stored by the same ingest as an agent's batch, as EPCIS captures are; a failure also sends
the site's edge a signed ``hold`` of what it covers (the lot at the location checked, or
everywhere the site has it), so the edge holds it as it holds a recall. The hold is issued
in the transaction that holds the chain's lock and commits after the check is stored: a
check is never recorded twice, and a failed one whose storing failed issues no hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg_pool import AsyncConnectionPool

from cloud.downlink import outbox
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.plan import rows_of
from cloud.ingest.service import store_batch
from cloud.ingest.store import read_head
from domain.downlink import HoldOrder
from domain.events import EventDraft, seal
from domain.payloads import QualityChecked
from domain.rules.quality import failure_reason


def check_agent(site: str) -> str:
    """The cloud's own chain of quality checks at ``site``."""
    return f"quality@{site}"


@dataclass(frozen=True, slots=True)
class CheckRecorded:
    site: str
    seq: int
    """The check's number in the site's chain of checks."""
    hold_seq: int | None
    """The hold document sent to the site's edge (a failure), or None (a pass)."""


async def record_check(
    pool: AsyncConnectionPool, partitions: ReadingPartitions, site: str, check: QualityChecked,
    at: datetime, by: str, *, maintain_rollup: bool,
) -> CheckRecorded:  # fmt: skip
    """Store ``check`` of ``site`` made at ``at``; a failure holds what it covers at the edge."""
    agent = check_agent(site)
    async with pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 12))", (agent,))
        head = await read_head(conn, agent)
        event = seal(EventDraft("quality.checked", at, check), agent=agent, site=site,
                     seq=head.seq + 1, prev=head.hash)  # fmt: skip
        hold_seq = None
        if check.result == "fail":
            order = HoldOrder(action="hold", item=check.item, lot=check.lot,
                              location=check.location, reason=failure_reason(check))  # fmt: skip
            signed = await outbox.issue(conn, site, "hold", order.model_dump(mode="json"), by)
            hold_seq = signed.seq
        await store_batch(pool, partitions, rows_of(agent, [event]),
                          maintain_rollup=maintain_rollup)  # fmt: skip
    return CheckRecorded(site, event.seq, hold_seq)
