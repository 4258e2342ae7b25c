"""Two organisations with people in them, for the permission tests.

Org ``acme`` (group → division north → plant → site a1; group → division south → site a2)
and org ``rival`` (→ site b1). Site data, one agent per site and API keys are written
straight into the database as the owner: these tests are about who may read and change
them, not about ingest or enrolment.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
import psycopg
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from cloud.auth.users import GrantTarget, create_user, find_role, grant_role
from cloud.orgs.tree import create_node
from tests.cloud.auth import PASSWORD, login

TREE: dict[str, tuple[str | None, str | None]] = {
    # name: (parent, site)
    "acme": (None, None),
    "north": ("acme", None),
    "plant": ("north", None),
    "a1": ("plant", "site-a1"),
    "south": ("acme", None),
    "a2": ("south", "site-a2"),
    "rival": (None, None),
    "b1": ("rival", "site-b1"),
}


@dataclass
class World:
    api_url: str
    database_url: str
    nodes: dict[str, int] = field(default_factory=dict)

    def ancestors(self, name: str) -> list[str]:
        """``name`` and the names above it (the oracle the app's answers are checked by)."""
        chain = [name]
        while (parent := TREE[chain[-1]][0]) is not None:
            chain.append(parent)
        return chain

    def person(self, role: str, at: str, **grant: object) -> httpx.Client:
        """A logged-in client of a new user holding ``role`` at node ``at``."""
        email = f"{role}-{at}-{secrets.token_hex(3)}@example.com"
        asyncio.run(self._person(email, role, self.nodes[at], grant))
        token = login(self.api_url, email, PASSWORD)["access_token"]
        return httpx.Client(
            base_url=self.api_url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )

    async def _person(self, email: str, role: str, node_id: int, grant: dict[str, object]) -> None:
        async with await AsyncConnection.connect(self.database_url, autocommit=True) as conn:
            user_id = await create_user(conn, email, PASSWORD)
            found = await find_role(conn, role, node_id)
            assert found is not None
            await grant_role(conn, GrantTarget(user_id=user_id), found, node_id, **grant)  # type: ignore[arg-type]

    def org_of(self, name: str) -> str:
        """The root node's name of ``name``'s organisation."""
        return self.ancestors(name)[-1]

    def key_and_grant(self, at: str) -> tuple[int, int]:
        """A new API key of ``at``'s organisation with an auditor grant at ``at``: (key id,
        grant id), for routes that spend one."""
        with psycopg.connect(self.database_url) as conn:
            row = conn.execute(
                "WITH k AS (INSERT INTO api_keys (name, prefix, secret_hash, org_id) "
                "VALUES ('world', %(prefix)s, %(hash)s, org_root(%(node)s)) RETURNING id) "
                "INSERT INTO grants (api_key_id, role_id, node_id) SELECT k.id, r.id, %(node)s "
                "FROM k, roles AS r WHERE r.name = 'auditor' AND r.org_id IS NULL "
                "RETURNING api_key_id, id",
                {"prefix": secrets.token_hex(6), "hash": secrets.token_bytes(32),
                 "node": self.nodes[at]},
            ).fetchone()  # fmt: skip
        assert row is not None
        return int(str(row[0])), int(str(row[1]))


def agent_of(site: str) -> str:
    """The one agent each site of the world has (enrolled, no key needed by these tests)."""
    return f"{site}-agent-1"


def build_world(api_url: str, database_url: str) -> World:
    world = World(api_url, database_url)
    asyncio.run(_nodes(world))
    with psycopg.connect(database_url) as conn:
        for _, site in TREE.values():
            if site is not None:
                put_site_data(conn, site)
                conn.execute("INSERT INTO agents (agent, site) VALUES (%s, %s)",
                             (agent_of(site), site))  # fmt: skip
    return world


async def _nodes(world: World) -> None:
    async with await AsyncConnection.connect(world.database_url, autocommit=True) as conn:
        for name, (parent, site) in TREE.items():
            parent_id = None if parent is None else world.nodes[parent]
            kind = "site" if site else ("org" if parent is None else "division")
            node = await create_node(conn, parent_id=parent_id, kind=kind, name=name, site=site)
            world.nodes[name] = node.id


_RECEIPT = {"item": "chicken", "lot": "L1", "location": "cold-1", "qty": "2500", "unit": "g"}
"""The receipt behind the stock line: what a sealed lot.received carries."""


def put_site_data(conn: psycopg.Connection[tuple[object, ...]], site: str) -> None:
    """One event and one stock line of chicken at ``site``."""
    conn.execute(
        "INSERT INTO events (agent, seq, id, site, type, at, data, prev, hash) VALUES "
        "(%s, 1, gen_random_uuid(), %s, 'lot.received', now(), %s, 'genesis', 'h')",
        (f"agent-{site}", site, Jsonb(_RECEIPT)),
    )
    conn.execute(
        "INSERT INTO ledger (site, item, lot, location, qty, unit, updated_agent, updated_seq) "
        "VALUES (%s, 'chicken', 'L1', 'cold-1', %s, 'g', %s, 1)",
        (site, Decimal(2500), f"agent-{site}"),
    )
