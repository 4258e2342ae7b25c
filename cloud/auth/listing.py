"""Read helpers for the administration pages: who holds which role where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloud.auth.grants import Conn

_GRANTS_BELOW = """
WITH RECURSIVE below (id) AS (
    SELECT %(node)s::bigint
    UNION
    SELECT c.id FROM org_nodes AS c JOIN below ON c.parent_id = below.id
)
SELECT g.id, coalesce(u.email, 'API key ' || k.name || ' (' || k.prefix || ')'),
       g.user_id IS NOT NULL, r.name, n.id, n.name, n.site, g.valid_from, g.valid_until
FROM grants AS g
JOIN below ON below.id = g.node_id
JOIN org_nodes AS n ON n.id = g.node_id
JOIN roles AS r ON r.id = g.role_id
LEFT JOIN users AS u ON u.id = g.user_id
LEFT JOIN api_keys AS k ON k.id = g.api_key_id
WHERE (g.valid_until IS NULL OR now() < g.valid_until)
  AND (k.id IS NULL OR k.revoked_at IS NULL)
ORDER BY n.name, r.name, 2
LIMIT %(limit)s
"""


@dataclass(frozen=True, slots=True)
class GrantSummary:
    """A grant in force now or later at a node: who, which role, where, for when."""

    grant_id: int
    holder: str
    is_person: bool
    role: str
    node_id: int
    node_name: str
    site: str | None
    valid_from: datetime
    valid_until: datetime | None


async def grants_below(conn: Conn, node_id: int, limit: int = 500) -> list[GrantSummary]:
    """Grants at ``node_id`` and in its subtree that have not ended."""
    cur = await conn.execute(_GRANTS_BELOW, {"node": node_id, "limit": limit})
    rows: list[tuple[Any, ...]] = await cur.fetchall()
    return [GrantSummary(*row) for row in rows]


_NODES_GRANTED = """
SELECT DISTINCT n.id, n.name, n.kind FROM grants AS g
JOIN roles AS r ON r.id = g.role_id JOIN org_nodes AS n ON n.id = g.node_id
WHERE %(permission)s = ANY (r.permissions) AND g.valid_from <= now()
  AND (g.valid_until IS NULL OR now() < g.valid_until) AND g.user_id = %(user)s
ORDER BY n.name
"""


async def nodes_granted(conn: Conn, user_id: int, permission: str) -> list[tuple[int, str, str]]:
    """(id, name, kind) of the nodes where the person holds ``permission`` by a grant now."""
    cur = await conn.execute(_NODES_GRANTED, {"permission": permission, "user": user_id})
    return [(int(str(row[0])), str(row[1]), str(row[2])) for row in await cur.fetchall()]
