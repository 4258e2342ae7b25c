"""The people of the order tests: org-specific roles (sales, production) and a person per
role at site-1, over the real database; the example lifecycle set over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from psycopg import AsyncConnection

from cloud.auth.users import GrantTarget, create_user, find_role, grant_role
from cloud.orgs.tree import node_of_site, root_of
from domain.lifecycles import Lifecycle
from edge_agent.yaml_config import load_model
from tests.cloud.auth import PASSWORD, login

EXAMPLES = Path(__file__).parents[2] / "examples"
PEOPLE = {
    "sales@example.com": "sales",
    "maker@example.com": "production",
    "fin@example.com": "finance",
    "wh@example.com": "warehouse",
}


async def make_people(database_url: str) -> int:
    """The test organisation's root id, with its roles and people made at site-1."""
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        node = await node_of_site(conn, "site-1")
        assert node is not None
        org = await root_of(conn, node)
        for name, permissions in (("sales", ["stock.read", "stock.adjust"]),
                                  ("production", ["stock.read", "stock.adjust"])):  # fmt: skip
            await conn.execute(
                "INSERT INTO roles (org_id, name, permissions) VALUES (%s, %s, %s)",
                (org, name, permissions),
            )
        for email, role_name in PEOPLE.items():
            role = await find_role(conn, role_name, org)
            assert role is not None
            user = await create_user(conn, email, PASSWORD)
            await grant_role(conn, GrantTarget(user_id=user), role, node)
        return org


@contextmanager
def person(url: str, email: str) -> Iterator[httpx.Client]:
    """A client logged in as ``email``."""
    token = login(url, email, PASSWORD)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=30, headers=headers) as client:
        yield client


def put_example_lifecycle(client: httpx.Client, org: int) -> Lifecycle:
    """The made-to-order example, loaded from its YAML and set for ``org``."""
    cycle = load_model(EXAMPLES / "lifecycles" / "made_to_order.yaml", Lifecycle)
    body = cycle.model_dump(mode="json", by_alias=True)
    answer = client.put(f"/v1/orgs/{org}/lifecycles/{cycle.order_type}", json=body)
    assert answer.status_code == 204, answer.text
    return cycle
