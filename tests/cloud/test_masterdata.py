"""A site's master data in the cloud: written whole, versioned, scoped, read by its agents."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx
import yaml

from cloud.auth.bootstrap import create_org_admin
from domain.masterdata import MasterData
from tests.cloud.auth import PASSWORD
from tests.cloud.auth_world import build_world
from tests.cloud.builders import enrol_agent, signed

KITCHEN = Path(__file__).resolve().parents[2] / "firmware_configs/kitchen/masterdata.yaml"


def kitchen_document() -> dict[str, Any]:
    """The sample kitchen's master data as JSON (what an operator would PUT)."""
    return MasterData.model_validate(yaml.safe_load(KITCHEN.read_text())).model_dump(mode="json")


def test_put_then_get_round_trips_and_each_put_bumps_the_version(client: httpx.Client) -> None:
    document = kitchen_document()

    first = client.put("/v1/sites/site-1/masterdata", json=document)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1

    document["items"][0]["allergens"] = ["sesame"]
    second = client.put("/v1/sites/site-1/masterdata", json=document)
    assert second.json()["version"] == 2

    read = client.get("/v1/sites/site-1/masterdata").json()
    assert read["version"] == 2
    assert read["updated_by"].startswith("admin-")
    assert MasterData.model_validate(read["document"]) == MasterData.model_validate(document)
    assert client.get("/v1/sites/site-2/masterdata").status_code == 404


def test_a_bad_document_is_refused_naming_the_field_and_nothing_changes(
    client: httpx.Client,
) -> None:
    client.put("/v1/sites/site-1/masterdata", json=kitchen_document())
    bad_unit, bad_reference = kitchen_document(), kitchen_document()
    bad_unit["items"][1]["base_unit"] = "stone"
    bad_reference["menu"][0]["recipe"] = "no-such-recipe"

    for document, field, why in (
        (bad_unit, ["body", "items", 1, "base_unit"], "'g', 'kg'"),
        (bad_reference, ["body", "menu", 0, "recipe"], "unknown recipe 'no-such-recipe'"),
    ):
        response = client.put("/v1/sites/site-1/masterdata", json=document)
        assert response.status_code == 422
        [error] = response.json()["detail"]
        assert error["loc"] == field
        assert why in error["msg"]
    assert client.get("/v1/sites/site-1/masterdata").json()["version"] == 1


def test_another_tenants_site_is_forbidden(client: httpx.Client, database_url: str) -> None:
    create_org_admin(database_url, email=f"rival-{secrets.token_hex(3)}@example.com",
                     password=PASSWORD, org_name="rival-org", site="rival-site")  # fmt: skip

    put = client.put("/v1/sites/rival-site/masterdata", json=kitchen_document())
    get = client.get("/v1/sites/rival-site/masterdata")

    assert put.status_code == 403
    assert "lacks org.manage at site 'rival-site'" in put.json()["detail"]
    assert get.status_code == 403


def test_warehouse_staff_read_master_data_but_may_not_edit_it(
    api_url: str, database_url: str
) -> None:
    world = build_world(api_url, database_url)
    admin, warehouse = world.person("org_admin", "acme"), world.person("warehouse", "a1")
    with admin, warehouse:
        assert admin.put("/v1/sites/site-a1/masterdata", json=kitchen_document()).status_code == 200

        refused = warehouse.put("/v1/sites/site-a1/masterdata", json={})
        assert refused.status_code == 403
        assert "lacks org.manage" in refused.json()["detail"]
        assert warehouse.get("/v1/sites/site-a1/masterdata").json()["version"] == 1


def test_an_agent_reads_its_own_sites_master_data_signed(
    client: httpx.Client, database_url: str
) -> None:
    enrol_agent(database_url, "agent-md", "site-1")
    path = "/v1/agents/agent-md/masterdata"
    assert signed(client, "GET", path, "agent-md").status_code == 404

    client.put("/v1/sites/site-1/masterdata", json=kitchen_document())
    client.put("/v1/sites/site-2/masterdata", json={"items": []})
    answer = signed(client, "GET", path, "agent-md")

    assert answer.status_code == 200
    assert (answer.json()["site"], answer.json()["version"]) == ("site-1", 1)
    assert answer.json()["document"] == kitchen_document()
    unsigned = httpx.get(f"{client.base_url}{path}")
    assert unsigned.status_code == 401
    assert unsigned.json()["error"]
