"""Org settings: each node's overrides merged from the root down; unknown keys refused."""

from __future__ import annotations

from tests.cloud.auth_world import build_world


def test_settings_are_inherited_downward_unless_overridden(api_url: str, database_url: str) -> None:
    world = build_world(api_url, database_url)
    with world.person("org_admin", "acme") as admin:
        group = admin.put(f"/v1/orgs/{world.nodes['acme']}/settings", json={
            "costing_method": "fifo",
            "stock_policy": {"allow_negative": False, "count_tolerance_pct": "2"},
            "approval_steps": [{"action": "stock.adjust", "role": "quality"}],
        })  # fmt: skip
        plant = admin.put(
            f"/v1/orgs/{world.nodes['plant']}/settings",
            json={"costing_method": "weighted_average", "stock_policy": {"allow_negative": True}},
        )
        site = admin.get(f"/v1/orgs/{world.nodes['a1']}").json()
        south = admin.get(f"/v1/orgs/{world.nodes['a2']}").json()
        bad = admin.put(f"/v1/orgs/{world.nodes['a1']}/settings", json={"costing": "lifo"})

    assert (group.status_code, plant.status_code) == (200, 200)
    assert site["settings"] == {}
    assert site["settings_in_force"] == {
        "costing_method": "weighted_average",
        "stock_policy": {"allow_negative": True, "count_tolerance_pct": "2"},
        "approval_steps": [{"action": "stock.adjust", "role": "quality"}],
    }
    assert south["settings_in_force"]["costing_method"] == "fifo"
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "costing"]


def test_a_child_node_is_added_and_a_taken_site_is_refused(api_url: str, database_url: str) -> None:
    world = build_world(api_url, database_url)
    with world.person("org_admin", "acme") as admin:
        line = admin.post(
            f"/v1/orgs/{world.nodes['plant']}/children",
            json={"kind": "line", "name": "line 2", "site": "site-a3"},
        )
        taken = admin.post(
            f"/v1/orgs/{world.nodes['plant']}/children",
            json={"kind": "line", "name": "line 3", "site": "site-a1"},
        )
        stock = admin.get("/v1/sites/site-a3/stock")

    assert line.status_code == 201
    assert line.json()["parent_id"] == world.nodes["plant"]
    assert (taken.status_code, taken.json()["detail"]) == (
        409, "site 'site-a1' is taken by another org node"
    )  # fmt: skip
    assert stock.json() == {"site": "site-a3", "lines": []}
