"""Recalls over HTTP: ``POST /v1/recalls`` holds a lot and everything made of it at every
site, ``GET /v1/recalls/{id}`` says where it all is and whether each edge has the holds;
``POST /v1/sites/{site}/quality-checks`` records a lab's check, a failure held at the edge.

A recall traces the lot forward across the sites the caller may read (``stock.read``), and
holds every lot it reaches: the caller must hold ``quarantine.release`` at each of their
sites, or nothing is issued (403 naming the sites). The recall and all its hold documents
commit in one transaction (``cloud.recall.issue``); each online agent then pulls its site's
holds on its open long poll, and an offline one when it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from cloud.api.deps import StateDep
from cloud.api.trace import readable_sites
from cloud.auth.deps import Principal, require
from cloud.auth.grants import sites_with
from cloud.auth.scope import site_scope
from cloud.downlink.bell import bell_of
from cloud.http.disposition import attachment
from cloud.migrate import StorageMode
from cloud.recall.close import (
    OpenStock,
    RecallAlreadyClosed,
    RecallNotFound,
    StockUnresolved,
    close,
)
from cloud.recall.follower import run_follower
from cloud.recall.issue import RecallTooLarge, affected, record
from cloud.recall.quality import record_check
from cloud.recall.render import recall_csv, recall_json
from cloud.recall.report import read_report
from cloud.state import CloudState
from cloud.trace.query import trace
from cloud.trace.tree import LotAt
from domain.payloads import QualityChecked
from domain.values import PROSE, Name


@asynccontextmanager
async def _follow_recalls(app: FastAPI) -> AsyncIterator[None]:
    """Run the recall follower (``cloud.recall.follower``) while the app serves."""
    state: CloudState = app.state.cloud
    task = asyncio.create_task(
        run_follower(state.pool, state.settings.database_url, bell_of(app).ring),
        name="recall-follower",
    )
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


router = APIRouter(tags=["recalls"], lifespan=_follow_recalls)


class RecallCreate(BaseModel):
    item: Name
    lot: Name
    reason: Annotated[str, Field(min_length=1, max_length=400), PROSE]


class HoldIssued(BaseModel):
    site: str
    item: str
    lot: str
    seq: int = Field(description="the hold document's number in the site's down-channel")


class RecallIssued(BaseModel):
    id: int
    created_at: datetime
    sites: list[str]
    holds: list[HoldIssued]


@router.post(
    "/v1/recalls",
    status_code=201,
    response_model=RecallIssued,
    responses={403: {"description": "quarantine.release missing at an affected site"},
               404: {"description": "the lot is unknown at your sites"},
               422: {"description": "bad body, or a recall too large to hold at once"}},
    summary="Recall a lot: hold it and every lot made of or shipped from it, at every site",
)  # fmt: skip
async def post_recall(
    body: RecallCreate,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("quarantine.release"))],
) -> RecallIssued:
    lots = await _affected_lots(state, principal, body.item, body.lot)
    async with state.pool.connection() as conn, conn.transaction():
        recorded = await record(conn, body.item, body.lot, body.reason, lots, principal.name)
    bell = bell_of(request.app)
    for site in recorded.sites:
        bell.ring(site)
    return RecallIssued(
        id=recorded.id, created_at=recorded.created_at, sites=recorded.sites,
        holds=[HoldIssued(site=h.lot.site, item=h.lot.item, lot=h.lot.lot, seq=h.seq)
               for h in recorded.holds],
    )  # fmt: skip


async def _affected_lots(
    state: CloudState, principal: Principal, item: str, lot: str
) -> list[LotAt]:
    """Every lot the recall holds; 404, 422 or 403 (naming what is wrong) when it cannot."""
    sites = await readable_sites(state, principal, "stock.read")
    async with site_scope(state.tenant_pool, sites) as conn:
        roots = await trace(conn, item, lot, "forward")
    if not roots:
        raise HTTPException(404, f"lot {lot!r} of item {item!r} is unknown at your sites")
    try:
        lots = affected(roots)
    except RecallTooLarge as exc:
        raise HTTPException(422, str(exc)) from exc
    if principal.kind != "anonymous":
        async with state.pool.connection() as conn:
            releasable = set(await sites_with(conn, principal, "quarantine.release"))
        lacking = sorted({at.site for at in lots} - releasable)
        if lacking:
            raise HTTPException(403, f"{principal.name} lacks quarantine.release at "
                                f"{', '.join(lacking)}: a recall holds the lot at every site "
                                "it reached, or nowhere")  # fmt: skip
    return lots


_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "the report as JSON or a CSV table"},
    404: {"description": "no such recall at your sites"},
}


@router.get(
    "/v1/recalls/{recall_id}",
    responses=_FORMATS,
    summary="A recall's report: stock, shipments and uses of each lot, holds applied per edge",
)
async def get_recall(
    recall_id: int,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response:
    sites = await readable_sites(state, principal, "stock.read")
    async with site_scope(state.tenant_pool, sites) as conn:
        report = await read_report(conn, recall_id)
    if report is None:
        raise HTTPException(404, f"recall {recall_id} is unknown at your sites")
    if format == "csv":
        headers = {"Content-Disposition": attachment(f"recall-{recall_id}.csv")}
        return Response(recall_csv(report), media_type="text/csv", headers=headers)
    return JSONResponse(recall_json(report))


class RecallClose(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=400), PROSE]
    override: Annotated[
        str,
        Field(min_length=1, max_length=400,
              description="why to close although stock is not resolved (kept with the recall)"),
        PROSE,
    ] | None = None  # fmt: skip


class OpenStockPublic(BaseModel):
    site: str
    item: str
    lot: str
    location: str
    qty: str
    unit: str
    held: bool


class RecallClosed(BaseModel):
    id: int
    closed_at: datetime
    closed_by: str
    reason: str
    overridden: bool
    open_stock: list[OpenStockPublic]


@router.post(
    "/v1/recalls/{recall_id}/close",
    response_model=RecallClosed,
    responses={403: {"description": "quarantine.release missing at a site of the recall"},
               404: {"description": "no such recall at your sites"},
               409: {"description": "closed already, or stock not resolved (listed)"}},
    summary="Close a recall once its stock is discarded, returned or released (or override)",
)  # fmt: skip
async def close_recall(
    recall_id: int,
    body: RecallClose,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("quarantine.release"))],
) -> RecallClosed | JSONResponse:
    await _may_close(state, principal, recall_id)
    try:
        async with state.pool.connection() as conn, conn.transaction():
            done = await close(conn, recall_id, principal.name, body.reason, body.override)
    except StockUnresolved as exc:
        return JSONResponse(
            {"detail": str(exc), "open_stock": [_open(s).model_dump() for s in exc.open_stock]},
            status_code=409,
        )
    except (RecallAlreadyClosed, RecallNotFound) as exc:
        raise HTTPException(409 if isinstance(exc, RecallAlreadyClosed) else 404, str(exc)) from exc
    return RecallClosed(
        id=done.id, closed_at=done.closed_at, closed_by=done.closed_by, reason=done.reason,
        overridden=done.overridden, open_stock=[_open(s) for s in done.open_stock],
    )  # fmt: skip


async def _may_close(state: CloudState, principal: Principal, recall_id: int) -> None:
    """404 unless the caller sees a site of the recall; 403 naming each site of it (held
    then or since) where the caller lacks ``quarantine.release``."""
    async with state.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT DISTINCT site FROM recall_holds WHERE recall = %s ORDER BY 1", (recall_id,)
        )
        sites = [str(row[0]) for row in await cur.fetchall()]
        releasable = (
            set(sites) if principal.kind == "anonymous"
            else set(await sites_with(conn, principal, "quarantine.release"))
        )  # fmt: skip
    visible = set(await readable_sites(state, principal, "stock.read"))
    if not sites or not visible & set(sites):
        raise HTTPException(404, f"recall {recall_id} is unknown at your sites")
    lacking = sorted(set(sites) - releasable)
    if lacking:
        where = ", ".join(lacking)
        raise HTTPException(
            403, f"{principal.name} lacks quarantine.release at {where}: a recall closes everywhere"
        )


def _open(stock: OpenStock) -> OpenStockPublic:
    return OpenStockPublic(
        site=stock.site, item=stock.item, lot=stock.lot, location=stock.location,
        qty=format(stock.qty.normalize(), "f"), unit=stock.unit, held=stock.held,
    )  # fmt: skip


class CheckRecordedPublic(BaseModel):
    site: str
    seq: int = Field(description="the check's number in the site's chain of checks")
    hold_seq: int | None = Field(description="the hold sent to the site's edge, for a failure")


@router.post(
    "/v1/sites/{site}/quality-checks",
    status_code=201,
    response_model=CheckRecordedPublic,
    summary="Record a quality check of a lot at the site; a failure holds it at the edge",
)
async def post_quality_check(
    site: str,
    check: QualityChecked,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("quarantine.release"))],
) -> CheckRecordedPublic:
    done = await record_check(
        state.pool, state.partitions, site, check, datetime.now(UTC), principal.name,
        maintain_rollup=state.storage_mode is StorageMode.PARTITIONED,
    )  # fmt: skip
    if done.hold_seq is not None:
        bell_of(request.app).ring(site)
    return CheckRecordedPublic(site=done.site, seq=done.seq, hold_seq=done.hold_seq)
