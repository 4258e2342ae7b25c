"""A site's food-safety board for one day, folded from its events by ``domain.foodsafety``.

Days are UTC days, as in the cold-chain compliance report. The query reads only what the
fold needs: stock and clock events up to the day's end (for lots and open clocks), the
day's readings and records, and every correction and sign-off (a record may be corrected,
and a day signed off, after the day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from cloud.api.bounds import Day
from cloud.api.deps import StateDep
from cloud.auth.deps import require
from cloud.auth.scope import site_scope
from cloud.orgs.zone import site_zone
from cloud.state import CloudState
from domain.events import Event, format_at
from domain.foodsafety import HISTORY_TYPES, Board, RecordRefused, board, site_day
from domain.payloads import CLOCK_TYPES

router = APIRouter(
    prefix="/v1/sites", tags=["food safety"], dependencies=[Depends(require("stock.read"))]
)

_QUERY = """
SELECT id::text, agent, seq, site, type, at, data, prev, hash FROM events
WHERE site = %(site)s
  AND ((type = ANY(%(history)s) AND at < %(end)s)
       OR (at >= %(start)s AND at < %(end)s
           AND type IN ('reading.recorded', 'foodsafety.recorded'))
       OR type IN ('foodsafety.corrected', 'foodsafety.signed_off'))
ORDER BY at, agent, seq
"""

_CLOCKS_QUERY = """
SELECT id::text, agent, seq, site, type, at, data, prev, hash FROM events
WHERE site = %(site)s AND type = ANY(%(clocks)s) AND at < %(end)s
ORDER BY at, agent, seq
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
    state: CloudState, site: str, day: date, near_days: int = 1, *, clocks_only: bool = False
) -> Board:
    """The site's board of ``day`` (the site's day); ``RecordRefused`` if a stored correction
    cannot apply: what the API and the board page show. ``clocks_only`` folds the clock
    events alone, so only ``open_clocks`` is filled: for the stock page, which shows each
    lot's clocks and not the rest of the board."""
    zone = await site_zone(state, site)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    params = {"site": site, "history": sorted(HISTORY_TYPES), "start": start, "end": end,
              "clocks": sorted(CLOCK_TYPES)}  # fmt: skip
    async with site_scope(state.tenant_pool, [site]) as conn:
        cur = await conn.execute(_CLOCKS_QUERY if clocks_only else _QUERY, params)
        rows: list[tuple[Any, ...]] = await cur.fetchall()
    events = [_event(row) for row in rows]
    return board(events, day, near_days=near_days, day_of=site_day(zone))


def _event(row: tuple[Any, ...]) -> Event:
    event_id, agent, seq, site, kind, at, data, prev, hash_ = row
    return Event(event_id, agent, seq, site, kind, format_at(at), data, prev, hash_)
