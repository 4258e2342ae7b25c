"""The events of a site that a page needs, read through the lots they touch rather than from
the site's first day.

A report as at an instant needs the stock of each lot then. A lot whose every balance is
zero in the ledger now and that has not moved since that instant was zero then too, so only
the *live* lots (a balance other than zero now, or an event since) are read, each with its
whole history (a lot lives days or weeks, a site years). The ledger folds events as they
arrive, so a counted lot whose events came out of time order (``lot_order.reordered``) is
read always. Clocks are read the same way
through ``lot_clocks``: those open now or moved since. Both rest on the ledger and the
clocks being the fold of the events they were kept from (cloud/ingest/fold.py), which the
tests check against a full scan.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from psycopg import AsyncConnection

from domain.events import Event, format_at
from domain.ledger import STOCK_TYPES
from domain.payloads import CLOCK_TYPES, PAYLOADS

Conn = AsyncConnection[tuple[Any, ...]]

# Each predicate "type <> 'reading.recorded'" repeats the indexes' own (migration 0060), so
# the planner may use them whatever the parameters.
_LIVE_LOT_EVENTS = """
WITH live AS (
    SELECT item, lot FROM ledger WHERE site = %(site)s AND qty <> 0
    UNION
    SELECT item, lot FROM lot_order WHERE site = %(site)s AND reordered
    UNION
    SELECT data ->> 'item', data ->> 'lot' FROM events
    WHERE site = %(site)s AND type <> 'reading.recorded' AND type = ANY(%(stock)s)
      AND at >= %(since)s
), wanted AS (
    SELECT item, lot FROM live
    WHERE (%(item)s::text IS NULL OR item = %(item)s)
      AND (%(expiring_by)s::date IS NULL OR EXISTS (
          SELECT 1 FROM lots l WHERE l.site = %(site)s AND l.item = live.item
             AND l.lot = live.lot AND l.expires_on <= %(expiring_by)s))
    AND (%(settled_before)s::timestamptz IS NULL OR NOT EXISTS (
          SELECT 1 FROM lot_order o WHERE o.site = %(site)s AND o.item = live.item
             AND o.lot = live.lot AND NOT o.reordered AND o.last_at < %(settled_before)s))
)
SELECT e.id::text, e.agent, e.seq, e.site, e.type, e.at, e.data, e.prev, e.hash
FROM wanted w JOIN events e
  ON e.site = %(site)s AND (e.data ->> 'lot') = w.lot
 AND (e.data ->> 'lot') IS NOT NULL AND e.type <> 'reading.recorded'
WHERE e.data ->> 'item' = w.item AND e.type = ANY(%(stock)s) AND e.at <= %(until)s
ORDER BY e.at, e.agent, e.seq
"""

_CLOCK_EVENTS = """
SELECT e.id::text, e.agent, e.seq, e.site, e.type, e.at, e.data, e.prev, e.hash
FROM lot_clocks c JOIN events e
  ON e.site = c.site AND (e.data ->> 'lot') = c.lot
 AND (e.data ->> 'lot') IS NOT NULL AND e.type <> 'reading.recorded'
WHERE c.site = %(site)s AND (c.open OR c.last_at >= %(since)s)
  AND e.type = ANY(%(clocks)s) AND e.data ->> 'item' = c.item
  AND e.data ->> 'location' = c.location AND e.data ->> 'clock' = c.clock
  AND e.at <= %(until)s
ORDER BY e.at, e.agent, e.seq
"""

_DEAD_LINES = """
SELECT DISTINCT item, location, unit FROM ledger d
WHERE site = %(site)s AND (%(item)s::text IS NULL OR item = %(item)s)
  AND NOT EXISTS (
      SELECT 1 FROM ledger l WHERE l.site = d.site AND l.item = d.item AND l.lot = d.lot
         AND l.qty <> 0)
  AND NOT EXISTS (
      SELECT 1 FROM lot_order o WHERE o.site = d.site AND o.item = d.item AND o.lot = d.lot
         AND o.reordered)
  AND NOT EXISTS (
      SELECT 1 FROM events e WHERE e.site = d.site AND (e.data ->> 'lot') = d.lot
         AND (e.data ->> 'lot') IS NOT NULL AND e.type <> 'reading.recorded'
         AND e.data ->> 'item' = d.item AND e.type = ANY(%(stock)s) AND e.at >= %(since)s)
"""


async def live_lot_events(
    conn: Conn,
    site: str,
    *,
    since: datetime,
    until: datetime,
    expiring_by: date | None = None,
    item: str | None = None,
    settled_before: datetime | None = None,
) -> list[Event]:
    """Stock events up to ``until`` (included) of the lots live since ``since``.

    ``expiring_by``: only lots that expire on or before it; ``item``: only that item;
    ``settled_before``: not the lots settled then (``settled_lot_alerts`` reads those from
    the ledger instead).
    """
    params = {"site": site, "stock": sorted(STOCK_TYPES), "since": since, "until": until,
              "expiring_by": expiring_by, "item": item,
              "settled_before": settled_before}  # fmt: skip
    cur = await conn.execute(_LIVE_LOT_EVENTS, params)
    return [event_of_row(row) for row in await cur.fetchall()]


async def dead_lines(
    conn: Conn, site: str, *, since: datetime, item: str | None = None
) -> set[tuple[str, str, str]]:
    """(item, location, unit) of the balances of lots not live since ``since``: each is zero
    then and after, but a report that replays every event still shows its line."""
    params = {"site": site, "stock": sorted(STOCK_TYPES), "since": since, "item": item}
    cur = await conn.execute(_DEAD_LINES, params)
    return {(str(i), str(loc), str(unit)) for i, loc, unit in await cur.fetchall()}


async def clock_events(conn: Conn, site: str, *, since: datetime, until: datetime) -> list[Event]:
    """Clock events up to ``until`` (included) of the clocks open now or moved since
    ``since``: every clock that was open, or moved, between the two."""
    params = {"site": site, "clocks": list(CLOCK_TYPES), "since": since, "until": until}
    cur = await conn.execute(_CLOCK_EVENTS, params)
    return [event_of_row(row) for row in await cur.fetchall()]


def event_of_row(row: tuple[Any, ...]) -> Event:
    """An ``Event`` from a row of id, agent, seq, site, type, at, data, prev, hash, with its
    time and payload read once (a fold asks for them again and again)."""
    event_id, agent, seq, site, kind, at, data, prev, hash_ = row
    reader = PAYLOADS.get(kind)
    typed = reader.model_validate(data) if reader is not None else None
    moment = at.astimezone(UTC)
    return Event(str(event_id), agent, seq, site, kind, format_at(moment), data, prev, hash_,
                 typed=typed, parsed_at=moment)  # fmt: skip
