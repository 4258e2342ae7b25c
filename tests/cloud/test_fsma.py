"""FSMA 204 sortable spreadsheet over real ingest, PostgreSQL and HTTP.

A plant (site-1, GLN in master data) receives flour and butter from suppliers, bakes
biscuits of both, and ships some to a shop (site-2), which sells two kilograms to a café.
The sheet of the flour lot must show each critical tracking event with its key data
elements, the biscuits' code sourced at the plant even where the shop received them.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

import httpx
import pytest
from openpyxl import load_workbook

from cloud.fsma.sheet import COLUMNS
from domain.events import EventDraft
from domain.payloads import StockIssued, TransferReceived, TransferShipped
from tests.cloud.auth import PASSWORD, login
from tests.cloud.builders import DAY, AgentChain, post_events
from tests.cloud.live import database_of
from tests.cloud.test_trace import grant_person, made, receipt

GLN = "9521234000006"
MASTER = {
    "items": [
        {"id": "flour", "name": "Wheat flour T55", "base_unit": "kg"},
        {"id": "biscuit", "name": "Butter biscuits", "base_unit": "kg"},
    ],
    "locations": [{"id": "site-1", "name": "Plant", "kind": "site", "gln": GLN}],
}
PLANT = f"GLN {GLN} (site-1)"


def shipped(minutes: int) -> EventDraft:
    payload = TransferShipped(item="biscuit", lot="BI-1", location="dock", qty="10", unit="kg",
                              transfer="T-1", to_site="site-2")  # fmt: skip
    return EventDraft("transfer.shipped", DAY + timedelta(minutes=minutes), payload)


def arrived(minutes: int) -> EventDraft:
    payload = TransferReceived(item="biscuit", lot="BI-1", location="shelf", qty="10",
                               unit="kg", transfer="T-1", from_site="site-1")  # fmt: skip
    return EventDraft("transfer.received", DAY + timedelta(minutes=minutes), payload)


def sold(minutes: int) -> EventDraft:
    payload = StockIssued(item="biscuit", lot="BI-1", location="shelf", qty="2", unit="kg",
                          order="O-9", customer="cafe-c", kind="sale")  # fmt: skip
    return EventDraft("stock.issued", DAY + timedelta(minutes=minutes), payload)


@pytest.fixture
def bakery(client: httpx.Client) -> httpx.Client:
    put = client.put("/v1/sites/site-1/masterdata", json=MASTER)
    assert put.status_code == 200, put.text
    plant = AgentChain(agent="plant-1", site="site-1")
    shop = AgentChain(agent="shop-1", site="site-2")
    stories = (
        (plant, [receipt("flour", "F-1", "100", "mill-a", 0),
                 receipt("butter", "BU-1", "20", "dairy-b", 1),
                 made("biscuit", "BI-1", "20", [("flour", "F-1", "15"),
                                                ("butter", "BU-1", "5")], 30),
                 shipped(90)]),
        (shop, [receipt("salt", "SA-1", "1", "salt-co", 5), arrived(200), sold(300)]),
    )  # fmt: skip
    for chain, drafts in stories:
        response = post_events(client, chain.agent, chain.add(drafts))
        assert response.status_code == 200, response.text
    return client


def sheet(client: httpx.Client, **params: str) -> list[dict[str, str]]:
    response = client.get("/v1/fsma/spreadsheet", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert response.headers["X-Record-Count"] == str(len(rows))
    return rows


KEYS = (
    "Critical Tracking Event", "Traceability Lot Code (TLC)", "Traceability Lot Code Source",
    "Product Description", "Quantity", "Unit of Measure", "Location Description",
    "Immediate Previous Source", "Immediate Subsequent Recipient", "TLC of Food Used",
    "Quantity of Food Used", "Reference Document Type", "Reference Document Number",
)  # fmt: skip


def test_a_lots_sheet_has_every_tracking_event_it_came_from_and_went_into(
    bakery: httpx.Client,
) -> None:
    rows = sheet(bakery, item="flour", lot="F-1")

    assert list(rows[0]) == list(COLUMNS)
    assert [tuple(row[k] for k in KEYS) for row in rows] == [
        ("Receiving", "F-1", PLANT, "Wheat flour T55", "100", "kg", f"{PLANT} / cold-1",
         "mill-a", "", "", "", "Receiving record", "plant-1/1"),
        ("Transformation", "BI-1", PLANT, "Butter biscuits", "20", "kg", f"{PLANT} / prep",
         "", "", "F-1", "15", "Production record", "r/s"),
        ("Transformation", "BI-1", PLANT, "Butter biscuits", "20", "kg", f"{PLANT} / prep",
         "", "", "BU-1", "5", "Production record", "r/s"),
        ("Shipping", "BI-1", PLANT, "Butter biscuits", "10", "kg", f"{PLANT} / dock",
         "", "site-2", "", "", "Transfer order", "T-1"),
        # the shop's receipt keeps the plant as the source of the code
        ("Receiving", "BI-1", PLANT, "Butter biscuits", "10", "kg", "site-2 / shelf",
         PLANT, "", "", "", "Transfer order", "T-1"),
        ("Shipping", "BI-1", PLANT, "Butter biscuits", "2", "kg", "site-2 / shelf",
         "", "cafe-c", "", "", "Order", "O-9"),
    ]  # fmt: skip
    assert {row["Event Date"] for row in rows} == {DAY.date().isoformat()}
    assert rows[-1]["Event Time (UTC)"] == (DAY + timedelta(minutes=300)).strftime("%H:%M:%S")
    assert rows[-1]["EdgeStock Record (agent/seq)"] == "shop-1/3"


def test_a_supplier_lot_never_made_here_is_sourced_where_it_was_received(
    bakery: httpx.Client,
) -> None:
    (row,) = sheet(bakery, item="salt", lot="SA-1")

    assert (row["Traceability Lot Code Source"], row["Immediate Previous Source"]) == (
        "site-2", "salt-co")  # fmt: skip


def test_a_date_range_sheet_and_its_xlsx_hold_the_same_rows(bakery: httpx.Client) -> None:
    day = DAY.date().isoformat()
    rows = sheet(bakery, **{"from": day, "to": day})
    assert len(rows) == 8  # 2 + 2 + 1 at the plant (the production has two inputs), 3 at the shop
    assert [r["Critical Tracking Event"] for r in rows].count("Receiving") == 4

    response = bakery.get("/v1/fsma/spreadsheet", params={"from": day, "to": day, "format": "xlsx"})
    assert response.status_code == 200, response.text
    assert "fsma204-" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    (only,) = book.worksheets
    table = list(only.iter_rows(values_only=True))
    assert table[0] == COLUMNS
    quantity = COLUMNS.index("Quantity")
    assert [r[quantity] for r in table[1:]] == [float(r["Quantity"]) for r in rows]
    assert [r[0] for r in table[1:]] == [r[COLUMNS[0]] for r in rows]

    before = (DAY - timedelta(days=3)).date().isoformat()
    assert sheet(bakery, **{"from": before, "to": before}) == []


def test_asking_wrongly_is_refused_saying_why(bakery: httpx.Client) -> None:
    day = DAY.date().isoformat()
    for params in ({}, {"item": "flour"}, {"item": "flour", "lot": "F-1", "from": day, "to": day},
                   {"from": day}):  # fmt: skip
        refused = bakery.get("/v1/fsma/spreadsheet", params=params)
        assert refused.status_code == 422, params
        assert "one lot (item and lot) or one range (from and to)" in refused.text
    reversed_range = bakery.get("/v1/fsma/spreadsheet", params={"from": day, "to": "2000-01-01"})
    assert reversed_range.status_code == 422
    assert "is before from" in reversed_range.text
    unknown = bakery.get("/v1/fsma/spreadsheet", params={"item": "flour", "lot": "NOPE"})
    assert unknown.status_code == 404
    assert "NOPE" in unknown.text


def test_a_person_of_one_site_gets_that_sites_rows_only(bakery: httpx.Client) -> None:
    url = str(bakery.base_url).rstrip("/")
    email = "shop-auditor@example.com"
    asyncio.run(grant_person(database_of(url), email, "auditor", "site-2"))
    token = login(url, email, PASSWORD)["access_token"]
    with httpx.Client(base_url=url, timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as shop:  # fmt: skip
        rows = sheet(shop, item="biscuit", lot="BI-1")
    assert [r["Location Description"] for r in rows] == ["site-2 / shelf", "site-2 / shelf"]
    assert all("mill-a" not in str(r.values()) for r in rows)
