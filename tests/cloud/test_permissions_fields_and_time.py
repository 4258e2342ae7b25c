"""Field and time levels: the cost price is absent (not null) for a warehouse role in
answers and exports alike; a grant holds only between its dates."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.cloud.auth_world import World, build_world


@pytest.fixture
def world(api_url: str, database_url: str) -> World:
    return build_world(api_url, database_url)


def test_the_cost_price_is_absent_for_a_warehouse_role_and_shown_to_finance(
    world: World,
) -> None:
    with world.person("org_admin", "acme") as admin:
        response = admin.put(
            f"/v1/orgs/{world.nodes['north']}/costs/chicken",
            json={"amount": "7.90", "currency": "EUR", "per_unit": "kg"},
        )
        assert response.status_code == 204, response.text
    with world.person("finance", "plant") as finance, world.person("warehouse", "a1") as clerk:
        seen = finance.get("/v1/sites/site-a1/stock").json()["lines"]
        hidden = clerk.get("/v1/sites/site-a1/stock").json()["lines"]
        seen_csv = finance.get("/v1/sites/site-a1/stock", params={"format": "csv"}).text
        hidden_csv = clerk.get("/v1/sites/site-a1/stock", params={"format": "csv"}).text
        south = finance.get("/v1/sites/site-a2/stock")

    assert seen[0]["cost_price"] == {"amount": "7.90", "currency": "EUR", "per_unit": "kg"}
    assert "cost_price" not in hidden[0]
    assert hidden[0]["qty"] == seen[0]["qty"] == "2500"
    assert next(csv.DictReader(io.StringIO(seen_csv)))["cost_price"] == "7.90 EUR/kg"
    assert "cost_price" not in hidden_csv
    assert next(csv.DictReader(io.StringIO(hidden_csv)))["qty"] == "2500"
    assert south.status_code == 403  # finance at the plant sees nothing of the south


def test_a_warehouse_role_may_not_set_a_cost_price(world: World) -> None:
    with world.person("warehouse", "acme") as clerk:
        response = clerk.put(
            f"/v1/orgs/{world.nodes['a1']}/costs/chicken",
            json={"amount": "1", "currency": "EUR", "per_unit": "kg"},
        )
    assert response.status_code == 403
    assert "org.manage" in response.json()["detail"]


def test_a_time_bounded_grant_expires(world: World) -> None:
    now = datetime.now(UTC)
    with (
        world.person("auditor", "a1", valid_from=now + timedelta(days=1)) as not_yet,
        world.person("auditor", "a1", valid_from=now - timedelta(days=2),
                     valid_until=now - timedelta(days=1)) as past,
    ):  # fmt: skip
        # made last, with room to spare: making a person hashes a password, which takes
        # seconds on a loaded machine, and the grant must still hold when first used
        until = datetime.now(UTC) + timedelta(seconds=6)
        with world.person("auditor", "a1", valid_until=until) as expiring:
            before = expiring.get("/v1/sites/site-a1/events")
            time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.2)
            after = expiring.get("/v1/sites/site-a1/events")
        future = not_yet.get("/v1/sites/site-a1/events")
        expired = past.get("/v1/sites/site-a1/events")

    assert before.status_code == 200
    assert [after.status_code, future.status_code, expired.status_code] == [403, 403, 403]
    assert "lacks events.read at site 'site-a1'" in after.json()["detail"]


def test_a_grant_withdrawn_through_the_api_ends_at_once(world: World) -> None:
    with world.person("org_admin", "acme") as admin, world.person("auditor", "a2") as auditor:
        email = auditor.get("/v1/auth/me").json()["name"]
        granted = admin.post(
            f"/v1/orgs/{world.nodes['a1']}/grants", json={"email": email, "role": "auditor"}
        )
        assert granted.status_code == 201, granted.text
        assert auditor.get("/v1/sites/site-a1/stock").status_code == 200
        grant_id = granted.json()["grant_id"]
        gone = admin.delete(f"/v1/orgs/{world.nodes['a1']}/grants/{grant_id}")
        again = admin.delete(f"/v1/orgs/{world.nodes['a1']}/grants/{grant_id}")

        assert (gone.status_code, again.status_code) == (204, 404)
        assert auditor.get("/v1/sites/site-a1/stock").status_code == 403
        assert auditor.get("/v1/sites/site-a2/stock").status_code == 200
