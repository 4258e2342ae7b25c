"""Every identity belongs to one tenant: agents, enrolment codes, API keys, grants and users
of one organisation cannot be named, taken, revoked or probed from another (issue 9,
findings 1 and 4). Real PostgreSQL, the API over real HTTP, two organisations."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cloud.auth.bootstrap import create_org_admin
from cloud.auth.users import GrantRefused
from cloud.identity.audit import audit_site
from domain.request_signature import enrolment_proof, key_fingerprint
from edge_agent.identity import AgentKey
from tests.cloud.auth import PASSWORD
from tests.cloud.auth_world import World, build_world

ERP_KEY = {"name": "erp", "role": "auditor"}


@pytest.fixture
def world(api_url: str, database_url: str) -> World:
    return build_world(api_url, database_url)


@pytest.fixture
def acme(world: World) -> Iterator[httpx.Client]:
    with world.person("org_admin", "acme") as client:
        yield client


@pytest.fixture
def rival(world: World) -> Iterator[httpx.Client]:
    with world.person("org_admin", "rival") as client:
        yield client


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def redeem(api_url: str, code: str, key: Ed25519PrivateKey) -> httpx.Response:
    """What ``provision enroll`` sends for a new device: the code, the key, the proof."""
    public = raw_public(key)
    proof = key.sign(enrolment_proof(code, public))
    body = {"code": code, "public_key": base64.b64encode(public).decode(),
            "proof": base64.b64encode(proof).decode()}  # fmt: skip
    return httpx.post(f"{api_url}/v1/enrolments", json=body, timeout=30)


def signed_head(api_url: str, agent: str, key: Ed25519PrivateKey) -> httpx.Response:
    """``GET /v1/agents/{agent}/head`` signed with ``key``, as the agent's syncer signs it."""
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip
    path = f"/v1/agents/{agent}/head"
    headers = AgentKey.from_pem(pem, "test").sign_request("GET", path, b"")
    return httpx.get(f"{api_url}{path}", headers=headers, timeout=30)


