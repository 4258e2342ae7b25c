"""What a site has and expects of a work order's items: the reads behind the kitting board.

Four statements, sent as one pipeline (one round trip): stock by lot and location from the
ledger with each key's hold and the lot's attributes, arrivals still in transit to the site
with their ETA, the purchase orders a supplier has shipped to it, and what earlier open work
orders reserve; then, only when some order is shipped, what its lines still bring (the same
reading as stock on order), each an arrival at its notice's ETA.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from cloud.plants.kitting import Arrival, ItemSupply, LotOnHand
from cloud.plants.orders import WorkOrderRecord, reserved_before
from cloud.purchasing.on_order import open_lines

Conn = AsyncConnection[tuple[object, ...]]

# Lots of an item no process constraint speaks about come summed by hold (nothing is checked
# per lot for them, and the board shows no lot of them): a 200-line order reads ~400 rows
# instead of every lot. Lots of constrained items come one by one with their attributes, in
# a part of their own: grouping every row by its JSON attributes and testing each row's item
# against the lists three times was most of the board's read time (17 ms of 64 at p50).
_LOTS = """
SELECT l.item, coalesce(h.held, false) AS held, l.lot, l.location, a.attributes, l.qty
FROM ledger AS l
LEFT JOIN lot_holds AS h USING (site, item, lot, location)
LEFT JOIN lot_attributes AS a USING (site, item, lot)
WHERE l.site = %(site)s AND l.qty > 0
  AND l.item IN (SELECT unnest(%(items)s::text[]) INTERSECT SELECT unnest(%(constrained)s::text[]))
UNION ALL
SELECT l.item, coalesce(h.held, false), NULL, NULL, NULL, sum(l.qty)
FROM ledger AS l
LEFT JOIN lot_holds AS h USING (site, item, lot, location)
WHERE l.site = %(site)s AND l.qty > 0
  AND l.item IN (SELECT unnest(%(items)s::text[]) EXCEPT SELECT unnest(%(constrained)s::text[]))
GROUP BY 1, 2
ORDER BY 1, 3, 4
"""

_SHIPPED = """
SELECT po, (asn ->> 'expected_at')::timestamptz FROM purchase_orders
WHERE site = %s AND state IN ('shipped', 'partly_received') AND asn IS NOT NULL
"""
"""Purchase orders a supplier has shipped to the site (its notice's ETA): their lines still
to come are arrivals, as transfers in transit are."""

_ARRIVALS = """
SELECT item, shipped - received - damaged, expected_at, transfer
FROM in_transit
WHERE to_site = %s AND item = ANY (%s) AND shipped > received + damaged
"""


async def item_supply(
    conn: Conn, record: WorkOrderRecord, constrained: set[str]
) -> dict[str, ItemSupply]:
    """Per item of the order: lots on hand (each lot of a ``constrained`` item, the others
    summed by hold), arrivals and what earlier orders reserve."""
    site = record.order.site
    items = sorted({line.item for line in record.order.lines})
    params = {"site": site, "items": items, "constrained": sorted(constrained)}
    async with conn.pipeline():
        lots_cur = await conn.execute(_LOTS, params)
        arrivals_cur = await conn.execute(_ARRIVALS, (site, items))
        shipped_cur = await conn.execute(_SHIPPED, (site,))
        reserved = await reserved_before(conn, record, items)
        lot_rows = await lots_cur.fetchall()
        arrival_rows = await arrivals_cur.fetchall()
        shipped = {str(po): cast(datetime | None, eta) for po, eta in await shipped_cur.fetchall()}
    lots: dict[str, list[LotOnHand]] = defaultdict(list)
    for item, held, lot, location, attributes, qty in lot_rows:
        attrs = cast(dict[str, Any], attributes) if attributes else {}
        lots[str(item)].append(
            LotOnHand(str(lot or ""), str(location or ""), cast(Decimal, qty), bool(held),
                      {str(k): str(v) for k, v in attrs.items()})
        )  # fmt: skip
    arrivals: dict[str, list[Arrival]] = defaultdict(list)
    for item, qty, eta, transfer in arrival_rows:
        arrivals[str(item)].append(
            Arrival(cast(Decimal, qty), cast(datetime | None, eta), str(transfer))
        )
    if shipped:  # the lines still to come of orders on their way, receipts taken off
        for line in await open_lines(conn, site, datetime.now(UTC)):
            if line.po in shipped and line.item in items and line.left > 0:
                arrivals[line.item].append(Arrival(line.left, shipped[line.po], f"po {line.po}"))
    return {
        item: ItemSupply(lots[item], arrivals[item], reserved.get(item, Decimal(0)))
        for item in items
    }


async def record_lot_attributes(
    conn: Conn, site: str, item: str, lot: str, attributes: dict[str, str], by: str
) -> None:
    """Keep what is known about a lot (its serial range, firmware, batch …); a later record
    of the same lot replaces it."""
    await conn.execute(
        "INSERT INTO lot_attributes (site, item, lot, attributes, recorded_by)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (site, item, lot) DO UPDATE"
        " SET attributes = excluded.attributes, recorded_by = excluded.recorded_by,"
        "     recorded_at = now()",
        (site, item, lot, Jsonb(attributes), by),
    )


async def lots_at(conn: Conn, site: str, item: str, location: str) -> list[dict[str, str]]:
    """The attributes of the lots of ``item`` on hand at ``location`` (for put-away)."""
    cur = await conn.execute(
        "SELECT coalesce(a.attributes, '{}'::jsonb) FROM ledger AS l"
        " LEFT JOIN lot_attributes AS a USING (site, item, lot)"
        " WHERE l.site = %s AND l.item = %s AND l.location = %s AND l.qty > 0",
        (site, item, location),
    )
    return [
        {str(k): str(v) for k, v in cast(dict[str, Any], row[0]).items()}
        for row in await cur.fetchall()
    ]


async def on_hand_by_item(conn: Conn, site: str, items: list[str]) -> dict[str, Decimal]:
    """Stock on hand of each of ``items`` at ``site``, every lot and location summed."""
    cur = await conn.execute(
        "SELECT item, sum(qty) FROM ledger WHERE site = %s AND item = ANY (%s) AND qty > 0"
        " GROUP BY item",
        (site, items),
    )
    return {str(item): cast(Decimal, qty) for item, qty in await cur.fetchall()}
