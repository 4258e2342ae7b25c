"""Roles through the API, over real HTTP and PostgreSQL: an org admin lists the roles and
makes one with its operations and field rules; a made role's field rules decide whether the
cost columns of a report are there; mistakes and overreach are refused with the reason."""

from __future__ import annotations

import httpx
import psycopg

from tests.cloud.auth import PASSWORD
from tests.cloud.live import database_of
from tests.cloud.orders_world import person
from tests.cloud.test_reports import LOSS, _load_world


def _site_node(url: str) -> int:
    with psycopg.connect(database_of(url)) as conn:
        row = conn.execute("SELECT id FROM org_nodes WHERE site = 'site-1'").fetchone()
    assert row is not None
    return int(row[0])


def _hire(client: httpx.Client, node: int, email: str, role: str) -> None:
    body = {"email": email, "password": PASSWORD, "role": role}
    answer = client.post(f"/v1/orgs/{node}/users", json=body)
    assert answer.status_code == 201, answer.text


def test_a_made_roles_field_rules_hide_the_cost_columns_of_a_report(
    client: httpx.Client,
) -> None:
    org = _load_world(client)
    url = str(client.base_url).rstrip("/")
    node = _site_node(url)
    lead = {"name": "store-lead", "operations": ["stock.read"], "fields": []}
    controller = {"name": "controller", "operations": ["stock.read"], "fields": ["cost_price"]}
    made = client.post(f"/v1/orgs/{node}/roles", json=lead)
    assert made.status_code == 201, made.text
    assert made.json() | {"id": 0} == {"id": 0, "name": "store-lead", "operations": ["stock.read"],
                                       "fields": [], "builtin": False}  # fmt: skip
    assert client.post(f"/v1/orgs/{org}/roles", json=controller).status_code == 201
    roles = {r["name"]: r for r in client.get(f"/v1/orgs/{node}/roles").json()}
    assert roles["controller"]["fields"] == ["cost_price"]
    assert roles["finance"]["builtin"] is True
    assert roles["finance"]["fields"] == ["cost_price", "supplier_contact"]

    _hire(client, node, "lead@example.com", "store-lead")
    _hire(client, node, "ctl@example.com", "controller")
    with person(url, "lead@example.com") as store_lead:
        body = store_lead.get(LOSS).json()
        csv = store_lead.get(LOSS, params={"format": "csv"}).text
    assert body["hidden"] == ["value_lost"]
    assert all("value_lost" not in row for row in body["rows"])
    assert "value_lost" not in csv.splitlines()[0]
    with person(url, "ctl@example.com") as ctl:
        shown = ctl.get(LOSS).json()
    assert shown["hidden"] == []
    assert any("value_lost" in row for row in shown["rows"])


def test_roles_that_cannot_be_made_are_refused_with_the_reason(client: httpx.Client) -> None:
    _load_world(client)
    url = str(client.base_url).rstrip("/")
    node = _site_node(url)
    base = f"/v1/orgs/{node}/roles"
    typo = client.post(base, json={"name": "x", "operations": ["stock.raed"]})
    assert (typo.status_code, typo.json()["error"]) == (422, "unknown_permission")
    assert "stock.raed" in typo.json()["message"]
    field = client.post(base, json={"name": "x", "operations": [], "fields": ["salary"]})
    assert (field.status_code, field.json()["error"]) == (422, "unknown_field")
    shadow = client.post(base, json={"name": "finance", "operations": ["stock.read"]})
    assert (shadow.status_code, shadow.json()["error"]) == (409, "builtin_role")
    assert client.post(base, json={"name": "night", "operations": []}).status_code == 201
    twice = client.post(base, json={"name": "night", "operations": []})
    assert (twice.status_code, twice.json()["error"]) == (409, "role_exists")
    with person(url, "fin@example.com") as finance:  # no org.manage: not an admin
        assert finance.post(base, json={"name": "y", "operations": []}).status_code == 403
        assert finance.get(base).status_code == 403
