"""Virtual warehouses over HTTP: one cold room split between a central kitchen and a
franchisee, stock by legal entity (valued only for who may see costs), and a location that
cannot change owner while stock stands at it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from psycopg import AsyncConnection

from cloud.auth.users import GrantTarget, create_user, find_role, grant_role
from cloud.orgs.tree import node_of_site
from domain.events import EventDraft
from domain.payloads import LotReceived
from tests.cloud.auth import PASSWORD, login
from tests.cloud.builders import DAY, AgentChain, post_events
from tests.cloud.live import database_of

SPLIT = {
    "owner": "central-co",
    "warehouses": [
        {"id": "franchise-shelves", "site": "site-1", "owner": "franchise-co",
         "locations": ["shelf-f"]},
    ],
}  # fmt: skip


def receive(lot: str, kg: str, location: str) -> EventDraft:
    line = LotReceived(item="chicken", lot=lot, location=location, qty=kg, unit="kg")
    return EventDraft("lot.received", DAY + timedelta(minutes=len(lot)), line)


def test_stock_by_legal_entity_in_one_split_cold_room(client: httpx.Client) -> None:
    assert client.put("/v1/sites/site-1/masterdata", json={}).status_code == 200
    put = client.put("/v1/sites/site-1/warehouses", json=SPLIT)
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 2
    assert client.get("/v1/sites/site-1/warehouses").json() == SPLIT
    drafts = [receive("C1", "10", "walk-in"), receive("C22", "4", "shelf-f")]
    answer = post_events(client, "ck-1", AgentChain(agent="ck-1", site="site-1").add(drafts))
    assert answer.status_code == 200, answer.text
    org = asyncio.run(_org_of(database_of(str(client.base_url).rstrip("/"))))
    cost = {"amount": "20", "currency": "CNY", "per_unit": "kg"}
    assert client.put(f"/v1/orgs/{org}/costs/chicken", json=cost).status_code == 204

    lines = client.get("/v1/sites/site-1/stock/by-owner").json()
    assert [
        (line["owner"], line["lot"], float(line["qty"]), float(line["stock_value"]))
        for line in lines
    ] == [
        ("central-co", "C1", 10_000, 200),
        ("franchise-co", "C22", 4000, 80),
    ]
    url = str(client.base_url).rstrip("/")
    asyncio.run(_warehouse_person(database_of(url), "wh@example.com"))
    token = login(url, "wh@example.com", PASSWORD)["access_token"]
    with httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as wh:
        seen = wh.get("/v1/sites/site-1/stock/by-owner").json()
        refused = wh.put("/v1/sites/site-1/warehouses", json={})  # not an org manager
    assert [set(line) for line in seen] == [{"owner", "item", "lot", "qty", "unit"}] * 2
    assert refused.status_code == 403


def test_a_location_with_stock_does_not_change_owner(client: httpx.Client) -> None:
    assert client.put("/v1/sites/site-1/warehouses", json=SPLIT).status_code == 404  # no doc
    assert client.put("/v1/sites/site-1/masterdata", json=SPLIT).status_code == 200
    answer = post_events(
        client,
        "ck-1",
        AgentChain(agent="ck-1", site="site-1").add([receive("C22", "4", "shelf-f")]),
    )
    assert answer.status_code == 200, answer.text
    given_back = client.put("/v1/sites/site-1/warehouses", json={"owner": "central-co"})
    assert given_back.status_code == 409
    assert "'shelf-f' holds stock of 'franchise-co'" in given_back.text
    assert "chicken C22 4000" in given_back.text
    renamed = client.put("/v1/sites/site-1/warehouses", json={**SPLIT, "owner": "kitchen-co"})
    assert renamed.status_code == 200  # walk-in is empty: central's own name may change
    other_site = {**SPLIT, "warehouses": [{**SPLIT["warehouses"][0], "site": "site-2"}]}  # type: ignore[index, dict-item]
    assert client.put("/v1/sites/site-1/warehouses", json=other_site).status_code == 422
    assert client.get("/v1/sites/site-1/masterdata").json()["version"] == 2


async def _org_of(database_url: str) -> int:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        node = await node_of_site(conn, "site-1")
        cur = await conn.execute(
            "SELECT id FROM org_ancestors(%s) ORDER BY depth DESC LIMIT 1", (node,)
        )
        row = await cur.fetchone()
        assert row is not None
        return int(str(row[0]))


async def _warehouse_person(database_url: str, email: str) -> None:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        node = await node_of_site(conn, "site-1")
        assert node is not None
        role = await find_role(conn, "warehouse", node)
        assert role is not None
        user = await create_user(conn, email, PASSWORD)
        await grant_role(conn, GrantTarget(user_id=user), role, node)
