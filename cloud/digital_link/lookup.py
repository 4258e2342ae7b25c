"""SQL reads behind a scan: who claims a GTIN, and what the organisation knows of one lot.

A scan is anonymous. Which organisation answers is decided first, from master data alone,
on the owner's pool (across organisations); the lot's reads then run behind the row-level
wall of that organisation's sites. Each query selects only the columns the consumer page may
show: no cost, supplier or operator column is ever read here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from psycopg import AsyncConnection

Conn = AsyncConnection[tuple[object, ...]]

_CLAIMS = """
WITH RECURSIVE claims AS (
    SELECT m.site, i ->> 'id' AS item, i ->> 'name' AS name, m.document -> 'locations' AS places
    FROM site_masterdata AS m, jsonb_array_elements(m.document -> 'items') AS i
    WHERE m.document -> 'items' @> %(probe)s::jsonb AND i ->> 'gtin' = %(gtin)s
), up (site, id, parent_id, name) AS (
    SELECT n.site, n.id, n.parent_id, n.name FROM org_nodes AS n
    WHERE n.site IN (SELECT site FROM claims)
    UNION ALL
    SELECT up.site, p.id, p.parent_id, p.name FROM org_nodes AS p JOIN up ON p.id = up.parent_id
)
SELECT c.site, c.item, c.name, up.id, up.name
FROM claims AS c JOIN up ON up.site = c.site AND up.parent_id IS NULL
ORDER BY c.site
"""

_ORG_SITES = """
WITH RECURSIVE down (id, site, name) AS (
    SELECT id, site, name FROM org_nodes WHERE id = %(org)s
    UNION ALL
    SELECT n.id, n.site, n.name FROM org_nodes AS n JOIN down ON n.parent_id = down.id
)
SELECT d.site, d.name, m.document -> 'locations'
FROM down AS d LEFT JOIN site_masterdata AS m ON m.site = d.site
WHERE d.site IS NOT NULL
"""

# Types that put the lot somewhere (a stay at ``location``, and at ``to_location`` for moves).
_EVENTS = """
SELECT site, type, at, data ->> 'location', data ->> 'to_location'
FROM events
WHERE site = ANY(%(sites)s) AND data ->> 'lot' = %(lot)s AND data ->> 'item' = ANY(%(items)s)
  AND data ? 'location'
ORDER BY at, agent, seq
"""


class GtinClaimedTwice(Exception):
    """Two organisations' master data give one GTIN to their items: no one answers for it."""

    def __init__(self, gtin: str, organisations: int) -> None:
        super().__init__(
            f"GTIN {gtin} is claimed by the master data of {organisations} organisations; "
            "a GTIN belongs to one brand owner, so this scan cannot be answered until one "
            "of them removes it"
        )


@dataclass(frozen=True, slots=True)
class Claim:
    """The organisation whose master data holds the GTIN, and its items with it."""

    org: int
    items: frozenset[str]
    product_name: str


@dataclass(frozen=True, slots=True)
class Places:
    """The organisation's sites and locations, by the names people read."""

    site_names: dict[str, str]
    location_names: dict[tuple[str, str], str]

    def site(self, site: str) -> str:
        return self.site_names.get(site, site)

    def location(self, site: str, location: str | None) -> str | None:
        if location is None:
            return None
        return self.location_names.get((site, location), location)


@dataclass(frozen=True, slots=True)
class LotRow:
    site: str
    item: str
    expires_on: date | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class LotEvent:
    """An event that put the lot at a location: where and when."""

    site: str
    type: str
    at: datetime
    location: str
    to_location: str | None


@dataclass(frozen=True, slots=True)
class DocumentRow:
    id: int
    kind: str
    title: str
    uploaded_at: datetime


