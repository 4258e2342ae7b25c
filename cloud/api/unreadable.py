"""Events the cloud stored but cannot use, for the people who look after a site's agents.

An agent's event whose signature and chain are sound is always stored, so one bad value
never blocks the events after it; when its payload cannot be used (a control character, a
number or time out of range, a type this cloud does not know, a posting the ledger refuses)
it is stored *unreadable*: kept as sent, with the reason, skipped by the ledger and every
report. This route lists them, per site and optionally per agent. The router has no prefix
of its own: ``cloud.api.agents`` includes it, so it is served under ``/v1/agents``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from cloud.api.deps import StateDep
from cloud.api.schemas import IngestAckPublic
from cloud.auth.deps import require
from cloud.auth.scope import site_scope

router = APIRouter(tags=["agents"])


class IngestReceiptPublic(IngestAckPublic):
    """The cloud's answer to a stored batch, with the events it stored unreadable."""

    unreadable: list[int] = Field(
        default_factory=list,
        description="seqs of this batch stored but unreadable (listed at "
        "/v1/agents/sites/{site}/unreadable with the reason)",
    )


class UnreadableEventPublic(BaseModel):
    agent: str
    seq: int
    type: str = Field(description="the event type as the agent sent it")
    reason: str = Field(description="why the cloud cannot use it")
    at: datetime = Field(description="the event's time as the agent sealed it")
    received_at: datetime


class UnreadableEventsPublic(BaseModel):
    site: str
    count: int = Field(description="unreadable events of the site (or the agent), in all")
    events: list[UnreadableEventPublic] = Field(description="newest first, up to the limit")


_LIST = """
SELECT u.agent, u.seq, u.type, u.reason, e.at, u.received_at
FROM unreadable_events AS u JOIN events AS e USING (agent, seq)
WHERE u.site = %(site)s AND (%(agent)s::text IS NULL OR u.agent = %(agent)s)
ORDER BY u.received_at DESC, u.agent, u.seq DESC
LIMIT %(limit)s
"""

_COUNT = """
SELECT count(*) FROM unreadable_events
WHERE site = %(site)s AND (%(agent)s::text IS NULL OR agent = %(agent)s)
"""


@router.get(
    "/sites/{site}/unreadable",
    response_model=UnreadableEventsPublic,
    summary="Events of a site's agents stored but unreadable, with the reason",
    dependencies=[Depends(require("events.read"))],
)
async def list_unreadable(
    site: str,
    state: StateDep,
    agent: Annotated[str | None, Query(max_length=200, description="only this agent")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> UnreadableEventsPublic:
    params: dict[str, Any] = {"site": site, "agent": agent, "limit": limit}
    async with site_scope(state.tenant_pool, [site]) as conn:
        total = await (await conn.execute(_COUNT, params)).fetchone()
        rows = await (await conn.execute(_LIST, params)).fetchall()
    events = [
        UnreadableEventPublic(
            agent=str(row[0]), seq=int(str(row[1])), type=str(row[2]), reason=str(row[3]),
            at=row[4], received_at=row[5],
        )
        for row in rows
    ]  # fmt: skip
    count = int(str(total[0])) if total else 0
    return UnreadableEventsPublic(site=site, count=count, events=events)
