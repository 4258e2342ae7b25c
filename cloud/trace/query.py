"""Fetch a trace from PostgreSQL: one indexed query of ``trace_links`` per level.

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
# each (item, lot) of the frontier one index lookup: a hash join would check the site
# policy on every row of the table. Constant SQL: no user text.
_PAIRS = "unnest(%s::text[], %s::text[]) AS p (item, lot) CROSS JOIN LATERAL"
_LINKS = {
    "backward": """
SELECT l.* FROM unnest(%s::text[], %s::text[]) AS p (item, lot) CROSS JOIN LATERAL (
    SELECT kind, from_site, from_item, from_lot, to_site, to_item, to_lot, qty, unit, at
      FROM trace_links WHERE to_item = p.item AND to_lot = p.lot OFFSET 0
) AS l""",
    "forward": """
SELECT l.* FROM unnest(%s::text[], %s::text[]) AS p (item, lot) CROSS JOIN LATERAL (
    SELECT kind, from_site, from_item, from_lot, to_site, to_item, to_lot, qty, unit, at
      FROM trace_links WHERE from_item = p.item AND from_lot = p.lot OFFSET 0
) AS l""",
}
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


async def trace(
    conn: Conn, item: str, lot: str, direction: Direction, *, max_depth: int = 20,
    max_nodes: int = MAX_NODES,
) -> list[TraceNode]:  # fmt: skip
    """The trees of ``lot`` of ``item``, one per site it was at (sorted); [] if unknown."""
    cur = await conn.execute(_SITES_OF_LOT, {"item": item, "lot": lot})
    sites = sorted(str(row[0]) for row in await cur.fetchall() if row[0] is not None)
    roots = [TraceNode(LotAt(site, item, lot)) for site in sites]
    seen = {root.lot for root in roots}
    frontier = list(roots)
    for depth in range(max_depth + 1):
        if direction == "backward":
            await _add_supplies(conn, frontier)
        if not frontier:
            break
        links = await _links(conn, frontier, direction)
        if depth == max_depth:  # say where the tree goes on, without going there
            beyond = {link.target if direction == "backward" else link.source for link in links}
            for node in frontier:
                node.truncated = node.lot in beyond
            break
        frontier = grow(frontier, links, direction, seen, max_nodes - len(seen))
    return roots


async def _links(conn: Conn, frontier: Sequence[TraceNode], direction: Direction) -> list[Link]:
    pairs = _pairs(frontier)
    cur = await conn.execute(_LINKS[direction], pairs)
    return [_link(row) for row in await cur.fetchall()]


async def _add_supplies(conn: Conn, frontier: Sequence[TraceNode]) -> None:
    if not frontier:
        return
    by_lot = {node.lot: node for node in frontier}
    cur = await conn.execute(_SUPPLIES, _pairs(frontier))
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
