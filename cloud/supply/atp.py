"""Available to promise, read from the cloud's projections: the ledger, its holds and the
open reservations at the site, the transfer lines on their way to it, and free stock at the
other sites the caller may see; the rule itself is ``domain.atp``.

Four indexed reads in one site-scoped transaction (row-level security hides every site
the caller may not see, so the other sites' free stock is only ever theirs to know).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from cloud.auth.scope import site_scope
from domain.atp import Arrival, Promise, Source, promise

Conn = AsyncConnection[tuple[object, ...]]

_STOCK = """
SELECT l.site,
       coalesce(sum(l.qty), 0),
       coalesce(sum(l.qty) FILTER (WHERE h.held), 0)
FROM ledger AS l
LEFT JOIN lot_holds AS h
  ON (h.site, h.item, h.lot, h.location) = (l.site, l.item, l.lot, l.location)
WHERE l.item = %(item)s AND l.unit = %(unit)s AND l.qty > 0 AND l.site = ANY (%(sites)s)
GROUP BY l.site
"""

_RESERVED = """
SELECT site, coalesce(sum(reserved - consumed), 0)
FROM reservations
WHERE item = %(item)s AND unit = %(unit)s AND site = ANY (%(sites)s) AND ended_at IS NULL
  AND reserved > consumed AND (until IS NULL OR until > %(now)s)
  AND NOT EXISTS (  -- a held lot reserved is not free either way: counted once, as held
      SELECT 1 FROM lot_holds AS h
      WHERE (h.site, h.item, h.lot) = (reservations.site, reservations.item, reservations.lot)
        AND h.held AND (reservations.location IS NULL OR h.location = reservations.location))
GROUP BY site
"""

_ARRIVALS = """
SELECT transfer, from_site, shipped - received - damaged, expected_at
FROM in_transit
WHERE to_site = %(site)s AND item = %(item)s AND unit = %(unit)s AND receipts = 0
  AND shipped > received + damaged
  AND NOT EXISTS (  -- a closed transfer's lines are lost, not arriving (domain.transit_close)
      SELECT 1 FROM transfer_closures AS c
      WHERE (c.from_site, c.transfer) = (in_transit.from_site, in_transit.transfer))
"""


async def available_to_promise(
    pool: AsyncConnectionPool,
    site: str,
    item: str,
    unit: str,
    wanted: Decimal,
    *,
    other_sites: Sequence[str],
    now: datetime,
    lead_time: timedelta,
) -> Promise:
    """What ``site`` can promise of ``wanted`` ``unit`` (a base unit) of ``item`` from ``now``,
    counting free stock at ``other_sites`` one ``lead_time`` away."""
    sites = [site, *(s for s in other_sites if s != site)]
    params = {"site": site, "item": item, "unit": unit, "sites": sites, "now": now}
    async with site_scope(pool, sites) as conn:
        stock = await (await conn.execute(_STOCK, params)).fetchall()
        reserved = {
            str(s): _dec(r) for s, r in await (await conn.execute(_RESERVED, params)).fetchall()
        }
        arriving = await (await conn.execute(_ARRIVALS, params)).fetchall()
    here = next((row for row in stock if row[0] == site), (site, Decimal(0), Decimal(0)))
    return promise(
        site,
        wanted,
        on_hand=_dec(here[1]),
        held=_dec(here[2]),
        reserved=reserved.get(site, Decimal(0)),
        arrivals=[
            Arrival(str(t), str(f), _dec(q), e if isinstance(e, datetime) else None)
            for t, f, q, e in arriving
        ],
        sources=[
            Source(str(s), _dec(on) - _dec(held) - reserved.get(str(s), Decimal(0)))
            for s, on, held in stock
            if s != site
        ],
        now=now,
        lead_time=lead_time,
    )


def _dec(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))
