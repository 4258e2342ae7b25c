"""Transfer orders over real HTTP and PostgreSQL: requested at the sender, approved by the
steps the org settings name (four eyes), sent once to both sites' down-channels, and read
back with where each shipped lot stands."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
from psycopg import AsyncConnection

from cloud.auth.users import GrantTarget, create_user, find_role, grant_role
from cloud.orgs.tree import create_node, node_of_site
from domain.events import EventDraft
from domain.payloads import (
    LotInput,
    LotReceived,
    StockProduced,
    TransferReceived,
    TransferShipped,
)
from tests.cloud.auth import PASSWORD, login
from tests.cloud.builders import DAY, AgentChain, post_events
from tests.cloud.live import database_of

ORDER = {
    "transfer": "t-100",
    "to_site": "site-2",
    "to_location": "walk-in",
    "lines": [{"item": "marinated", "qty": "2", "unit": "kg"}],
}


def documents(client: httpx.Client, site: str) -> list[tuple[str, dict[str, object]]]:
    answer = client.get(f"/v1/sites/{site}/downlink")
    assert answer.status_code == 200, answer.text
    signed = [json.loads(d["body"]) for d in answer.json()["documents"]]
    return [(d["kind"], d["content"]) for d in signed if d["kind"].startswith("transfer.")]


def test_without_approval_steps_an_order_is_sent_to_both_sites_once(client: httpx.Client) -> None:
    made = client.post("/v1/sites/site-1/transfers", json=ORDER)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["state"], body["waiting_for"], body["lines"]) == ("sent", None, [])
    assert body["order"]["from_site"] == "site-1"
    (ship,) = documents(client, "site-1")
    (expect,) = documents(client, "site-2")
    assert ship == ("transfer.ship", body["order"])
    assert expect == ("transfer.expect", body["order"])
    again = client.post("/v1/sites/site-1/transfers", json=ORDER)
    assert (again.status_code, again.json()["error"]) == (409, "transfer_exists")
    assert len(documents(client, "site-2")) == 1


def test_bad_orders_are_refused_with_the_reason(client: httpx.Client) -> None:
    cases = [
        ({**ORDER, "to_site": "site-1"}, 422, "use stock.moved"),
        ({**ORDER, "to_org": "franchise-co"}, 422, "needs a price on every line"),
        ({**ORDER, "lines": [{**ORDER["lines"][0], "unit_price": "3"}]}, 422, "go together"),  # type: ignore[index, dict-item]
        ({**ORDER, "to_site": "elsewhere"}, 422, "not a site of the sender's organisation"),
    ]
    for order, status, reason in cases:
        answer = client.post("/v1/sites/site-1/transfers", json=order)
        assert answer.status_code == status, (order, answer.text)
        assert reason in answer.text
    assert documents(client, "site-1") == []


def test_an_order_waits_for_its_approver_and_the_requester_cannot_approve(
    client: httpx.Client,
) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(_setup(database_of(url)))
    steps = {"approval_steps": [{"action": "transfer.send", "role": "finance"}]}
    assert client.put(f"/v1/orgs/{org}/settings", json=steps).status_code == 200
    foreign = client.post("/v1/sites/site-1/transfers", json={**ORDER, "to_site": "elsewhere"})
    assert foreign.status_code == 422  # a site of another organisation: no way into its outbox
    assert "not a site of the sender's organisation" in foreign.text
    made = client.post("/v1/sites/site-1/transfers", json=ORDER).json()
    assert (made["state"], made["waiting_for"]) == ("awaiting_approval", "finance")
    assert documents(client, "site-1") == documents(client, "site-2") == []

    own = client.post("/v1/sites/site-1/transfers/t-100/approve", json={})
    assert (own.status_code, own.json()["error"]) == (403, "four_eyes")
    with person(url, "wh@example.com") as warehouse:
        wrong = warehouse.post("/v1/sites/site-1/transfers/t-100/approve", json={})
        assert (wrong.status_code, wrong.json()["error"]) == (403, "not_approver")
    with person(url, "fin@example.com") as finance:
        done = finance.post("/v1/sites/site-1/transfers/t-100/approve", json={"note": "ok"})
        assert done.status_code == 200, done.text
        twice = finance.post("/v1/sites/site-1/transfers/t-100/approve", json={})
        assert (twice.status_code, twice.json()["error"]) == (409, "not_awaiting")
    body = done.json()
    assert body["state"] == "sent"
    assert [(d["role"], d["approved"], d["decided_by"], d["note"]) for d in body["decisions"]] == [
        ("finance", True, "fin@example.com", "ok")
    ]
    assert [kind for kind, _ in documents(client, "site-1")] == ["transfer.ship"]

    refused = client.post("/v1/sites/site-1/transfers", json={**ORDER, "transfer": "t-101"})
    with person(url, "fin@example.com") as finance:
        no = finance.post("/v1/sites/site-1/transfers/t-101/refuse", json={"note": "not now"})
    assert (refused.json()["state"], no.json()["state"]) == ("awaiting_approval", "refused")
    assert len(documents(client, "site-2")) == 1  # only the approved one went down


def test_a_transfer_shows_where_its_lots_stand(client: httpx.Client) -> None:
    assert client.post("/v1/sites/site-1/transfers", json=ORDER).status_code == 201
    ship = TransferShipped(
        transfer="t-100", item="marinated", lot="M1", location="cold-1", qty="2", unit="kg",
        to_site="site-2",
    )  # fmt: skip
    kitchen = [
        EventDraft("lot.received", DAY, LotReceived(item="marinated", lot="M1", location="cold-1",
                                                    qty="5", unit="kg")),
        EventDraft("transfer.shipped", DAY + timedelta(minutes=5), ship),
    ]  # fmt: skip
    arrived = TransferReceived(
        transfer="t-100", item="marinated", lot="M1", location="walk-in", from_site="site-1",
        qty="1.7", damaged="0.1", unit="kg",
    )  # fmt: skip
    for agent, site, drafts in (
        ("ck-1", "site-1", kitchen),
        ("r-1", "site-2", [EventDraft("transfer.received", DAY + timedelta(hours=2), arrived)]),
    ):
        answer = post_events(client, agent, AgentChain(agent=agent, site=site).add(drafts))
        assert answer.status_code == 200, answer.text
    (line,) = client.get("/v1/sites/site-1/transfers/t-100").json()["lines"]
    figures = {k: float(line[k]) for k in ("shipped", "received", "damaged", "in_transit", "short")}
    assert figures == {
        "shipped": 2000, "received": 1700, "damaged": 100, "in_transit": 0, "short": 200
    }  # fmt: skip
    missing = client.get("/v1/sites/site-1/transfers/t-999")
    assert (missing.status_code, missing.json()["error"]) == (404, "unknown_transfer")


async def _setup(database_url: str) -> int:
    """The test organisation's id; a site of another organisation; a finance person and a
    warehouse person at site-1."""
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        node = await node_of_site(conn, "site-1")
        assert node is not None
        cur = await conn.execute(
            "SELECT id FROM org_ancestors(%s) ORDER BY depth DESC LIMIT 1", (node,)
        )
        row = await cur.fetchone()
        assert row is not None
        other = await create_node(conn, parent_id=None, kind="org", name="other-org")
        await create_node(conn, parent_id=other.id, kind="site", name="elsewhere", site="elsewhere")
        for email, role_name in (("fin@example.com", "finance"), ("wh@example.com", "warehouse")):
            role = await find_role(conn, role_name, node)
            assert role is not None
            user = await create_user(conn, email, PASSWORD)
            await grant_role(conn, GrantTarget(user_id=user), role, node)
        return int(str(row[0]))


@contextmanager
def person(url: str, email: str) -> Iterator[httpx.Client]:
    """A client logged in as ``email``."""
    token = login(url, email, PASSWORD)["access_token"]
    with httpx.Client(
        base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        yield client


def test_between_legal_entities_each_side_gets_its_document(client: httpx.Client) -> None:
    """The kitchen's chicken cost 20 CNY/kg (its receipt says so) and its sauce 5 (the cost
    price in force): 10 kg of marinade from 9 kg of chicken and 1 of sauce cost 185 CNY,
    18.5/kg. It sells 2 kg at 40/kg to a franchisee that accepts 1.7 kg and finds 0.1 kg
    damaged (0.2 kg never came)."""
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(_setup(database_of(url)))
    cost = {"amount": "5", "currency": "CNY", "per_unit": "kg"}
    assert client.put(f"/v1/orgs/{org}/costs/sauce", json=cost).status_code == 204
    priced = {
        **ORDER, "to_org": "franchise-co",
        "lines": [{"item": "marinated", "qty": "2", "unit": "kg", "unit_price": "40",
                   "currency": "CNY"}],
    }  # fmt: skip
    assert client.post("/v1/sites/site-1/transfers", json=priced).status_code == 201
    chicken = LotReceived(item="chicken", lot="C1", location="cold-1", qty="9", unit="kg",
                          unit_cost="20", currency="CNY")  # fmt: skip
    sauce = LotReceived(item="sauce", lot="S1", location="cold-1", qty="1", unit="kg")
    made = StockProduced(
        item="marinated", lot="M1", location="cold-1", qty="10", unit="kg", recipe="r",
        step="s", inputs=[LotInput(item="chicken", lot="C1", location="cold-1", qty="9",
                                   unit="kg"),
                          LotInput(item="sauce", lot="S1", location="cold-1", qty="1",
                                   unit="kg")],
    )  # fmt: skip
    ship = TransferShipped(
        transfer="t-100", item="marinated", lot="M1", location="cold-1", qty="2", unit="kg",
        to_site="site-2", to_org="franchise-co", unit_price="40", currency="CNY",
    )  # fmt: skip
    arrived = TransferReceived(
        transfer="t-100", item="marinated", lot="M1", location="walk-in", from_site="site-1",
        qty="1.7", damaged="0.1", unit="kg",
    )  # fmt: skip
    kitchen = [("lot.received", chicken), ("lot.received", sauce), ("stock.produced", made),
               ("transfer.shipped", ship)]  # fmt: skip
    for agent, site, events in (
        ("ck-1", "site-1", kitchen),
        ("r-1", "site-2", [("transfer.received", arrived)]),
    ):
        drafts = [EventDraft(k, DAY + timedelta(minutes=n), p) for n, (k, p) in enumerate(events)]
        answer = post_events(client, agent, AgentChain(agent=agent, site=site).add(drafts))
        assert answer.status_code == 200, answer.text

    receivable, payable = client.get("/v1/sites/site-1/transfers/t-100").json()["vouchers"]
    keys = ("kind", "entity", "counterparty", "currency", "total", "claim", "cost_of_goods",
            "margin", "method")  # fmt: skip
    figures = {k: receivable[k] for k in keys}
    assert figures == {
        "kind": "receivable", "entity": "test-org", "counterparty": "franchise-co",
        "currency": "CNY", "total": "80.00", "claim": "12.00", "cost_of_goods": "37.00",
        "margin": "43.00", "method": "fifo",
    }  # fmt: skip
    assert (payable["kind"], payable["entity"], payable["total"], payable["claim"]) == (
        "payable", "franchise-co", "68.00", "12.00",
    )  # fmt: skip
    assert [(float(line["qty"]), line["unit"]) for line in payable["lines"]] == [(1.7, "kg")]
    with person(url, "wh@example.com") as warehouse:  # no field.cost_price: no cost, no margin
        seen = warehouse.get("/v1/sites/site-1/transfers/t-100").json()["vouchers"][0]
    assert "cost_of_goods" not in seen
    assert "margin" not in seen
    assert seen["total"] == "80.00"