async def claim_of(conn: Conn, gtin: str) -> Claim | None:
    """The one organisation claiming ``gtin`` (None: nobody); ``GtinClaimedTwice`` if more."""
    probe = json.dumps([{"gtin": gtin}])
    cur = await conn.execute(_CLAIMS, {"probe": probe, "gtin": gtin})
    rows = await cur.fetchall()
    if not rows:
        return None
    orgs = {int(str(row[3])) for row in rows}
    if len(orgs) > 1:
        raise GtinClaimedTwice(gtin, len(orgs))
    return Claim(orgs.pop(), frozenset(str(row[1]) for row in rows), str(rows[0][2]))


async def places_of(conn: Conn, org: int) -> Places:
    """Every site of the organisation and its locations' names from master data (a site
    is named as its master data's site location is, else as its org node)."""
    cur = await conn.execute(_ORG_SITES, {"org": org})
    sites: dict[str, str] = {}
    locations: dict[tuple[str, str], str] = {}
    for site, name, places in await cur.fetchall():
        sites[str(site)] = str(name)
        for place in cast(list[dict[str, Any]], places or []):
            named = str(place.get("name") or place["id"])
            locations[(str(site), str(place["id"]))] = named
            if place.get("kind") == "site":  # the name people know the site by
                sites[str(site)] = named
    return Places(sites, locations)


@dataclass(frozen=True, slots=True)
class LotFacts:
    """What the organisation's sites record of one lot, as the page needs it."""

    rows: list[LotRow]
    events: list[LotEvent]
    on_hand: set[tuple[str, str]]
    hold_reasons: list[str]
    documents: list[DocumentRow]
    recalls: list[tuple[int, datetime | None]]
    """The recalls that held the lot at a site of the organisation: id, closed when (or None)."""


_LOT_ROWS = (
    "SELECT site, item, expires_on, received_at FROM lots "
    "WHERE site = ANY(%(sites)s) AND item = ANY(%(items)s) AND lot = %(lot)s "
    "ORDER BY received_at, site"
)
_ON_HAND = (
    "SELECT site, location FROM ledger "
    "WHERE site = ANY(%(sites)s) AND item = ANY(%(items)s) AND lot = %(lot)s AND qty > 0"
)
_HOLDS = (
    "SELECT reason FROM lot_holds WHERE site = ANY(%(sites)s) AND item = ANY(%(items)s) "
    "AND lot = %(lot)s AND held ORDER BY changed_at"
)
_RECALLS = (
    "SELECT DISTINCT r.id, r.closed_at FROM recall_holds AS h JOIN recalls AS r ON r.id = h.recall"
    " WHERE h.site = ANY(%(sites)s) AND h.item = ANY(%(items)s) AND h.lot = %(lot)s ORDER BY 1"
)
_DOCUMENTS = (
    "SELECT id, kind, title, uploaded_at FROM lot_documents WHERE site = ANY(%(sites)s) "
    "AND item = ANY(%(items)s) AND lot = %(lot)s AND public ORDER BY uploaded_at, id"
)


async def lot_facts(conn: Conn, sites: Sequence[str], claim: Claim, lot: str) -> LotFacts:
    """The lot at each site that knows it (first arrival first), the events that put it
    somewhere, where it is on hand now, its holds' reasons, its public documents (never
    their uploader) and its recalls. Sent as one pipeline: one round trip, not six."""
    params = {"sites": list(sites), "items": sorted(claim.items), "lot": lot}
    async with conn.pipeline():
        cursors = [
            await conn.execute(sql, params)
            for sql in (_LOT_ROWS, _EVENTS, _ON_HAND, _HOLDS, _DOCUMENTS, _RECALLS)
        ]  # fmt: skip
    rows, events, on_hand, holds, documents, recalls = [await cur.fetchall() for cur in cursors]
    return LotFacts(
        [LotRow(*row) for row in rows],  # type: ignore[arg-type]
        [LotEvent(*row) for row in events],  # type: ignore[arg-type]
        {(str(site), str(location)) for site, location in on_hand},
        [str(row[0]) for row in holds],
        [DocumentRow(*row) for row in documents],  # type: ignore[arg-type]
        [(cast(int, r), cast(datetime | None, closed)) for r, closed in recalls],
    )
