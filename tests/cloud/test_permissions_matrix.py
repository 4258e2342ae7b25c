"""The permission matrix: every built-in role, granted at every level of one org, against
every endpoint at every node of both orgs. Expected answers come from the role's
permissions and the tree (``World.ancestors``), not from a hand-written table."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from tests.cloud.auth_world import TREE, World, build_world
from tests.cloud.live import running_api
from tests.pg import create_database, drop_database

ROLES = ("org_admin", "warehouse", "quality", "finance", "device_manager", "auditor")
GRANTED_AT = ("acme", "north", "a1")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    """With ``{site}`` (site nodes only) or ``{node}`` (any node)."""
    permission: str
    body: dict[str, object] | None = None


ENDPOINTS = (
    Endpoint("GET", "/v1/sites/{site}/stock", "stock.read"),
    Endpoint("GET", "/v1/sites/{site}/events", "events.read"),
    Endpoint("GET", "/v1/sites/{site}/excursions", "coldchain.read"),
    Endpoint("GET", "/v1/orgs/{node}", "stock.read"),
    Endpoint("POST", "/v1/orgs/{node}/children", "org.manage", {"kind": "area", "name": "?"}),
    Endpoint("PUT", "/v1/orgs/{node}/settings", "org.manage", {"costing_method": "fifo"}),
    Endpoint(
        "POST", "/v1/orgs/{node}/api-keys", "users.manage", {"name": "erp", "role": "auditor"}
    ),
)


@pytest.fixture(scope="module")
def world(postgres_server: PostgresServer, migrated_template: str) -> Iterator[World]:
    name = "edgestock_permission_matrix"
    url = create_database(postgres_server, name, template=migrated_template)
    try:
        settings = CloudSettings(database_url=url, pool_min_size=1, pool_max_size=4)
        with running_api(settings) as api_url:
            yield build_world(api_url, url)
    finally:
        drop_database(postgres_server, name)


def role_permissions(database_url: str) -> dict[str, set[str]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT name, permissions FROM roles WHERE org_id IS NULL").fetchall()
    return {name: set(permissions) for name, permissions in rows}


def test_every_role_at_every_level_against_every_endpoint_and_node(world: World) -> None:
    permissions = role_permissions(world.database_url)
    wrong: list[str] = []
    answers = {"allowed": 0, "refused": 0, "cross-tenant refused": 0}
    serial = itertools.count()
    for role, granted_at in itertools.product(ROLES, GRANTED_AT):
        with world.person(role, granted_at) as client:
            for endpoint, target in itertools.product(ENDPOINTS, TREE):
                site = TREE[target][1]
                if "{site}" in endpoint.path and site is None:
                    continue
                path = endpoint.path.format(site=site, node=world.nodes[target])
                body = endpoint.body
                if body is not None and body.get("name") == "?":
                    body = {**body, "name": f"area-{next(serial)}"}
                response = client.request(endpoint.method, path, json=body)
                allowed = endpoint.permission in permissions[
                    role
                ] and granted_at in world.ancestors(target)
                if allowed != response.is_success or response.status_code not in (200, 201, 403):
                    wrong.append(f"{role}@{granted_at} {endpoint.method} {path}: "
                                 f"{response.status_code} {response.text[:120]}")  # fmt: skip
                    continue
                if not allowed:
                    assert endpoint.permission in response.json()["detail"]
                cross = "rival" in world.ancestors(target)
                key = "allowed" if allowed else "cross-tenant refused" if cross else "refused"
                answers[key] += 1
    assert wrong == []
    # the matrix is not trivially all-yes or all-no
    assert min(answers.values()) > 50, answers


def test_cross_tenant_reads_and_writes_fail_even_for_the_other_orgs_admin(world: World) -> None:
    with world.person("org_admin", "acme") as acme_admin:
        email = acme_admin.get("/v1/auth/me").json()["name"]
        rival_site = acme_admin.get("/v1/sites/site-b1/stock")
        rival_child = acme_admin.post(
            f"/v1/orgs/{world.nodes['rival']}/children", json={"kind": "site", "name": "mine"}
        )
        rival_grant = acme_admin.post(
            f"/v1/orgs/{world.nodes['b1']}/grants", json={"email": email, "role": "org_admin"}
        )
        unknown = acme_admin.get("/v1/sites/site-zz/stock")

    assert (rival_site.status_code, rival_site.json()["detail"]) == (
        403, f"{email} lacks stock.read at site 'site-b1'"
    )  # fmt: skip
    assert (rival_child.status_code, rival_grant.status_code) == (403, 403)
    assert (unknown.status_code, unknown.json()["detail"]) == (
        404, "site 'site-zz' is unknown: no org node is that site"
    )  # fmt: skip
