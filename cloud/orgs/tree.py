"""The org tree in PostgreSQL: nodes, their ancestors and subtrees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, errors
from psycopg.types.json import Jsonb

Conn = AsyncConnection[tuple[object, ...]]

_COLUMNS = "id, parent_id, kind, name, site, settings"


class OrgConflict(Exception):
    """A node cannot be made as asked (its site or name is taken); the message says which."""


@dataclass(frozen=True, slots=True)
class OrgNode:
    id: int
    parent_id: int | None
    kind: str
    name: str
    site: str | None
    settings: dict[str, Any]
    """What this node overrides, not the effective settings."""


def _node(row: tuple[Any, ...]) -> OrgNode:
    return OrgNode(*row)


async def node_of_site(conn: Conn, site: str) -> int | None:
    cur = await conn.execute("SELECT id FROM org_nodes WHERE site = %s", (site,))
    row = await cur.fetchone()
    return None if row is None else int(str(row[0]))


async def node_exists(conn: Conn, node_id: int) -> bool:
    cur = await conn.execute("SELECT EXISTS (SELECT 1 FROM org_nodes WHERE id = %s)", (node_id,))
    row = await cur.fetchone()
    return bool(row and row[0])


async def get_node(conn: Conn, node_id: int) -> OrgNode | None:
    cur = await conn.execute(f"SELECT {_COLUMNS} FROM org_nodes WHERE id = %s", (node_id,))  # noqa: S608
    row = await cur.fetchone()
    return None if row is None else _node(row)


async def find_child(conn: Conn, parent_id: int | None, name: str) -> OrgNode | None:
    """The node called ``name`` under ``parent_id`` (a root when None)."""
    cur = await conn.execute(
        f"SELECT {_COLUMNS} FROM org_nodes "  # noqa: S608
        "WHERE parent_id IS NOT DISTINCT FROM %s AND name = %s",
        (parent_id, name),
    )
    row = await cur.fetchone()
    return None if row is None else _node(row)


async def create_node(
    conn: Conn,
    *,
    parent_id: int | None,
    kind: str,
    name: str,
    site: str | None = None,
    settings: dict[str, Any] | None = None,
) -> OrgNode:
    """A new node; ``OrgConflict`` when the site is another node's or a sibling has the name."""
    try:
        async with conn.transaction():
            cur = await conn.execute(
                "INSERT INTO org_nodes (parent_id, kind, name, site, settings) "  # noqa: S608
                f"VALUES (%s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
                (parent_id, kind, name, site, Jsonb(settings or {})),
            )
            row = await cur.fetchone()
    except errors.UniqueViolation as exc:
        what = f"site {site!r}" if "site" in str(exc.diag.constraint_name) else f"name {name!r}"
        raise OrgConflict(f"{what} is taken by another org node") from exc
    assert row is not None
    return _node(row)


async def ensure_node(
    conn: Conn, *, parent_id: int | None, kind: str, name: str, site: str | None = None
) -> OrgNode:
    """The node ``name`` under ``parent_id``, made if missing; safe when two callers race.

    ``OrgConflict`` when ``site`` is set on another node, or the node found is not ``site``.
    """
    await conn.execute(
        "INSERT INTO org_nodes (parent_id, kind, name, site) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (parent_id, kind, name, site),
    )
    node = await find_child(conn, parent_id, name)
    if node is None or node.site != site:
        raise OrgConflict(f"site {site!r} is taken by another org node than {name!r}")
    return node


async def ancestry(conn: Conn, node_id: int) -> list[OrgNode]:
    """The node and its ancestors, root first."""
    cur = await conn.execute(
        f"SELECT {_COLUMNS} FROM org_ancestors(%s) JOIN org_nodes USING (id) "  # noqa: S608
        "ORDER BY depth DESC",
        (node_id,),
    )
    return [_node(row) for row in await cur.fetchall()]


async def children(conn: Conn, node_id: int) -> list[OrgNode]:
    cur = await conn.execute(
        f"SELECT {_COLUMNS} FROM org_nodes WHERE parent_id = %s ORDER BY name",  # noqa: S608
        (node_id,),
    )
    return [_node(row) for row in await cur.fetchall()]


async def set_settings(conn: Conn, node_id: int, settings: dict[str, Any]) -> None:
    """Replace what ``node_id`` overrides."""
    await conn.execute(
        "UPDATE org_nodes SET settings = %s WHERE id = %s", (Jsonb(settings), node_id)
    )


async def root_of(conn: Conn, node_id: int) -> int:
    """The organisation (root node) ``node_id`` belongs to."""
    cur = await conn.execute(
        "SELECT id FROM org_ancestors(%s) ORDER BY depth DESC LIMIT 1", (node_id,)
    )
    row = await cur.fetchone()
    assert row is not None  # every node is its own ancestor at depth 0
    return int(str(row[0]))
