"""FSMA 204: ``GET /v1/fsma/spreadsheet``, the FDA's electronic sortable spreadsheet.

For a lot (``item`` and ``lot``: every receiving, transformation and shipping event of the
lots it came from and went into, across the caller's sites) or for a date range
(``from``/``to``: every such event at those sites), as CSV or XLSX. It runs in the
caller's site scope with ``stock.read``, like a trace.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from cloud.api.deps import StateDep
from cloud.api.trace import readable_sites
from cloud.auth.deps import Principal, require
from cloud.auth.scope import site_scope
from cloud.fsma.query import SheetTooLong, load_places
from cloud.fsma.sheet_request import MEDIA_TYPES, SheetFormat, Spreadsheet, lot_sheet, range_sheet
from cloud.http.disposition import attachment

router = APIRouter(prefix="/v1/fsma", tags=["fsma"])

MAX_RANGE = timedelta(days=366)

_SHEETS: dict[int | str, dict[str, object]] = {
    200: {
        "content": {media: {} for media in MEDIA_TYPES.values()},
        "description": "one row per key data element record; header row first",
    },
    404: {"description": "the lot is unknown at your sites"},
    413: {"description": "more rows than one sheet holds: narrow the range"},
    422: {"description": "neither a lot nor a whole date range, or a range too long"},
}


@router.get(
    "/spreadsheet",
    responses=_SHEETS,
    summary="FSMA 204 sortable spreadsheet of a lot (traced both ways) or of a date range",
)
async def get_spreadsheet(
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
    item: Annotated[str | None, Query(max_length=200, description="with lot")] = None,
    lot: Annotated[str | None, Query(max_length=200, description="with item")] = None,
    start: Annotated[date | None, Query(alias="from", description="first day (UTC)")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day (UTC), included")] = None,
    format: Annotated[SheetFormat, Query()] = "csv",
) -> Response:
    lot_asked = item is not None and lot is not None
    range_asked = start is not None and end is not None
    if lot_asked == range_asked or None not in (item, lot, start, end):
        raise HTTPException(422, "ask for one lot (item and lot) or one range (from and to)")
    window = _range(start, end) if start is not None and end is not None else None
    sites = await readable_sites(state, principal, "stock.read")
    async with state.pool.connection() as owner:  # names only, of the caller's sites
        places = await load_places(owner, sites)
    try:
        async with site_scope(state.tenant_pool, sites) as conn:
            if window is not None:
                sheet = await range_sheet(conn, places, sites, *window, format)
            elif item is not None and lot is not None:
                found = await lot_sheet(conn, places, item, lot, format)
                if found is None:
                    unknown = f"lot {lot!r} of item {item!r} is unknown at your sites"
                    raise HTTPException(404, unknown)
                sheet = found
    except SheetTooLong as exc:
        raise HTTPException(413, f"too many records for one sheet: {exc}") from exc
    return _download(sheet)


def _range(start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of ``start`` to the end of ``end``, UTC; 422 when reversed or too long."""
    if end < start:
        raise HTTPException(422, f"to ({end}) is before from ({start})")
    first = datetime.combine(start, time(), UTC)
    after = datetime.combine(end + timedelta(days=1), time(), UTC)
    if after - first > MAX_RANGE:
        raise HTTPException(422, f"a range covers at most {MAX_RANGE.days} days")
    return first, after


def _download(sheet: Spreadsheet) -> Response:
    headers = {"Content-Disposition": attachment(sheet.filename),
               "X-Record-Count": str(sheet.rows)}  # fmt: skip
    return Response(sheet.content, media_type=sheet.media_type, headers=headers)
