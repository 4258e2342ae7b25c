"""A site's food-safety board for one day, folded from its events by ``domain.foodsafety``.

Days are the site's own (its organisation's zone). The queries read only what the fold
needs, none of them from the site's first day: the lots expiring by the day's near-expiry
bound settled before its end straight from the ledger (``cloud.kitchen.settled_lots``), the
stock events of the others live at its end, the events of the clocks open then or
moved during it (``cloud.kitchen.lot_history``), the day's records, every correction (a
record may be corrected after its day) and the day's sign-offs; the day's temperatures are
summed up in SQL by the domain's rule rather than folded reading by reading.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query

from cloud.api.bounds import Day
from cloud.api.deps import StateDep
from cloud.auth.deps import require
from cloud.auth.scope import site_scope
from cloud.kitchen.lot_history import clock_events, event_of_row, live_lot_events
from cloud.kitchen.settled_lots import settled_lot_alerts
from cloud.orgs.zone import site_zone
from cloud.state import CloudState
from domain.foodsafety import Board, RecordRefused, TemperatureLog, board, site_day

router = APIRouter(
    prefix="/v1/sites", tags=["food safety"], dependencies=[Depends(require("stock.read"))]
)

_DAY_EVENTS = """
SELECT e.id::text, e.agent, e.seq, e.site, e.type, e.at, e.data, e.prev, e.hash FROM events e
WHERE e.site = %(site)s AND e.at >= %(start)s AND e.at < %(end)s
  AND e.type = 'foodsafety.recorded'
UNION ALL
SELECT e.id::text, e.agent, e.seq, e.site, e.type, e.at, e.data, e.prev, e.hash FROM events e
WHERE e.site = %(site)s AND e.type <> 'reading.recorded'
  AND (e.type = 'foodsafety.corrected'
       OR (e.type = 'foodsafety.signed_off' AND e.data ->> 'day' = %(day)s))
"""


# The day's temperatures per location, as domain.foodsafety folds them (readings in °C with a
# location; a probe's faulty readings counted apart and kept out of min, max and last), in
# SQL: a day holds hundreds of readings per room, each a payload to validate in Python.
_DAY_TEMPERATURES = """
SELECT location, count(*) FILTER (WHERE NOT fault), min(value) FILTER (WHERE NOT fault),
       max(value) FILTER (WHERE NOT fault),
       (array_agg(value ORDER BY at DESC, agent COLLATE "C" DESC, seq DESC)
            FILTER (WHERE NOT fault))[1],
       max(at) FILTER (WHERE NOT fault), count(*) FILTER (WHERE fault)
FROM (SELECT data ->> 'location' AS location, (data ->> 'value')::numeric AS value, at, agent,
             seq, coalesce(data ->> 'status', '') = 'probe_fault' AS fault
      FROM events
      WHERE site = %(site)s AND at >= %(start)s AND at < %(end)s
        AND type = 'reading.recorded' AND data ->> 'unit' = '°C'
        AND data ->> 'location' IS NOT NULL) AS readings
GROUP BY location HAVING count(*) FILTER (WHERE NOT fault) > 0
ORDER BY location COLLATE "C"
"""


@router.get(
    "/{site}/food-safety/board",
    response_model=Board,
    responses={
        404: {"description": "unknown site"},
        409: {"description": "a stored correction cannot apply (the detail says which)"},
    },
    summary="A day's food-safety board: lots, clocks, temperatures, cooling, records, sign-off",
)
async def get_board(
    site: str,
    state: StateDep,
    day: Annotated[Day, Query(description="the site's day, YYYY-MM-DD (in its time zone)")],
    near_days: Annotated[
        int, Query(ge=0, le=30, description="near expiry: expires within this many days")
    ] = 1,
) -> Board:
    try:
        return await board_of_day(state, site, day, near_days)
    except RecordRefused as exc:
        raise HTTPException(409, str(exc)) from exc


async def board_of_day(
    state: CloudState,
    site: str,
    day: date,
    near_days: int = 1,
    *,
    clocks_only: bool = False,
    zone: ZoneInfo | None = None,
) -> Board:
    """The site's board of ``day`` (the site's day); ``RecordRefused`` if a stored correction
    cannot apply: what the API and the board page show. ``clocks_only`` folds the clock
    events alone, so only ``open_clocks`` is filled: for the stock page, which shows each
    lot's clocks and not the rest of the board. ``zone``: the site's, when the caller has
    it already (else it is looked up)."""
    zone = zone or await site_zone(state, site)  # a page knows it already
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    async with site_scope(state.tenant_pool, [site]) as conn:
        events = await clock_events(conn, site, since=start, until=end)
        if not clocks_only:
            expiring_by = day + timedelta(days=near_days)
            events += await live_lot_events(
                conn, site, since=end, until=end, expiring_by=expiring_by, settled_before=end
            )
            settled = await settled_lot_alerts(
                conn, site, day, expiring_by=expiring_by, settled_before=end
            )
            params = {"site": site, "start": start, "end": end, "day": day.isoformat()}
            cur = await conn.execute(_DAY_EVENTS, params)
            events += [event_of_row(row) for row in await cur.fetchall()]
            cur = await conn.execute(_DAY_TEMPERATURES, params)
            temperatures = tuple(_temperature(row) for row in await cur.fetchall())
    events.sort(key=lambda event: (event.moment, event.agent, event.seq))
    folded = board(events, day, near_days=near_days, day_of=site_day(zone))  # no readings
    if clocks_only:
        return folded
    lots = sorted((*folded.lots, *settled), key=lambda a: (a.item, a.lot, a.location))
    return replace(folded, lots=tuple(lots), temperatures=temperatures)


def _temperature(row: tuple[Any, ...]) -> TemperatureLog:
    location, readings, low, high, last, last_at, faults = row
    return TemperatureLog(location, readings, low, high, last, last_at.astimezone(UTC), faults)
