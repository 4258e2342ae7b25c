"""What a principal may do at an org node: the roles granted there or above, valid now."""

from __future__ import annotations

from psycopg import AsyncConnection

from cloud.auth.principal import Principal

Conn = AsyncConnection[tuple[object, ...]]

# A grant is in force from valid_from until (not including) valid_until.
_IN_FORCE = (
    "g.valid_from <= now() AND (g.valid_until IS NULL OR now() < g.valid_until) "
    "AND (g.user_id = %(user)s OR g.api_key_id = %(key)s)"
)

_PERMISSIONS_AT = f"""
SELECT DISTINCT unnest(r.permissions) FROM grants AS g JOIN roles AS r ON r.id = g.role_id
WHERE g.node_id IN (SELECT id FROM org_ancestors(%(node)s)) AND {_IN_FORCE}
"""  # noqa: S608 (constant SQL, no user text)

_SITES_WITH = f"""
WITH RECURSIVE down (id, site) AS (
    SELECT n.id, n.site FROM org_nodes AS n WHERE n.id IN (
        SELECT g.node_id FROM grants AS g JOIN roles AS r ON r.id = g.role_id
        WHERE %(permission)s = ANY (r.permissions) AND {_IN_FORCE})
    UNION
    SELECT c.id, c.site FROM org_nodes AS c JOIN down ON c.parent_id = down.id
)
SELECT site FROM down WHERE site IS NOT NULL ORDER BY site
"""  # noqa: S608 (constant SQL, no user text)


def _who(principal: Principal) -> dict[str, int | None]:
    return {"user": principal.user_id, "key": principal.api_key_id}


async def permissions_at(conn: Conn, principal: Principal, node_id: int) -> frozenset[str]:
    """Permissions held at ``node_id`` through grants there or at an ancestor, valid now."""
    cur = await conn.execute(_PERMISSIONS_AT, {"node": node_id, **_who(principal)})
    return frozenset(str(row[0]) for row in await cur.fetchall())


async def sites_with(conn: Conn, principal: Principal, permission: str) -> list[str]:
    """Every site in the subtrees where ``principal`` holds ``permission`` now."""
    cur = await conn.execute(_SITES_WITH, {"permission": permission, **_who(principal)})
    return [str(row[0]) for row in await cur.fetchall()]


_HOLDS_ROLE = f"""
SELECT EXISTS (
    SELECT 1 FROM grants AS g JOIN roles AS r ON r.id = g.role_id
    WHERE r.name = %(role)s AND g.node_id IN (SELECT id FROM org_ancestors(%(node)s))
      AND {_IN_FORCE})
"""  # noqa: S608 (constant SQL, no user text)


async def holds_role(conn: Conn, principal: Principal, node_id: int, role: str) -> bool:
    """Whether ``principal`` holds ``role`` (by name) at ``node_id`` or above, valid now:
    what an approval step asks of whoever approves it."""
    cur = await conn.execute(_HOLDS_ROLE, {"role": role, "node": node_id, **_who(principal)})
    row = await cur.fetchone()
    return bool(row and row[0])
