"""API keys of integrations: made by a user manager, usable at once, revoked at once."""

from __future__ import annotations

import httpx

from tests.cloud.auth_world import build_world


def test_an_api_key_reads_where_its_role_allows_and_is_refused_once_revoked(
    api_url: str, database_url: str
) -> None:
    world = build_world(api_url, database_url)
    with world.person("org_admin", "north") as admin:
        made = admin.post(
            f"/v1/orgs/{world.nodes['plant']}/api-keys", json={"name": "erp", "role": "auditor"}
        )
        assert made.status_code == 201, made.text
        key = made.json()
        headers = {"X-API-Key": key["key"]}

        with httpx.Client(base_url=api_url, headers=headers, timeout=30) as erp:
            own = erp.get("/v1/sites/site-a1/stock")
            other = erp.get("/v1/sites/site-a2/stock")
            me = erp.get("/v1/auth/me").json()
            revoked = admin.delete(f"/v1/orgs/{world.nodes['plant']}/api-keys/{key['id']}")
            after = erp.get("/v1/sites/site-a1/stock")

    assert key["key"].startswith(f"esk_{key['prefix']}_")
    assert own.status_code == 200
    assert [line["qty"] for line in own.json()["lines"]] == ["2500"]
    assert other.status_code == 403
    assert me == {"subject": f"api_key:{key['id']}", "kind": "api_key", "name": "erp"}
    assert revoked.status_code == 204
    assert (after.status_code, after.json()["detail"]) == (401, "API key unknown or revoked")


def test_nobody_grants_more_than_they_hold(api_url: str, database_url: str) -> None:
    world = build_world(api_url, database_url)
    with world.person("org_admin", "a1") as site_admin, world.person("auditor", "a1") as auditor:
        email = auditor.get("/v1/auth/me").json()["name"]
        above = site_admin.post(
            f"/v1/orgs/{world.nodes['plant']}/grants", json={"email": email, "role": "finance"}
        )
        unknown_role = site_admin.post(
            f"/v1/orgs/{world.nodes['a1']}/grants", json={"email": email, "role": "owner"}
        )
        escalate = auditor.post(
            f"/v1/orgs/{world.nodes['a1']}/grants", json={"email": email, "role": "org_admin"}
        )

    assert above.status_code == 403  # the site admin manages nothing above the site
    assert (unknown_role.status_code, unknown_role.json()["detail"]) == (
        422, "role: 'owner' is neither built in nor one of this org's"
    )  # fmt: skip
    assert escalate.status_code == 403
    assert "lacks users.manage" in escalate.json()["detail"]
