"""The food-safety board over HTTP: a day synced by an agent, folded by the cloud exactly as
the domain folds it; another tenant's site is refused."""

from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo

import httpx
import psycopg
from pydantic import TypeAdapter

from cloud.auth.bootstrap import create_org_admin
from domain.foodsafety import Board, board, site_day
from tests.cloud.auth import PASSWORD
from tests.cloud.builders import AgentChain, post_events
from tests.domain.test_foodsafety import DAY, scripted_day


def test_the_board_of_a_synced_day_is_the_domain_fold(client: httpx.Client) -> None:
    drafts, later = scripted_day()
    chain = AgentChain(agent="kitchen-agent")
    first = chain.add(drafts)
    wok = next(e for e in first if e.data.get("area") == "wok")
    chain.add(later(wok.id))
    assert post_events(client, chain.agent, chain.events).status_code == 200

    response = client.get(f"/v1/sites/{chain.site}/food-safety/board", params={"day": str(DAY)})
    assert response.status_code == 200, response.text
    got = response.json()
    expected = board(sorted(chain.events, key=lambda e: e.moment), DAY)
    assert got == TypeAdapter(Board).dump_python(expected, mode="json")
    (cleaning,) = [r for r in got["records"] if r["id"] == wok.id]
    assert (cleaning["original"]["result"], cleaning["current"]["result"]) == ("pass", "fail")
    assert [s["manager"] for s in got["sign_offs"]] == ["chef-eva"]
    assert [lot["lot"] for lot in got["lots"]] == ["L-old", "L-today", "L-tomorrow"]


def test_a_day_with_no_events_is_an_empty_board(client: httpx.Client) -> None:
    response = client.get("/v1/sites/nowhere/food-safety/board", params={"day": "2026-11-25"})
    assert response.status_code == 200
    assert response.json()["records"] == []
    assert response.json()["sign_offs"] == []


def test_a_bad_day_is_refused_with_the_field(client: httpx.Client) -> None:
    response = client.get("/v1/sites/site-1/food-safety/board", params={"day": "25/11/2026"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "day"]


def test_another_tenants_site_is_forbidden(client: httpx.Client, database_url: str) -> None:
    create_org_admin(database_url, email=f"rival-{secrets.token_hex(3)}@example.com",
                     password=PASSWORD, org_name="rival-org", site="rival-site")  # fmt: skip
    response = client.get("/v1/sites/rival-site/food-safety/board", params={"day": "2026-11-25"})
    assert response.status_code == 403
    assert "lacks stock.read at site 'rival-site'" in response.json()["detail"]


def test_the_board_is_of_the_sites_own_day(client: httpx.Client, database_url: str) -> None:
    """Issue 18: the cloud's board used UTC days; a Shanghai kitchen's day starts at 16:00 UTC
    the day before. The zone is the org's ``time_zone`` setting in force at the site."""
    drafts, later = scripted_day()
    chain = AgentChain(agent="kitchen-agent")
    first = chain.add(drafts)
    chain.add(later(next(e for e in first if e.data.get("area") == "wok").id))
    assert post_events(client, chain.agent, chain.events).status_code == 200
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT id FROM org_nodes WHERE site = %s", (chain.site,)).fetchone()
    assert row is not None
    shanghai = client.put(f"/v1/orgs/{row[0]}/settings", json={"time_zone": "Asia/Shanghai"})
    assert shanghai.status_code == 200, shanghai.text

    response = client.get(f"/v1/sites/{chain.site}/food-safety/board", params={"day": str(DAY)})
    assert response.status_code == 200, response.text
    events = sorted(chain.events, key=lambda e: e.moment)
    local = board(events, DAY, day_of=site_day(ZoneInfo("Asia/Shanghai")))
    assert response.json() == TypeAdapter(Board).dump_python(local, mode="json")
    assert local != board(events, DAY)  # the scripted day reads differently in UTC
