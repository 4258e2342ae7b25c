"""The kitchen variance report of a site: where stock went that no event explains.

``opening + received + transferred − used − waste − closing = unexplained`` by item and
location, and by day, with the thaw and trim losses the recipes expect shown apart
(docs/kitchen.md); ``transferred`` is what moves, transfers, sales and returns took in or
out. Days
are whole days of the zone given (``tz``, UTC by default), both ends included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from cloud.api.bounds import Day
from cloud.api.deps import StateDep
from cloud.auth.deps import require
from cloud.auth.scope import site_scope
from cloud.http.disposition import attachment
from cloud.kitchen.variance import Period, PeriodInvalid, variance_report
from cloud.orgs.zone import site_zone
from domain.kitchen.variance import Movements, VarianceLine

router = APIRouter(
    prefix="/v1/sites", tags=["kitchen"], dependencies=[Depends(require("stock.read"))]
)


class MovementsPublic(BaseModel):
    received: Decimal
    used: Decimal
    thaw_loss: Decimal
    trim_loss: Decimal
    waste: Decimal
    transferred: Decimal = Field(
        description="net in (+) or out (-) by moves, transfers, sales and returns: explained"
    )

    @classmethod
    def of(cls, moved: Movements) -> MovementsPublic:
        return cls(
            received=moved.received,
            used=moved.used,
            thaw_loss=moved.thaw_loss,
            trim_loss=moved.trim_loss,
            waste=moved.waste,
            transferred=moved.transferred,
        )


class DayPublic(MovementsPublic):
    day: date


class VarianceLinePublic(MovementsPublic):
    """One item at one location (``*``: all locations) over the period."""

    item: str
    location: str
    unit: str
    opening: Decimal
    closing: Decimal
    unexplained: Decimal
    days: list[DayPublic]

    @classmethod
    def of_line(cls, line: VarianceLine) -> VarianceLinePublic:
        days = [
            DayPublic(day=day, **MovementsPublic.of(moved).model_dump())
            for day, moved in sorted(line.by_day.items())
        ]
        return cls(
            item=line.item,
            location=line.location,
            unit=line.unit.value,
            opening=line.opening,
            closing=line.closing,
            unexplained=line.unexplained,
            days=days,
            **MovementsPublic.of(line.moved).model_dump(),
        )


class VariancePublic(BaseModel):
    site: str
    start: date
    end: date
    tz: str
    lines: list[VarianceLinePublic]
    """By item and location (station, cold room)."""
    items: list[VarianceLinePublic]
    """By item, over all locations."""


@router.get(
    "/{site}/variance",
    response_model=VariancePublic,
    responses={200: {"content": {"text/csv": {}}, "description": "the report"}},
    summary="Stock variance by item, location and day, with thaw and trim loss apart",
)
async def get_variance(
    site: str,
    state: StateDep,
    start: Annotated[Day, Query(alias="from", description="first day")],
    end: Annotated[Day, Query(alias="to", description="last day (included)")],
    item: Annotated[str | None, Query(description="only this item")] = None,
    tz: Annotated[
        str | None, Query(description="days in this zone (IANA name); default: the site's own")
    ] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> VariancePublic | Response:
    try:
        zone = ZoneInfo(tz) if tz is not None else await site_zone(state, site)
        period = Period(start, end, zone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "America" is a folder
        why = f"tz: unknown time zone {tz!r}" if not isinstance(exc, PeriodInvalid) else exc
        raise HTTPException(422, str(why)) from exc
    async with site_scope(state.tenant_pool, [site]) as conn:
        report = await variance_report(conn, site, period, item)
    body = VariancePublic(
        site=site,
        start=start,
        end=end,
        tz=str(period.zone),
        lines=[VarianceLinePublic.of_line(line) for line in report.lines],
        items=[VarianceLinePublic.of_line(line) for line in report.items],
    )
    if format == "csv":
        filename = f"variance-{site}-{start}-{end}.csv"
        return Response(
            _csv(body),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": attachment(filename)},
        )
    return body


_COLUMNS = ["item", "location", "day", "unit", "opening", "received", "used", "thaw_loss"]
_COLUMNS += ["trim_loss", "waste", "transferred", "closing", "unexplained"]


def _csv(report: VariancePublic) -> str:
    """One row per item and location for the period (``day`` empty), then one per day."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(_rows(report.lines))
    return out.getvalue()


def _rows(lines: list[VarianceLinePublic]) -> Iterator[dict[str, object]]:
    for line in lines:
        yield line.model_dump(mode="json") | {"day": ""}
        for day in line.days:
            yield day.model_dump(mode="json") | {"item": line.item, "location": line.location,
                                                  "unit": line.unit}  # fmt: skip
