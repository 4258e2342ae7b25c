"""A site's events as the agents recorded them: the audit trail, filtered by type and time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from cloud.api.bounds import Moment
from cloud.api.deps import StateDep
from cloud.api.schemas import SiteEventPublic, SiteEventsPublic
from cloud.auth.deps import require
from cloud.auth.scope import site_scope
from domain.payloads import PAYLOADS

router = APIRouter(prefix="/v1/sites", tags=["sites"])

_QUERY = """
SELECT agent, seq, type, at, data FROM events
WHERE site = %s
  AND (%s::text[] IS NULL OR type = ANY(%s))
  AND (%s::timestamptz IS NULL OR at >= %s)
  AND (%s::timestamptz IS NULL OR at < %s)
ORDER BY at DESC, agent, seq DESC
LIMIT %s
"""


@router.get(
    "/{site}/events",
    response_model=SiteEventsPublic,
    summary="A site's events, newest first, by type and time",
    dependencies=[Depends(require("events.read"))],
)
async def get_events(
    site: str,
    state: StateDep,
    types: Annotated[
        list[str] | None, Query(alias="type", description="only these types (repeatable)")
    ] = None,
    start: Annotated[Moment | None, Query(alias="from", description="at or after")] = None,
    end: Annotated[Moment | None, Query(alias="to", description="before")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> SiteEventsPublic:
    unknown = sorted(set(types or ()) - set(PAYLOADS))
    if unknown:
        raise HTTPException(422, f"type: unknown event types {unknown}; known: {sorted(PAYLOADS)}")
    start, end = _utc(start), _utc(end)
    params = (site, types, types, start, start, end, end, limit)
    async with site_scope(state.tenant_pool, [site]) as conn:
        cur = await conn.execute(_QUERY, params)
        rows: list[tuple[Any, ...]] = await cur.fetchall()
    events = [
        SiteEventPublic(agent=agent, seq=seq, type=kind, at=at, data=data)
        for agent, seq, kind, at, data in rows
    ]
    return SiteEventsPublic(site=site, events=events)


def _utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is read as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
