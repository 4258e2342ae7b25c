"""Cost prices of items: set at any node, in force for its subtree unless a node below
sets its own (the nearest node up the tree wins)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from psycopg import AsyncConnection

Conn = AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class CostPrice:
    amount: Decimal
    currency: str
    per_unit: str


async def set_cost(conn: Conn, node_id: int, item: str, cost: CostPrice) -> None:
    await conn.execute(
        "INSERT INTO item_costs (node_id, item, cost_price, currency, per_unit) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (node_id, item) DO UPDATE SET "
        "cost_price = excluded.cost_price, currency = excluded.currency, "
        "per_unit = excluded.per_unit, updated_at = now()",
        (node_id, item, cost.amount, cost.currency, cost.per_unit),
    )


async def costs_in_force(conn: Conn, node_id: int) -> dict[str, CostPrice]:
    """Each item's cost price at ``node_id``: its own, else the nearest ancestor's."""
    cur = await conn.execute(
        "SELECT DISTINCT ON (c.item) c.item, c.cost_price, c.currency, c.per_unit "
        "FROM item_costs AS c JOIN org_ancestors(%s) AS up ON c.node_id = up.id "
        "ORDER BY c.item, up.depth",
        (node_id,),
    )
    return {
        str(item): CostPrice(Decimal(str(amount)), str(currency), str(per))
        for item, amount, currency, per in await cur.fetchall()
    }
