"""Fetch a trace from PostgreSQL: a recursive walk of ``trace_links``, then the tree in memory.

Runs inside the caller's site scope (``cloud.auth.scope.site_scope``), so row-level
security keeps every link and receipt of a site the caller may not see out of the tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import cast

from psycopg import AsyncConnection

from cloud.trace.tree import Direction, Link, LinkKind, LotAt, Supply, TraceNode, grow

Conn = AsyncConnection[tuple[object, ...]]

MAX_NODES = 5000
"""A tree larger than this is cut (``truncated`` on the nodes that lost children)."""

# LATERAL with OFFSET 0 (which keeps the planner from flattening it into a hash join) makes
# each (item, lot) one index lookup: a hash join would check the site policy on every row
# of the table. Constant SQL: no user text.
_PAIRS = "unnest(%s::text[], %s::text[]) AS p (item, lot) CROSS JOIN LATERAL"
_SUPPLIES = f"""
SELECT r.* FROM {_PAIRS} (
    SELECT site, item, lot, supplier, qty, unit, at FROM trace_receipts
     WHERE item = p.item AND lot = p.lot OFFSET 0
) AS r
ORDER BY r.at
"""  # noqa: S608 (constant SQL)
_SITES_OF_LOT = """
SELECT to_site FROM trace_links WHERE to_item = %(item)s AND to_lot = %(lot)s
UNION SELECT from_site FROM trace_links WHERE from_item = %(item)s AND from_lot = %(lot)s
UNION SELECT site FROM trace_receipts WHERE item = %(item)s AND lot = %(lot)s
"""


_WALK = {
    direction: f"""
WITH RECURSIVE walk AS (
    SELECT kind, from_site, from_item, from_lot, to_site, to_item, to_lot, qty, unit, at,
           1 AS depth
      FROM trace_links WHERE {near}_item = %(item)s AND {near}_lot = %(lot)s
    UNION
    SELECT l.kind, l.from_site, l.from_item, l.from_lot, l.to_site, l.to_item, l.to_lot, l.qty,
           l.unit, l.at, w.depth + 1
      FROM walk AS w JOIN trace_links AS l
        ON l.{near}_item = w.{far}_item AND l.{near}_lot = w.{far}_lot
       AND l.{near}_site = w.{far}_site
     WHERE w.depth <= %(depth)s
)
SELECT DISTINCT kind, from_site, from_item, from_lot, to_site, to_item, to_lot, qty, unit, at
  FROM walk LIMIT %(limit)s
"""  # noqa: S608 (constant SQL: near and far are column prefixes written here)
    for direction, near, far in (("backward", "to", "from"), ("forward", "from", "to"))
}
"""Every link reachable from a lot within the depth (one level more, to see what is cut), in
one round trip: each step of the recursion is an index lookup on plain columns."""

MAX_LINKS = 50_000


async def trace(
    conn: Conn, item: str, lot: str, direction: Direction, *, max_depth: int = 20,
    max_nodes: int = MAX_NODES,
) -> list[TraceNode]:  # fmt: skip
    """The trees of ``lot`` of ``item``, one per site it was at (sorted); [] if unknown.

    Three queries whatever the depth: the sites of the lot, every link within reach, and
    (backward) the receipts of the lots reached; the tree is grown in memory.
    """
    cur = await conn.execute(_SITES_OF_LOT, {"item": item, "lot": lot})
    sites = sorted(str(row[0]) for row in await cur.fetchall() if row[0] is not None)
    roots = [TraceNode(LotAt(site, item, lot)) for site in sites]
    if not roots:
        return roots
    params = {"item": item, "lot": lot, "depth": max_depth, "limit": MAX_LINKS}
    cur = await conn.execute(_WALK[direction], params)
    rows = await cur.fetchall()
    by_near: dict[tuple[str, str], list[Link]] = {}
    for link in map(_link, rows):
        near = link.target if direction == "backward" else link.source
        by_near.setdefault((near.item, near.lot), []).append(link)
    seen = {root.lot for root in roots}
    frontier = list(roots)
    for depth in range(max_depth + 1):
        links = [link for pair in sorted({(n.lot.item, n.lot.lot) for n in frontier})
                 for link in by_near.get(pair, ())]  # fmt: skip
        if depth == max_depth:  # say where the tree goes on, without going there
            beyond = {link.target if direction == "backward" else link.source for link in links}
            for node in frontier:
                node.truncated = node.lot in beyond
            break
        frontier = grow(frontier, links, direction, seen, max_nodes - len(seen))
        if not frontier:
            break
    if len(rows) == MAX_LINKS:
        for root in roots:
            root.truncated = True
    if direction == "backward":
        await _add_supplies(conn, [node for root in roots for _, node in root.walk()])
    return roots


async def _add_supplies(conn: Conn, nodes: Sequence[TraceNode]) -> None:
    by_lot = {node.lot: node for node in nodes if not node.repeated}
    cur = await conn.execute(_SUPPLIES, _pairs(nodes))
    for site, item, lot, supplier, qty, unit, at in await cur.fetchall():
        node = by_lot.get(LotAt(str(site), str(item), str(lot)))
        if node is not None:
            node.supplies.append(Supply(
                None if supplier is None else str(supplier), Decimal(str(qty)), str(unit),
                cast(datetime, at),
            ))  # fmt: skip


def _pairs(frontier: Sequence[TraceNode]) -> tuple[list[str], list[str]]:
    distinct = sorted({(node.lot.item, node.lot.lot) for node in frontier})
    return [item for item, _ in distinct], [lot for _, lot in distinct]


def _link(row: tuple[object, ...]) -> Link:
    kind, from_site, from_item, from_lot, to_site, to_item, to_lot, qty, unit, at = row
    return Link(
        cast(LinkKind, kind),
        LotAt(str(from_site), str(from_item), str(from_lot)),
        LotAt(str(to_site), str(to_item), str(to_lot)),
        None if qty is None else Decimal(str(qty)),
        None if unit is None else str(unit),
        cast(datetime, at),
    )
