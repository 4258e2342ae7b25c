"""Reports defined as data over real HTTP and PostgreSQL: the shipped examples run over real
events as JSON, CSV, XLSX and SVG; a cost column is left out for whoever lacks the cost field
(and a filter on one is refused); values never reach SQL as text."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from openpyxl import load_workbook

from domain.events import EventDraft
from domain.payloads import LotReceived, StockAdjusted
from domain.reports import Dataset
from edge_agent.yaml_config import load_model
from tests.cloud.builders import DAY, AgentChain, post_events
from tests.cloud.coldchain_builders import excursion, figures
from tests.cloud.live import database_of
from tests.cloud.orders_world import make_people, person, put_example_lifecycle

REPORTS = Path(__file__).parents[2] / "examples" / "reports"


def _received(lot: str, item: str, supplier: str, loc: str = "cold-1") -> LotReceived:
    return LotReceived(item=item, lot=lot, location=loc, qty="10", unit="kg", supplier=supplier)


def _lost(qty: str, code: str, lot: str = "L1", loc: str = "cold-1") -> StockAdjusted:
    return StockAdjusted(item="chicken", lot=lot, location=loc, qty=qty, unit="kg",
                         reason=f"{code} at close", code=code)  # fmt: skip


def _load_world(client: httpx.Client) -> int:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    cost = {"amount": "20", "currency": "CNY", "per_unit": "kg"}
    assert client.put(f"/v1/orgs/{org}/costs/chicken", json=cost).status_code == 204
    minute = timedelta(minutes=1)
    kitchen = [
        EventDraft("lot.received", DAY, _received("L1", "chicken", "Farm A")),
        EventDraft("lot.received", DAY + minute, _received("F1", "fish", "Sea Co")),
        EventDraft("stock.adjusted", DAY + 60 * minute, _lost("-2", "waste")),
        EventDraft("stock.adjusted", DAY + 61 * minute, _lost("0.5", "found")),
        EventDraft("excursion.opened", DAY + 120 * minute,
                   excursion("opened", DAY + 120 * minute, figures=figures("11")).payload),
        EventDraft("excursion.closed", DAY + 150 * minute,
                   excursion("closed", DAY + 150 * minute, figures=figures("11")).payload),
        EventDraft("stock.adjusted", DAY + timedelta(days=8), _lost("-1", "expired")),
    ]  # fmt: skip
    restaurant = [
        EventDraft("lot.received", DAY, _received("L2", "chicken", "Farm A", "walk-in")),
        EventDraft("stock.adjusted", DAY + 180 * minute,
                   _lost("-0.5", "spoilage", "L2", "walk-in")),
    ]  # fmt: skip
    for agent, site, drafts in (("a-1", "site-1", kitchen), ("b-1", "site-2", restaurant)):
        answer = post_events(client, agent, AgentChain(agent=agent, site=site).add(drafts))
        assert answer.status_code == 200, answer.text
    for path in sorted(REPORTS.glob("*.yaml")):
        dataset = load_model(path, Dataset)
        body = dataset.model_dump(mode="json")
        answer = client.put(f"/v1/orgs/{org}/reports/{dataset.name}", json=body)
        assert answer.status_code == 204, answer.text
    return org


LOSS = "/v1/reports/loss-by-store-and-week"


def test_loss_by_store_and_week_in_every_format(client: httpx.Client) -> None:
    _load_world(client)
    answer = client.get(LOSS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["columns"] == ["site", "week", "unit", "qty_lost", "value_lost", "adjustments"]
    assert body["hidden"] == []
    assert [list(r.values()) for r in body["rows"]] == [
        ["site-1", "2026-11-23", "kg", "2", "40", "1"],
        ["site-1", "2026-11-30", "kg", "1", "20", "1"],
        ["site-2", "2026-11-23", "kg", "0.5", "10", "1"],
    ]
    week = client.get(LOSS, params={"from": "2026-11-23", "to": "2026-11-30", "site": "site-1"})
    assert [r["qty_lost"] for r in week.json()["rows"]] == ["2"]

    csv = client.get(LOSS, params={"format": "csv", "site": "site-2"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines() == [
        "site,week,unit,qty_lost,value_lost,adjustments", "site-2,2026-11-23,kg,0.5,10,1"
    ]  # fmt: skip
    xlsx = client.get(LOSS, params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == ("site", "week", "unit", "qty_lost", "value_lost", "adjustments")
    assert cells[1][0] == "site-1" and cells[1][3:] == (2, 40, 1)  # noqa: PT018
    svg = client.get(LOSS, params={"format": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.count("<rect") == 2  # two weeks
    assert "2026-11-23" in svg.text


def test_excursions_by_supplier(client: httpx.Client) -> None:
    _load_world(client)
    rows = client.get("/v1/reports/excursions-by-supplier", params={"site": "site-1"}).json()
    assert [(r["supplier"], r["excursions"], r["lots"]) for r in rows["rows"]] == [
        ("Farm A", "1", "1"), ("Sea Co", "1", "1")
    ]  # fmt: skip


def test_cost_columns_are_hidden_without_the_cost_field(client: httpx.Client) -> None:
    org = _load_world(client)
    url = str(client.base_url).rstrip("/")
    with person(url, "wh@example.com") as warehouse:
        body = warehouse.get(LOSS).json()
        csv = warehouse.get(LOSS, params={"format": "csv"}).text
        other = warehouse.get(LOSS, params={"site": "site-2"})
    assert body["sites"] == ["site-1"]  # the warehouse person reads site-1 only
    assert body["hidden"] == ["value_lost"]
    assert body["columns"] == ["site", "week", "unit", "qty_lost", "adjustments"]
    assert all("value_lost" not in row for row in body["rows"])
    assert csv.splitlines()[0] == "site,week,unit,qty_lost,adjustments"
    assert (other.status_code, other.json()["error"]) == (403, "not_your_site")
    with person(url, "fin@example.com") as finance:
        assert finance.get(LOSS).json()["hidden"] == []

    pricey = {"name": "pricey-losses", "title": "Pricey", "source": "stock_losses",
              "filters": [{"field": "value_lost", "op": "gt", "value": 30}],
              "group_by": ["site"], "measures": [{"name": "n", "agg": "count"}]}  # fmt: skip
    assert client.put(f"/v1/orgs/{org}/reports/pricey-losses", json=pricey).status_code == 204
    assert client.get("/v1/reports/pricey-losses").json()["rows"] == [{"site": "site-1", "n": "1"}]
    with person(url, "wh@example.com") as warehouse:
        refused = warehouse.get("/v1/reports/pricey-losses")
    assert (refused.status_code, refused.json()["error"]) == (403, "gated_filter")
    assert "value_lost" in refused.json()["message"]


def test_values_are_parameters_never_sql(client: httpx.Client) -> None:
    org = _load_world(client)
    sly = "x'); DROP TABLE events; --"
    report = {"name": "sly", "title": "Sly", "source": "stock_losses",
              "filters": [{"field": "item", "op": "eq", "value": sly}],
              "group_by": ["item"], "measures": [{"name": "n", "agg": "count"}]}  # fmt: skip
    assert client.put(f"/v1/orgs/{org}/reports/sly", json=report).status_code == 204
    assert client.get("/v1/reports/sly").json()["rows"] == []
    bad = {**report, "group_by": ["item; DROP TABLE events"]}
    refused = client.put(f"/v1/orgs/{org}/reports/sly", json=bad)
    assert refused.status_code == 422
    with psycopg.connect(database_of(str(client.base_url).rstrip("/"))) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (9,)
    missing = client.get("/v1/reports/nothing-here")
    assert (missing.status_code, missing.json()["error"]) == (404, "unknown_report")


def test_orders_report_hides_the_margin(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    org = _load_world(client)
    put_example_lifecycle(client, org)
    order = {"order": "o-1", "order_type": "made-to-order", "customer": "mei",
             "total": "1000", "currency": "CNY"}  # fmt: skip
    before = datetime.now(UTC).date().replace(day=1).isoformat()
    assert client.post("/v1/sites/site-1/orders", json=order).status_code == 201
    client.post("/v1/sites/site-1/orders/o-1/payments", json={"kind": "deposit", "amount": "300"})
    cost = {"category": "sample", "amount": "120", "orders": ["o-1"]}
    assert client.post("/v1/sites/site-1/order-costs", json=cost).status_code == 200
    (row,) = client.get("/v1/reports/orders-by-type-and-month").json()["rows"]
    after = datetime.now(UTC).date().replace(day=1).isoformat()
    assert row["month"] in {before, after}  # the month the order was taken in, in UTC
    assert row == {"order_type": "made-to-order", "month": row["month"], "currency": "CNY",
                   "orders": "1", "total": "1000", "paid": "300", "margin": "880"}  # fmt: skip
    with person(url, "wh@example.com") as warehouse:
        (seen,) = warehouse.get("/v1/reports/orders-by-type-and-month").json()["rows"]
    assert "margin" not in seen
    assert seen["paid"] == "300"