def key_in_force(database_url: str, agent: str) -> tuple[str, str | None]:
    """(site, keyid in force) of ``agent``."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT a.site, k.keyid FROM agents AS a LEFT JOIN agent_keys AS k "
            "ON k.agent = a.agent AND k.retired_at IS NULL WHERE a.agent = %s",
            (agent,),
        ).fetchone()
    assert row is not None
    return str(row[0]), row[1]


def same_answer(one: httpx.Response, other: httpx.Response, *ids: object) -> None:
    """``one`` and ``other`` say the same, once the ids they were asked about are blanked."""

    def blank(response: httpx.Response) -> str:
        text = response.text
        for each in sorted(map(str, ids), key=len, reverse=True):
            text = text.replace(each, "<id>")
        return text

    assert (one.status_code, blank(one)) == (other.status_code, blank(other))


# finding 1: cross-tenant agent takeover ------------------------------------------------


def test_another_org_cannot_name_an_agent_of_ours_in_a_code(
    api_url: str, database_url: str, acme: httpx.Client, rival: httpx.Client
) -> None:
    foreign = rival.post("/v1/sites/site-b1/enrolment-codes", json={"agent": "site-a1-agent-2"})
    own = acme.post("/v1/sites/site-a1/enrolment-codes", json={})
    device = Ed25519PrivateKey.generate()
    enrolled = redeem(api_url, own.json()["code"], device)
    taken = rival.post("/v1/sites/site-b1/enrolment-codes", json={"agent": "site-a1-agent-2"})
    unknown = rival.post("/v1/sites/site-b1/enrolment-codes", json={"agent": "site-a1-agent-77"})

    assert enrolled.json()["agent"] == "site-a1-agent-2"
    # a name outside the site's own names is refused before and after it exists elsewhere,
    # with one answer: the rival learns nothing about acme's agents
    assert foreign.status_code == 404, foreign.text
    same_answer(taken, foreign)
    same_answer(unknown, foreign, "site-a1-agent-77", "site-a1-agent-2")
    assert foreign.json()["error"] == "unknown_agent"
    assert "site-b1-agent-" in foreign.json()["message"]  # says which names are the site's
    assert key_in_force(database_url, "site-a1-agent-2") == (
        "site-a1", key_fingerprint(raw_public(device))
    )  # fmt: skip


def test_a_code_of_another_site_naming_our_agent_is_refused_at_redemption(
    api_url: str, database_url: str, acme: httpx.Client
) -> None:
    own = acme.post("/v1/sites/site-a1/enrolment-codes", json={})
    device = Ed25519PrivateKey.generate()
    agent = redeem(api_url, own.json()["code"], device).json()["agent"]
    # a code such as the rival could get before the fix: its site, our agent's name (made
    # as before migration 0009, whose trigger refuses it now)
    with psycopg.connect(database_url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "INSERT INTO enrolment_codes (code_hash, site, agent, expires_at) VALUES "
            "(encode(sha256('AAAABBBBCCCCDDDD'), 'hex'), 'site-b1', %s, now() + interval '1 hour')",
            (agent,),
        )

    intruder = Ed25519PrivateKey.generate()

    taken = redeem(api_url, "AAAA-BBBB-CCCC-DDDD", intruder)

    assert taken.status_code == 409, taken.text
    assert taken.json()["error"] == "wrong_site"
    assert key_in_force(database_url, agent) == ("site-a1", key_fingerprint(raw_public(device)))
    # acme's device still signs for its agent; the intruder's key signs for nobody
    assert signed_head(api_url, agent, device).status_code == 200
    assert signed_head(api_url, agent, intruder).status_code == 401


def test_an_agent_never_moves_between_sites(api_url: str, database_url: str,
                                            acme: httpx.Client) -> None:  # fmt: skip
    code = acme.post("/v1/sites/site-a1/enrolment-codes", json={}).json()["code"]
    agent = redeem(api_url, code, Ed25519PrivateKey.generate()).json()["agent"]

    with psycopg.connect(database_url) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute("UPDATE agents SET site = 'site-b1' WHERE agent = %s", (agent,))

    assert key_in_force(database_url, agent)[0] == "site-a1"


def test_verify_names_an_agent_rekeyed_by_another_sites_code(
    api_url: str, database_url: str, acme: httpx.Client
) -> None:
    code = acme.post("/v1/sites/site-a1/enrolment-codes", json={}).json()["code"]
    agent = redeem(api_url, code, Ed25519PrivateKey.generate()).json()["agent"]
    # the trace the takeover left before the fix: a code of site-b1 spent by acme's agent
    with psycopg.connect(database_url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "INSERT INTO enrolment_codes (code_hash, site, agent, expires_at, used_at, used_by) "
            "VALUES ('x', 'site-b1', %s, now() + interval '1 hour', now(), %s)",
            (agent, agent),
        )

    report = audit_site(database_url, "site-a1")  # what `edgestock verify` prints

    assert not report.intact
    conflicts = [str(link) for link in report.broken if link.agent == agent]
    assert len(conflicts) == 1, report.broken
    assert conflicts[0].startswith(f"agent {agent}, seq 1: re-keyed at ")
    assert "with an enrolment code of site 'site-b1'" in conflicts[0]


# finding 4: cross-tenant API key revocation and account enumeration --------------------


def test_another_org_cannot_grant_or_revoke_our_api_key(
    api_url: str, world: World, acme: httpx.Client, rival: httpx.Client
) -> None:
    made = acme.post(f"/v1/orgs/{world.nodes['a1']}/api-keys", json=ERP_KEY)
    key_id = made.json()["id"]
    unknown_id = 987654321
    rival_node = world.nodes["rival"]

    grant = rival.post(
        f"/v1/orgs/{rival_node}/grants", json={"api_key_id": key_id, "role": "auditor"}
    )
    grant_unknown = rival.post(
        f"/v1/orgs/{rival_node}/grants", json={"api_key_id": unknown_id, "role": "auditor"}
    )
    revoke = rival.delete(f"/v1/orgs/{rival_node}/api-keys/{key_id}")
    revoke_unknown = rival.delete(f"/v1/orgs/{rival_node}/api-keys/{unknown_id}")
    with httpx.Client(base_url=api_url, headers={"X-API-Key": made.json()["key"]}) as erp:
        still = erp.get("/v1/sites/site-a1/stock")

    assert grant.status_code == 404, grant.text
    same_answer(grant, grant_unknown, key_id, unknown_id)
    assert revoke.status_code == 404, revoke.text
    same_answer(revoke, revoke_unknown, key_id, unknown_id)
    assert still.status_code == 200


def test_another_org_cannot_find_or_grant_our_people(
    world: World, acme: httpx.Client, rival: httpx.Client
) -> None:
    email = acme.get("/v1/auth/me").json()["name"]
    rival_node = world.nodes["rival"]

    ours = rival.post(f"/v1/orgs/{rival_node}/grants", json={"email": email, "role": "auditor"})
    nobody = rival.post(
        f"/v1/orgs/{rival_node}/grants", json={"email": "nobody@example.com", "role": "auditor"}
    )

    assert ours.status_code == 404, ours.text
    same_answer(ours, nobody, email, "nobody@example.com")


def test_a_grant_across_organisations_is_refused_by_the_database(
    world: World, database_url: str, acme: httpx.Client
) -> None:
    made = acme.post(f"/v1/orgs/{world.nodes['a1']}/api-keys", json=ERP_KEY)

    with psycopg.connect(database_url) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute(
            "INSERT INTO grants (api_key_id, role_id, node_id) "
            "SELECT %s, id, %s FROM roles WHERE name = 'auditor' AND org_id IS NULL",
            (made.json()["id"], world.nodes["b1"]),
        )


def test_the_first_admin_of_one_org_is_not_made_admin_of_another(
    world: World, database_url: str, acme: httpx.Client
) -> None:
    email = acme.get("/v1/auth/me").json()["name"]

    with pytest.raises(GrantRefused, match="user belongs to another organisation"):
        create_org_admin(database_url, email=email, password=PASSWORD, org_name="rival",
                         site="site-b1")  # fmt: skip

    with psycopg.connect(database_url) as conn:
        orgs = conn.execute(
            "SELECT DISTINCT org_root(g.node_id) FROM grants AS g JOIN users AS u "
            "ON u.id = g.user_id WHERE u.email = %s",
            (email,),
        ).fetchall()
    assert orgs == [(world.nodes["acme"],)]
