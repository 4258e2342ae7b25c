"""The first admin of an organisation: what a fresh install and the demo start from.

``edgestock cloud admin create --email … --site …`` calls ``create_org_admin``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from psycopg import AsyncConnection

from cloud.auth.users import GrantTarget, find_role, grant_role, user_id_of
from cloud.auth.users import create_user as add_user
from cloud.orgs.tree import OrgConflict, ancestry, ensure_node, node_of_site

ADMIN_ROLE = "org_admin"


@dataclass(frozen=True, slots=True)
class OrgAdmin:
    org_id: int
    site_node_id: int
    user_id: int


def create_org_admin(
    database_url: str, *, email: str, password: str, org_name: str, site: str
) -> OrgAdmin:
    """Make (or find) the org root ``org_name``, a site node for ``site`` under it and the
    user ``email`` with the ``org_admin`` role at the root; safe to run again.

    An existing user keeps their password. Raises ``OrgConflict`` when ``site`` belongs to
    another organisation and ``GrantRefused`` for a password that is too short.
    """
    return asyncio.run(_create(database_url, email, password, org_name, site))


async def _create(database_url: str, email: str, password: str, org: str, site: str) -> OrgAdmin:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        root = await ensure_node(conn, parent_id=None, kind="org", name=org)
        site_node = await node_of_site(conn, site)
        if site_node is None:
            site_node = (
                await ensure_node(conn, parent_id=root.id, kind="site", name=site, site=site)
            ).id
        elif root.id not in {node.id for node in await ancestry(conn, site_node)}:
            raise OrgConflict(f"site {site!r} belongs to another organisation than {org!r}")
        user_id = await user_id_of(conn, email) or await add_user(conn, email, password)
        role = await find_role(conn, ADMIN_ROLE, root.id)
        assert role is not None, "migration 0006 seeds the org_admin role"
        if not await _holds(conn, user_id, role.id, root.id):
            await grant_role(conn, GrantTarget(user_id=user_id), role, root.id)
    return OrgAdmin(root.id, site_node, user_id)


async def _holds(
    conn: AsyncConnection[tuple[object, ...]], user_id: int, role_id: int, node_id: int
) -> bool:
    cur = await conn.execute(
        "SELECT EXISTS (SELECT 1 FROM grants WHERE user_id = %s AND role_id = %s AND "
        "node_id = %s AND valid_until IS NULL)",
        (user_id, role_id, node_id),
    )
    row = await cur.fetchone()
    return bool(row and row[0])
