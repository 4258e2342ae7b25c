"""Fetch the tracking events of a traced lot or of a date range, with what names them.

Runs inside the caller's site scope (``cloud.auth.scope.site_scope``): row-level security
keeps events, links and master data of sites the caller may not read out of the sheet.
A lot's events are found through the genealogy tables (``trace_links`` and
``trace_receipts`` name the agent and seq of each event that made a link) and then read by
primary key, so a sheet costs index lookups, not a scan of every event's JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from psycopg import AsyncConnection

from cloud.epcis.store import load_namespace
from cloud.fsma.records import CTE_TYPES, LotKey, Places, StoredCte, tlc_sources
from cloud.trace.query import trace
from cloud.trace.tree import LotAt

Conn = AsyncConnection[tuple[object, ...]]

MAX_RECORDS = 200_000
"""A sheet longer than this is refused (narrow the range): about 30 MB of CSV."""

_PAIRS = "unnest(%(items)s::text[], %(lots)s::text[]) AS p (item, lot)"
_LOT_EVENTS = f"""
SELECT r.agent, r.seq FROM {_PAIRS}
  JOIN trace_receipts AS r ON r.item = p.item AND r.lot = p.lot
UNION SELECT l.agent, l.seq FROM {_PAIRS}
  JOIN trace_links AS l ON l.to_item = p.item AND l.to_lot = p.lot
UNION SELECT l.agent, l.seq FROM {_PAIRS}
  JOIN trace_links AS l ON l.from_item = p.item AND l.from_lot = p.lot
"""  # noqa: S608 (constant SQL)
# Issues are in no genealogy table: looked for at the lots' sites from the lots' first event.
_ISSUES = """
SELECT agent, seq FROM events
 WHERE site = ANY(%(sites)s) AND at >= %(since)s AND type = 'stock.issued'
   AND (data ->> 'item', data ->> 'lot') IN
       (SELECT * FROM unnest(%(items)s::text[], %(lots)s::text[]))
"""
_BY_KEY = """
SELECT e.agent, e.seq, e.site, e.type, e.at, e.data
  FROM unnest(%s::text[], %s::bigint[]) AS k (agent, seq)
  JOIN events AS e ON e.agent = k.agent AND e.seq = k.seq
 WHERE e.type = ANY(%s)
 ORDER BY e.at, e.agent, e.seq
"""
_IN_RANGE = """
SELECT agent, seq, site, type, at, data FROM events
 WHERE site = ANY(%s) AND at >= %s AND at < %s AND type = ANY(%s)
 ORDER BY at, agent, seq LIMIT %s
"""
_ORIGINS = f"""
SELECT r.item, r.lot, r.site, r.at FROM {_PAIRS}
  JOIN trace_receipts AS r ON r.item = p.item AND r.lot = p.lot
UNION ALL SELECT l.to_item, l.to_lot, l.to_site, l.at FROM {_PAIRS}
  JOIN trace_links AS l ON l.to_item = p.item AND l.to_lot = p.lot AND l.kind = 'produced'
"""  # noqa: S608 (constant SQL)


class SheetTooLong(ValueError):
    """More records than ``MAX_RECORDS``: the caller should ask for less."""


async def lot_events(conn: Conn, item: str, lot: str, *, max_depth: int = 20) -> list[StoredCte]:
    """Every tracking event of the lots ``lot`` of ``item`` came from or went into (both
    directions, across the caller's sites), oldest first; [] for an unknown lot."""
    nodes: set[LotAt] = set()
    for direction in ("backward", "forward"):
        for root in await trace(conn, item, lot, direction, max_depth=max_depth):
            nodes.update(node.lot for _, node in root.walk())
    if not nodes:
        return []
    params: dict[str, Any] = _pairs((n.item, n.lot) for n in nodes)
    keys = {
        (str(a), int(str(s))) for a, s in await (await conn.execute(_LOT_EVENTS, params)).fetchall()
    }
    since = await _first_at(conn, keys)
    if since is not None:
        params |= {"sites": sorted({n.site for n in nodes}), "since": since}
        cur = await conn.execute(_ISSUES, params)
        keys.update((str(a), int(str(s))) for a, s in await cur.fetchall())
    if len(keys) > MAX_RECORDS:
        raise SheetTooLong(f"{len(keys)} events: more than {MAX_RECORDS}")
    ordered = sorted(keys)
    cur = await conn.execute(
        _BY_KEY, ([a for a, _ in ordered], [s for _, s in ordered], list(CTE_TYPES))
    )
    return [_stored(row) for row in await cur.fetchall()]


async def _first_at(conn: Conn, keys: set[tuple[str, int]]) -> datetime | None:
    if not keys:
        return None
    agents, seqs = zip(*sorted(keys), strict=True)
    cur = await conn.execute(
        "SELECT min(e.at) FROM unnest(%s::text[], %s::bigint[]) AS k (agent, seq) "
        "JOIN events AS e ON e.agent = k.agent AND e.seq = k.seq", (list(agents), list(seqs)),
    )  # fmt: skip
    row = await cur.fetchone()
    return None if row is None or row[0] is None else cast(datetime, row[0])


async def range_events(
    conn: Conn, sites: Sequence[str], start: datetime, end: datetime
) -> list[StoredCte]:
    """The tracking events of ``sites`` from ``start`` (included) to ``end`` (excluded)."""
    cur = await conn.execute(_IN_RANGE, (list(sites), start, end, list(CTE_TYPES), MAX_RECORDS + 1))
    rows = await cur.fetchall()
    if len(rows) > MAX_RECORDS:
        raise SheetTooLong(f"more than {MAX_RECORDS} events from {start} to {end}")
    return [_stored(row) for row in rows]


async def sources_of(conn: Conn, events: Sequence[StoredCte]) -> dict[LotKey, str]:
    """Where each lot the events name got its code (``tlc_sources``)."""
    pairs = {(str(e.data["item"]), str(e.data["lot"])) for e in events}
    cur = await conn.execute(_ORIGINS, _pairs(pairs))
    return tlc_sources(
        (str(item), str(lot), str(site), cast(datetime, at))
        for item, lot, site, at in await cur.fetchall()
    )


async def load_places(conn: Conn, sites: Sequence[str]) -> Places:
    """Items' names from the master data of ``sites``, and GLNs as EPCIS names them.

    Needs the owner's connection (the organisation's name is read, as the EPCIS export
    does); ``sites`` must be the caller's readable sites."""
    names = await load_namespace(conn, sites)
    cur = await conn.execute(
        "SELECT DISTINCT ON (i ->> 'id') i ->> 'id', i ->> 'name' FROM site_masterdata, "
        "jsonb_array_elements(document -> 'items') AS i WHERE site = ANY(%s) "
        "ORDER BY i ->> 'id', site",
        (list(sites),),
    )
    items = {str(item): str(name) for item, name in await cur.fetchall() if item and name}
    return Places(items, names.glns, names.location_glns)


def _pairs(pairs: Iterable[LotKey]) -> dict[str, Any]:
    distinct = sorted(set(pairs))
    return {"items": [i for i, _ in distinct], "lots": [lot for _, lot in distinct]}


def _stored(row: tuple[object, ...]) -> StoredCte:
    agent, seq, site, kind, at, data = row
    return StoredCte(str(agent), int(str(seq)), str(site), str(kind), cast(datetime, at),
                     cast(dict[str, Any], data))  # fmt: skip
