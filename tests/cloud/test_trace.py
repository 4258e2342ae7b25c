"""Genealogy over real ingest and a real API: backward and forward traces as JSON, CSV, SVG.

A plant (site-1) receives chicken and salt from suppliers, marinates the chicken with the
salt, and makes skewers of the marinated chicken; a second site makes its own lot of the
same item from other chicken. Each trace is checked against that story, node by node.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from xml.etree import ElementTree

import httpx
import pytest
from psycopg import AsyncConnection

from cloud.auth.users import GrantTarget, create_user, find_role, grant_role
from cloud.orgs.tree import node_of_site
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


def receipt(item: str, lot: str, qty: str, supplier: str, minutes: int) -> EventDraft:
    payload = LotReceived(item=item, lot=lot, location="cold-1", qty=qty, unit="kg",
                          supplier=supplier)  # fmt: skip
    return EventDraft("lot.received", DAY + timedelta(minutes=minutes), payload)


def made(item: str, lot: str, qty: str, inputs: list[tuple[str, str, str]],
         minutes: int) -> EventDraft:  # fmt: skip
    payload = StockProduced(
        item=item, lot=lot, location="prep", qty=qty, unit="kg", recipe="r", step="s",
        inputs=[LotInput(item=name, lot=code, location="cold-1", qty=q, unit="kg")
                for name, code, q in inputs],
    )  # fmt: skip
    return EventDraft("stock.produced", DAY + timedelta(minutes=minutes), payload)


PLANT = [
    receipt("chicken", "CH-1", "10", "farm-a", 0),
    receipt("salt", "SA-1", "1", "salt-co", 1),
    made("marinated", "MA-1", "9", [("chicken", "CH-1", "8.5"), ("salt", "SA-1", "0.5")], 30),
    made("skewer", "SK-1", "9", [("marinated", "MA-1", "9")], 60),
]
SHOP = [
    receipt("chicken", "CH-9", "4", "farm-b", 0),
    made("marinated", "MA-9", "4", [("chicken", "CH-9", "4")], 20),
]


@pytest.fixture
def shop_chain() -> AgentChain:
    return AgentChain(agent="shop-1", site="site-2")


@pytest.fixture
def plant(client: httpx.Client, shop_chain: AgentChain) -> httpx.Client:
    """The API with the story stored."""
    plant_chain = AgentChain(agent="plant-1", site="site-1")
    for chain, drafts in ((plant_chain, PLANT), (shop_chain, SHOP)):
        response = post_events(client, chain.agent, chain.add(drafts))
        assert response.status_code == 200, response.text
    return client


def _node(node: dict[str, object]) -> tuple[object, ...]:
    return (node["site"], node["item"], node["lot"], node.get("link"), node.get("qty"))


def test_backward_trace_reaches_every_supplier_lot(plant: httpx.Client) -> None:
    body = plant.get("/v1/trace/skewer/SK-1", params={"direction": "backward"}).json()
    (root,) = body["roots"]
    assert _node(root) == ("site-1", "skewer", "SK-1", None, None)
    (marinated,) = root["children"]
    assert _node(marinated) == ("site-1", "marinated", "MA-1", "produced", "9")
    inputs = sorted(_node(n) for n in marinated["children"])
    assert inputs == [("site-1", "chicken", "CH-1", "produced", "8.5"),
                      ("site-1", "salt", "SA-1", "produced", "0.5")]  # fmt: skip
    suppliers = {n["lot"]: [s["supplier"] for s in n["supplies"]] for n in marinated["children"]}
    assert suppliers == {"CH-1": ["farm-a"], "SA-1": ["salt-co"]}
    assert all(not n["children"] for n in marinated["children"])


def test_forward_trace_follows_a_supplier_lot_into_every_product(plant: httpx.Client) -> None:
    body = plant.get("/v1/trace/chicken/CH-1", params={"direction": "forward"}).json()
    (root,) = body["roots"]
    (marinated,) = root["children"]
    (skewer,) = marinated["children"]
    assert [_node(marinated), _node(skewer)] == [
        ("site-1", "marinated", "MA-1", "produced", "8.5"),
        ("site-1", "skewer", "SK-1", "produced", "9"),
    ]
    # the other site's chicken went into the other site's marinade only
    other = plant.get("/v1/trace/chicken/CH-9", params={"direction": "forward"}).json()
    assert [_node(n) for n in other["roots"][0]["children"]] == [
        ("site-2", "marinated", "MA-9", "produced", "4")
    ]


def test_a_lot_made_at_two_sites_has_a_root_at_each(
    plant: httpx.Client, shop_chain: AgentChain
) -> None:
    more = shop_chain.add([made("skewer", "SK-1", "2", [("marinated", "MA-9", "2")], 90)])
    assert post_events(plant, "shop-1", more).status_code == 200
    body = plant.get("/v1/trace/skewer/SK-1", params={"direction": "backward"}).json()
    assert [root["site"] for root in body["roots"]] == ["site-1", "site-2"]
    assert [c["lot"] for c in body["roots"][1]["children"]] == ["MA-9"]


def test_a_transfer_carries_the_trace_to_the_receiving_site(
    plant: httpx.Client, shop_chain: AgentChain
) -> None:
    line = {"item": "skewer", "lot": "SK-1", "qty": "4", "unit": "kg", "transfer": "T-1"}
    plant_chain = AgentChain(agent="plant-2", site="site-1")
    shipped = TransferShipped(**line, location="prep", to_site="site-2")
    received = TransferReceived(**line, location="cold-1", from_site="site-1")
    at = DAY + timedelta(hours=2)
    sent = plant_chain.add([EventDraft("transfer.shipped", at, shipped)])
    arrived = shop_chain.add([EventDraft("transfer.received", at + timedelta(hours=1), received)])
    assert post_events(plant, "plant-2", sent).status_code == 200
    assert post_events(plant, "shop-1", arrived).status_code == 200

    forward = plant.get("/v1/trace/chicken/CH-1", params={"direction": "forward"}).json()
    skewer = forward["roots"][0]["children"][0]["children"][0]
    (there,) = skewer["children"]
    assert _node(there) == ("site-2", "skewer", "SK-1", "shipped", "4")

    backward = plant.get("/v1/trace/skewer/SK-1", params={"direction": "backward"}).json()
    assert [root["site"] for root in backward["roots"]] == ["site-1", "site-2"]
    (came_from,) = backward["roots"][1]["children"]
    assert _node(came_from) == ("site-1", "skewer", "SK-1", "shipped", "4")
    assert came_from["repeated"] is True  # its own tree is the first root's


def test_csv_has_one_sortable_row_per_node(plant: httpx.Client) -> None:
    response = plant.get("/v1/trace/skewer/SK-1",
                         params={"direction": "backward", "format": "csv"})  # fmt: skip
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["depth"], r["lot"]) for r in rows] == [("0", "SK-1"), ("1", "MA-1"),
                                                      ("2", "CH-1"), ("2", "SA-1")]  # fmt: skip
    assert rows[2]["suppliers"] == "farm-a"
    assert rows[2]["qty"] == "8.5"


def test_svg_is_a_picture_naming_every_lot(plant: httpx.Client) -> None:
    response = plant.get("/v1/trace/skewer/SK-1",
                         params={"direction": "backward", "format": "svg"})  # fmt: skip
    assert response.headers["content-type"] == "image/svg+xml"
    svg = ElementTree.fromstring(response.text)  # noqa: S314 (our own answer; raises if malformed)
    texts = [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    for lot in ("SK-1", "MA-1", "CH-1", "SA-1"):
        assert any(lot in text for text in texts), lot
    assert len(list(svg.iter("{http://www.w3.org/2000/svg}path"))) == 3  # one line per link


def test_depth_limit_cuts_and_says_so(plant: httpx.Client) -> None:
    body = plant.get("/v1/trace/skewer/SK-1", params={"direction": "backward", "depth": 1}).json()
    (marinated,) = body["roots"][0]["children"]
    assert marinated["children"] == []
    assert marinated["truncated"] is True


def test_unknown_lot_and_bad_direction_are_refused(plant: httpx.Client) -> None:
    missing = plant.get("/v1/trace/skewer/NOPE", params={"direction": "backward"})
    assert missing.status_code == 404
    assert "NOPE" in missing.json()["detail"]
    bad = plant.get("/v1/trace/skewer/SK-1", params={"direction": "sideways"})
    assert bad.status_code == 422
    assert "direction" in bad.text


def test_a_person_of_one_site_sees_only_that_sites_genealogy(plant: httpx.Client) -> None:
    url = str(plant.base_url).rstrip("/")
    email = "shop-auditor@example.com"
    asyncio.run(grant_person(database_of(url), email, "auditor", "site-2"))
    token = login(url, email, PASSWORD)["access_token"]
    with httpx.Client(base_url=url, timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as shop:  # fmt: skip
        hidden = shop.get("/v1/trace/skewer/SK-1", params={"direction": "backward"})
        assert hidden.status_code == 404
        own = shop.get("/v1/trace/marinated/MA-9", params={"direction": "backward"}).json()
        assert [c["lot"] for c in own["roots"][0]["children"]] == ["CH-9"]
        # the lot name MA-1 exists at site-1 only: nothing of it shows
        assert (
            shop.get("/v1/trace/chicken/CH-1", params={"direction": "forward"}).status_code == 404
        )


async def grant_person(database_url: str, email: str, role_name: str, site: str) -> None:
    """A new person ``email`` holding ``role_name`` at ``site`` only."""
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        node = await node_of_site(conn, site)
        assert node is not None
        user = await create_user(conn, email, PASSWORD)
        role = await find_role(conn, role_name, node)
        assert role is not None
        await grant_role(conn, GrantTarget(user_id=user), role, node)
