"""The cold-chain page: each room's day as a chart with its figures (MKT, minutes out of
range), the site's excursions (refreshed live with htmx), and the compliance report.

Days are the site's own (the zone the viewer's pages speak in, from the org settings)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from cloud.api.bounds import Day
from cloud.auth.scope import site_scope
from cloud.coldchain.chart import day_chart
from cloud.coldchain.compliance import DayReport
from cloud.coldchain.queries import Conn
from cloud.coldchain.report_csv import report_csv, report_filename
from cloud.coldchain.rooms import rooms_of_site
from cloud.coldchain.views import (
    ExcursionView,
    NotFound,
    SignalAmbiguous,
    compliance_report,
    excursion_list,
)
from cloud.http.disposition import attachment
from cloud.web.access import PageRefused, site_page
from cloud.web.item_names import named
from cloud.web.pages import Viewer, render

router = APIRouter(prefix="/ui/sites/{site}")

ColdViewer = Annotated[Viewer, Depends(site_page("coldchain.read", names=False))]
"""The excursions name their lots' items: read with them (``named``)."""
RoomViewer = Annotated[Viewer, Depends(site_page("coldchain.read", names=False))]
"""A room's figures and chart name no item."""
EXCURSION_WINDOW = timedelta(days=30)
"""The excursions page shows those out of range within this window (the API has them all)."""
DayQuery = Annotated[
    Day | None, Query(description="the site's own day, YYYY-MM-DD (default: its today)")
]


@router.get("/coldchain", response_class=HTMLResponse, summary="Cold-chain page")
async def coldchain_page(seen: ColdViewer, day: DayQuery = None) -> HTMLResponse:
    """The rooms' frames and the excursions; each room's figures and chart are a part of
    their own that the browser asks for at once (in parallel), so no request waits for
    every room's report."""
    assert seen.site is not None
    shown = day or _today(seen)
    async with site_scope(seen.state.tenant_pool, [seen.site]) as conn:
        rooms = await rooms_of_site(conn, seen.site)
        excursions = await _excursions(conn, seen)
        seen = await named(seen, conn)
    return render(seen, "coldchain.html", day=shown, rooms=rooms, excursions=excursions)


@router.get("/rooms/{location}/summary", response_class=HTMLResponse, summary="A room's day")
async def room_summary(seen: RoomViewer, location: str, day: DayQuery = None) -> HTMLResponse:
    """A room's figures of the day, its chart and its report link (an htmx part)."""
    assert seen.site is not None
    shown = day or _today(seen)
    async with site_scope(seen.state.tenant_pool, [seen.site]) as conn:
        report = await _report(conn, seen, location, shown)
    return render(seen, "_room.html", day=shown, room=location, report=report)


@router.get("/coldchain/excursions", response_class=HTMLResponse, summary="Excursions part")
async def excursions_part(seen: ColdViewer) -> HTMLResponse:
    """The excursions table alone: what htmx swaps in every 30 s."""
    assert seen.site is not None
    async with site_scope(seen.state.tenant_pool, [seen.site]) as conn:
        excursions = await _excursions(conn, seen)
        seen = await named(seen, conn)
    return render(seen, "_excursions.html", excursions=excursions)


@router.get("/rooms/{location}/chart.svg", summary="A room's day as an SVG chart")
async def room_chart(seen: RoomViewer, location: str, day: DayQuery = None) -> Response:
    report = await _report_or_refuse(seen, location, day)
    return Response(day_chart(report), media_type="image/svg+xml",
                    headers={"Cache-Control": "no-store"})  # fmt: skip


@router.get("/rooms/{location}/compliance.csv", summary="A room's daily compliance report")
async def room_report(seen: RoomViewer, location: str, day: DayQuery = None) -> Response:
    report = await _report_or_refuse(seen, location, day)
    disposition = attachment(report_filename(report, "csv"))
    return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition})  # fmt: skip


def _today(seen: Viewer) -> date:
    """The site's today: a page opened at 07:00 in Shanghai shows that day, not UTC's."""
    return datetime.now(seen.speaker.zone).date()


async def _report(conn: Conn, seen: Viewer, room: str, day: date) -> DayReport | None:
    """The room's report, or None when it has no single °C signal (the page says so)."""
    assert seen.site is not None
    try:
        return await compliance_report(
            conn, seen.site, room, day, seen.speaker.zone, metric=None, high_c=None,
            low_c=None, now=datetime.now(UTC),
        )  # fmt: skip
    except (NotFound, SignalAmbiguous):
        return None


async def _report_or_refuse(seen: Viewer, location: str, day: date | None) -> DayReport:
    assert seen.site is not None
    async with site_scope(seen.state.tenant_pool, [seen.site]) as conn:
        try:
            return await compliance_report(
                conn, seen.site, location, day or _today(seen), seen.speaker.zone, metric=None,
                high_c=None, low_c=None, now=datetime.now(UTC),
            )  # fmt: skip
        except NotFound as exc:
            raise PageRefused(404, str(exc)) from exc
        except SignalAmbiguous as exc:
            raise PageRefused(422, str(exc)) from exc


async def _excursions(conn: Conn, seen: Viewer) -> list[ExcursionView]:
    assert seen.site is not None
    try:
        return list(await excursion_list(
            conn, seen.site, location=None, status=None,
            start=datetime.now(UTC) - EXCURSION_WINDOW, end=None,
        ))  # fmt: skip
    except NotFound:
        return []
