"""The permission matrix: every built-in role, granted at every level of one org, against
every endpoint at every node of both orgs, identities included (enrolment codes, agents,
API keys, grants, users). Expected answers come from the role's permissions and the tree
(``World.ancestors``), not from a hand-written table. Then the other organisation's admin,
at its own nodes, names every kind of identity of the first: each answer is the one an
unknown identity gets."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from tests.cloud.auth_world import TREE, World, agent_of, build_world
from tests.cloud.live import running_api
from tests.pg import create_database, drop_database, own_name

ROLES = ("org_admin", "warehouse", "quality", "finance", "device_manager", "auditor")
GRANTED_AT = ("acme", "north", "a1")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    """With ``{site}`` (site nodes only) or ``{node}`` (any node), and ``{agent}`` (the
    site's agent), ``{api_key}`` or ``{grant}`` (one made at the node for this request)."""
    permission: str
    body: dict[str, object] | None = None
    """``"?"`` values are filled: a new name, email, or a key of the node's organisation."""


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
    Endpoint("POST", "/v1/sites/{site}/enrolment-codes", "devices.manage", {}),
    Endpoint("POST", "/v1/sites/{site}/agents/{agent}/rotate", "devices.manage", {}),
    Endpoint("POST", "/v1/sites/{site}/agents/{agent}/revoke", "devices.manage", {"reason": "x"}),
    Endpoint("DELETE", "/v1/orgs/{node}/api-keys/{api_key}", "users.manage"),
    Endpoint("DELETE", "/v1/orgs/{node}/grants/{grant}", "users.manage"),
    Endpoint(
        "POST", "/v1/orgs/{node}/grants", "users.manage", {"api_key_id": "?", "role": "auditor"}
    ),
    Endpoint(
        "POST",
        "/v1/orgs/{node}/users",
        "users.manage",
        {"email": "?", "password": "?", "role": "auditor"},
    ),
)


def request_of(
    world: World, endpoint: Endpoint, target: str, serial: Iterator[int]
) -> tuple[str, dict[str, object] | None]:
    """The path and body of ``endpoint`` at node ``target``, with every placeholder filled."""
    site = TREE[target][1]
    spends = "{api_key}" in endpoint.path or "{grant}" in endpoint.path
    key_id, grant_id = world.key_and_grant(target) if spends else (0, 0)
    path = endpoint.path.format(
        site=site, node=world.nodes[target], agent=agent_of(site or ""), api_key=key_id,
        grant=grant_id,
    )  # fmt: skip
    if endpoint.body is None:
        return path, None
    fills: dict[str, object] = {
        "name": f"area-{next(serial)}",
        "email": f"matrix-{next(serial)}@example.com",
        "password": secrets.token_urlsafe(18),
        "api_key_id": key_id or world.key_and_grant(target)[0],
    }
    return path, {k: fills[k] if v == "?" else v for k, v in endpoint.body.items()}


@pytest.fixture(scope="module")
def world(postgres_server: PostgresServer, migrated_template: str) -> Iterator[World]:
    name = own_name("edgestock_permission_matrix")
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
                if "{site}" in endpoint.path and TREE[target][1] is None:
                    continue
                path, body = request_of(world, endpoint, target, serial)
                response = client.request(endpoint.method, path, json=body)
                allowed = endpoint.permission in permissions[
                    role
                ] and granted_at in world.ancestors(target)
                if allowed != response.is_success or response.status_code not in (
                    200, 201, 204, 403
                ):  # fmt: skip
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


@dataclass(frozen=True)
class Probe:
    """A request of the rival's admin at its own node ``at`` naming an identity: ``{x}`` in
    the path or a ``"{x}"`` body value is the identity."""

    method: str
    path: str
    body: dict[str, object] | None = None


PROBES = (
    Probe("POST", "/v1/sites/site-b1/enrolment-codes", {"agent": "{x}"}),
    Probe("POST", "/v1/sites/site-b1/agents/{x}/rotate", {}),
    Probe("POST", "/v1/sites/site-b1/agents/{x}/revoke", {"reason": "takeover"}),
    Probe("POST", "/v1/orgs/{b1}/grants", {"api_key_id": "{x}", "role": "auditor"}),
    Probe("POST", "/v1/orgs/{rival}/grants", {"email": "{x}", "role": "auditor"}),
    Probe("DELETE", "/v1/orgs/{b1}/api-keys/{x}"),
    Probe("DELETE", "/v1/orgs/{b1}/grants/{x}"),
)


def test_another_orgs_identities_answer_as_unknown_ones(world: World) -> None:
    """Every identity kind of acme, named by rival's admin at rival's nodes: 404, word for
    word the answer for an identity that does not exist, and acme's is left untouched."""
    key_id, grant_id = world.key_and_grant("a1")
    with world.person("auditor", "a1") as person:
        email = person.get("/v1/auth/me").json()["name"]
    theirs: dict[str, tuple[object, object]] = {
        # identity kind: (acme's, one that exists nowhere)
        "agent": (agent_of("site-a1"), "nowhere-agent-1"),
        "api_key_id": (key_id, 987654321),
        "email": (email, "nobody-at-all@example.com"),
        "api-keys": (key_id, 987654321),
        "grants": (grant_id, 987654321),
    }
    wrong: list[str] = []
    with world.person("org_admin", "rival") as rival:
        before = _state_of(world, key_id, grant_id)
        for probe in PROBES:
            kind = next(k for k in theirs if k in probe.path or k in str(probe.body))
            answers = [_probe(rival, world, probe, value) for value in theirs[kind]]
            texts = [_blank(a.text, theirs[kind]) for a in answers]
            if answers[0].status_code != 404 or (answers[1].status_code, texts[1]) != (
                404, texts[0]
            ):  # fmt: skip
                wrong.append(f"{probe.method} {probe.path} {kind}: "
                             f"{[(a.status_code, a.text[:100]) for a in answers]}")  # fmt: skip
    assert wrong == []
    assert _state_of(world, key_id, grant_id) == before  # acme's identities untouched


def _state_of(world: World, key_id: int, grant_id: int) -> tuple[object, ...]:
    """What the probes must not change: the key, the grant, the agent and its codes."""
    with psycopg.connect(world.database_url) as conn:
        row = conn.execute(
            "SELECT (SELECT revoked_at FROM api_keys WHERE id = %(key)s), "
            "(SELECT valid_until FROM grants WHERE id = %(grant)s), "
            "(SELECT (site, revoked_at) FROM agents WHERE agent = %(agent)s), "
            "(SELECT count(*) FROM enrolment_codes WHERE agent = %(agent)s), "
            "(SELECT count(*) FROM grants), (SELECT count(*) FROM api_keys)",
            {"key": key_id, "grant": grant_id, "agent": agent_of("site-a1")},
        ).fetchone()
    assert row is not None
    return tuple(row)


def _probe(client: httpx.Client, world: World, probe: Probe, value: object) -> httpx.Response:
    nodes = {"b1": world.nodes["b1"], "rival": world.nodes["rival"]}
    path = probe.path.format(x=value, **nodes)
    body = None if probe.body is None else {
        k: value if v == "{x}" else v for k, v in probe.body.items()
    }  # fmt: skip
    return client.request(probe.method, path, json=body)


def _blank(text: str, values: tuple[object, object]) -> str:
    for value in sorted(map(str, values), key=len, reverse=True):
        text = text.replace(value, "<x>")
    return text
