"""EPCIS 2.0 REST binding (a subset): capture a supplier's receipts, query our events.

``POST /epcis/capture`` takes an EPCISDocument whose ObjectEvents (bizStep receiving) become
``lot.received`` at one site the caller holds ``stock.adjust`` at, or refuses the whole
document with 400 naming the field (``cloud.epcis.capture``). ``GET /epcis/events`` answers an
EPCISQueryDocument of the events of the sites where the caller holds ``events.read``, by the
standard filters (``cloud.epcis.query``), oldest first.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from cloud.api.bounds import Moment
from cloud.api.deps import StateDep
from cloud.api.trace import readable_sites
from cloud.auth.deps import Principal, require
from cloud.auth.scope import site_scope
from cloud.epcis.aggregation import with_aggregations
from cloud.epcis.capture import receipts_of
from cloud.epcis.document import query_document
from cloud.epcis.errors import CaptureRefused
from cloud.epcis.mapping import to_epcis
from cloud.epcis.places import Places
from cloud.epcis.query import QueryRefused, read_filter
from cloud.epcis.store import StoredQuery, load_namespace, record_capture, stored_events
from cloud.migrate import StorageMode
from cloud.trace.packs import packages_between

router = APIRouter(prefix="/epcis", tags=["epcis"])

VERSIONS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
JSON_LD = "application/ld+json"


@router.post(
    "/capture",
    status_code=201,
    summary="Capture a supplier's EPCIS receiving events as receipts at one of your sites",
)
async def capture(
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.adjust"))],
) -> JSONResponse:
    try:
        document = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPException(400, f"body: not JSON ({exc})") from None
    sites = await readable_sites(state, principal, "stock.adjust")
    async with state.pool.connection() as conn:
        namespace = await load_namespace(conn, sites)
    try:
        found = receipts_of(document, Places(namespace, sites), datetime.now(UTC))
    except CaptureRefused as refused:
        return JSONResponse(
            {"type": "epcisException:ValidationException", "title": "capture refused",
             "status": 400, "field": refused.field, "detail": str(refused)},
            status_code=400, headers=VERSIONS,
        )  # fmt: skip
    done = await record_capture(
        state.pool, state.partitions, found,
        maintain_rollup=state.storage_mode is StorageMode.PARTITIONED,
    )  # fmt: skip
    body = {
        "site": done.site,
        "recorded": done.recorded,
        "already_captured": done.already,
        "events": [{"agent": e.agent, "seq": e.seq, "type": e.type} for e in done.events],
    }
    return JSONResponse(body, status_code=201, headers=VERSIONS)


@router.get(
    "/events",
    summary="Our events as EPCIS 2.0 (a SimpleEventQuery with the standard filters)",
    responses={200: {"content": {JSON_LD: {}}, "description": "an EPCISQueryDocument"}},
)
async def events(
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("events.read"))],
    ge_event_time: Annotated[Moment | None, Query(alias="GE_eventTime")] = None,
    lt_event_time: Annotated[Moment | None, Query(alias="LT_eventTime")] = None,
    per_page: Annotated[int, Query(alias="perPage", ge=1, le=1000)] = 100,
) -> JSONResponse:
    start, end = _utc(ge_event_time), _utc(lt_event_time)
    try:
        wanted = read_filter(request.query_params.multi_items(), start, end)
    except QueryRefused as refused:
        raise HTTPException(400, str(refused)) from None
    sites = await readable_sites(state, principal, "events.read")
    async with state.pool.connection() as conn:
        namespace = await load_namespace(conn, sites)
    item, lot = _one_lot(wanted.classes | wanted.any_classes, Places(namespace, sites))
    query = StoredQuery(sites, wanted.our_types(), start, end, item, lot, limit=per_page * 4)
    async with site_scope(state.tenant_pool, sites) as conn:
        stored = await stored_events(conn, query) if query.types else []
    found: list[dict[str, Any]] = []
    for event in stored:
        mapped = to_epcis(event, namespace)
        if mapped is not None and wanted.matches(mapped):
            found.append(mapped)
        if len(found) == per_page:
            break
    if not wanted.event_types or "AggregationEvent" in wanted.event_types:
        async with site_scope(state.tenant_pool, sites) as conn:
            units = await packages_between(conn, sites, start, end)
        found = with_aggregations(found, units, namespace, wanted, per_page)
    document = query_document(found, datetime.now(UTC))
    return JSONResponse(document, media_type=JSON_LD, headers=VERSIONS)


def _one_lot(classes: frozenset[str], places: Places) -> tuple[str | None, str | None]:
    """The lot to narrow SQL by, when the query names exactly one we can read."""
    if len(classes) != 1:
        return None, None
    try:
        return places.lot_of(next(iter(classes)), "MATCH_epcClass")
    except CaptureRefused:
        return None, None


def _utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is read as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
