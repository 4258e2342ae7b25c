"""Cold-chain views of a site: its excursions, and a location's daily compliance report."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from cloud.api.bounds import Day, Moment
from cloud.api.coldchain_schemas import (
    AffectedLotPublic,
    CompliancePublic,
    DispositionPublic,
    ExcursionPublic,
    ReactionPublic,
    SiteExcursionsPublic,
)
from cloud.api.deps import StateDep
from cloud.auth.deps import require
from cloud.auth.scope import site_scope
from cloud.coldchain.chart import day_chart
from cloud.coldchain.excursions import AffectedLot
from cloud.coldchain.report_csv import report_csv, report_filename
from cloud.coldchain.views import (
    ExcursionView,
    NotFound,
    SignalAmbiguous,
    compliance_report,
    excursion_list,
)
from cloud.http.disposition import attachment
from cloud.orgs.zone import site_zone
from domain.coldchain.reactions import excursion_cause

router = APIRouter(
    prefix="/v1/sites", tags=["cold chain"], dependencies=[Depends(require("coldchain.read"))]
)

_NOT_FOUND = {404: {"description": "unknown site or location (the detail says which)"}}


@router.get(
    "/{site}/excursions",
    response_model=SiteExcursionsPublic,
    responses=_NOT_FOUND,
    summary="Excursions of a site, with the lots each held and what was done about them",
)
async def get_excursions(
    site: str,
    state: StateDep,
    location: Annotated[str | None, Query(description="only this location")] = None,
    status: Annotated[Literal["open", "closed"] | None, Query(description="open or closed")] = None,
    start: Annotated[
        Moment | None, Query(alias="from", description="out of range at or after (UTC)")
    ] = None,
    end: Annotated[Moment | None, Query(alias="to", description="opened before (UTC)")] = None,
) -> SiteExcursionsPublic:
    async with site_scope(state.tenant_pool, [site]) as conn:
        try:
            views = await excursion_list(
                conn, site, location=location, status=status, start=_utc(start), end=_utc(end)
            )
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from exc
    return SiteExcursionsPublic(site=site, excursions=[_excursion(view) for view in views])


@router.get(
    "/{site}/locations/{location}/compliance",
    response_model=CompliancePublic,
    responses={
        **_NOT_FOUND,
        200: {"content": {"text/csv": {}, "image/svg+xml": {}}, "description": "the report"},
    },
    summary="A location's daily compliance report as JSON, CSV or an SVG chart",
)
async def get_compliance(
    site: str,
    location: str,
    state: StateDep,
    day: Annotated[
        Day, Query(description="the site's own day, YYYY-MM-DD (its org time_zone setting)")
    ],
    format: Annotated[Literal["json", "csv", "svg"], Query()] = "json",
    metric: Annotated[
        str | None, Query(description="the °C metric, if the location has several")
    ] = None,
    high_c: Annotated[Decimal | None, Query(allow_inf_nan=False)] = None,
    low_c: Annotated[Decimal | None, Query(allow_inf_nan=False)] = None,
) -> CompliancePublic | Response:
    zone = await site_zone(state, site)
    async with site_scope(state.tenant_pool, [site]) as conn:
        try:
            report = await compliance_report(
                conn, site, location, day, zone, metric=metric, high_c=high_c, low_c=low_c,
                now=datetime.now(UTC),
            )  # fmt: skip
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from exc
        except SignalAmbiguous as exc:
            raise HTTPException(422, str(exc)) from exc
    if format == "csv":
        disposition = attachment(report_filename(report, "csv"))
        return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": disposition})  # fmt: skip
    if format == "svg":
        return Response(day_chart(report), media_type="image/svg+xml")
    return CompliancePublic.model_validate(report)


def _utc(moment: datetime | None) -> datetime | None:
    """A time given without a zone is read as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _excursion(view: ExcursionView) -> ExcursionPublic:
    row = view.excursion
    return ExcursionPublic(
        location=row.location,
        number=row.number,
        cause=excursion_cause(row.location, row.number),
        status=row.status,  # type: ignore[arg-type]
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        escalated=row.escalated_at is not None,
        escalated_at=row.escalated_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        corrective_action=row.corrective_action,
        back_in_range=row.back_in_range,
        figures=row.figures,
        lots=[_lot(lot) for lot in view.lots],
        safety_stock=[ReactionPublic.model_validate(r) for r in view.safety_stock],
        purchases=[ReactionPublic.model_validate(r) for r in view.purchases],
    )


def _lot(lot: AffectedLot) -> AffectedLotPublic:
    block, outcome = lot.block, lot.outcome
    return AffectedLotPublic(
        item=block.key.item,
        lot=block.key.lot,
        location=block.key.location,
        blocked_at=block.at,
        reason=block.reason,
        outcome=None if outcome is None else DispositionPublic.model_validate(outcome),
    )
