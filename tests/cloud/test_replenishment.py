"""``GET /v1/sites/{site}/replenishment`` over real ingest, PostgreSQL and HTTP: eight weeks
of rice sold at a restaurant (with gifts, a channel transfer and a wrong shipment that are
not demand), a cold-chain raise three days ago, and the supplier's terms in master data."""

from __future__ import annotations

import asyncio
import json
import math
import uuid
from datetime import timedelta
from decimal import Decimal
from statistics import NormalDist

import httpx
import pytest
from psycopg import AsyncConnection

from domain.events import EventDraft
from domain.masterdata import Item, MasterData, PackSize, ShelfLife, Supplier, SupplierItem
from domain.payloads import LotReceived, SafetyStockRaised, StockIssued, StockReturned
from tests.cloud.builders import DAY, AgentChain, post_events
from tests.cloud.live import database_of

WEEKS = 8
TODAY = DAY.date()
FIRST = DAY - timedelta(days=7 * WEEKS - 1)


def _sold(day: int) -> str:
    return "12" if (FIRST + timedelta(days=day)).weekday() >= 5 else "8"


def _history() -> list[EventDraft]:
    drafts = []
    for day in range(7 * WEEKS):
        at = FIRST + timedelta(days=day, hours=2)
        if day == 0:
            drafts.append(EventDraft("lot.received", at, LotReceived(
                item="rice", lot="R0", location="dry", qty="544", unit="kg")))  # fmt: skip
        sale = StockIssued(item="rice", lot="R0", location="dry",
                           qty=_sold(day), unit="kg", order=f"o{day}", kind="sale")  # fmt: skip
        drafts.append(EventDraft("stock.issued", at + timedelta(hours=4), sale))
        if day % 7 == 3:
            gift = sale.model_copy(update={"qty": Decimal(1), "order": f"g{day}", "kind": "gift"})
            drafts.append(EventDraft("stock.issued", at + timedelta(hours=5), gift))
    channel = StockIssued(item="rice", lot="R0", location="dry", qty="2", unit="kg",
                          order="c1", kind="channel_transfer")  # fmt: skip
    wrong = StockReturned(item="rice", lot="R0", location="dry", qty="1", unit="kg",
                          order="o8", reason="wrong_shipment")  # fmt: skip
    raised = SafetyStockRaised(item="rice", factor="1.2", base_qty="0", raised_qty="0",
                               unit="kg", cause="EXC-9")  # fmt: skip
    drafts += [
        EventDraft("stock.issued", FIRST + timedelta(days=8, hours=9), channel),
        EventDraft("stock.returned", FIRST + timedelta(days=9, hours=9), wrong),
        EventDraft("safety_stock.raised", DAY - timedelta(days=3), raised),
    ]
    return sorted(drafts, key=lambda d: d.at)


MASTER = MasterData(
    items=[Item(id="rice", name="Jasmine rice", base_unit="kg", shelf_life=ShelfLife(days=365),
                packs=[PackSize(name="sack", contains=Decimal(5), of="kg")])],
    suppliers=[Supplier(id="guangzhou-grain", name="Guangzhou Grain", approved=[
        SupplierItem(item="rice", lead_time_days=3, min_order=Decimal(20))])],
)  # fmt: skip


@pytest.fixture
def restaurant(client: httpx.Client) -> httpx.Client:
    answer = post_events(client, "r-1", AgentChain(agent="r-1", site="site-1").add(_history()))
    assert answer.status_code == 200, answer.text
    put = client.put("/v1/sites/site-1/masterdata", json=MASTER.model_dump(mode="json"))
    assert put.status_code == 200, put.text
    return client


def _rice(client: httpx.Client) -> tuple[dict[str, object], dict[str, object]]:
    answer = client.get(
        "/v1/sites/site-1/replenishment", params={"today": str(TODAY), "history_days": 56}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return body, next(i for i in body["items"] if i["item"] == "rice")


def test_the_plan_stands_on_cleaned_demand_and_the_supplier_terms(
    restaurant: httpx.Client,
) -> None:
    body, rice = _rice(restaurant)
    assert (rice["unit"], rice["supplier"], rice["lead_time_source"]) == (
        "g", "guangzhou-grain", "master data"
    )  # fmt: skip
    assert (rice["lead_time_days"], rice["lead_time_sd_days"]) == (3.0, 0.0)
    # sales only: 8 kg on weekdays and 12 at weekends, 9.14 kg a day on average
    assert rice["demand_per_day"] == pytest.approx(64_000 / 7, rel=0.1)
    z = NormalDist().inv_cdf(float(rice["service_level"]))  # type: ignore[arg-type]
    sigma = float(rice["forecast_error_per_day"])  # type: ignore[arg-type]
    assert rice["excursion_factor"] == 1.2
    assert rice["safety_stock"] == pytest.approx(1.2 * z * math.sqrt(3) * sigma, rel=1e-3)
    # 544 kg in, 512 sold, 8 given, 2 to another channel, 1 back: 23 kg, under the reorder
    # point; up to the order-up-to level is ~14 kg, 3 sacks, raised to the 20 kg minimum
    assert rice["free_stock"] == 23_000
    assert rice["reorder_point"] > 23_000
    assert rice["suggested_qty"] == "20000"
    assert body["suggestions"] == ["rice"]
    (cleaning,) = body["cleaning"]  # type: ignore[misc]
    assert cleaning["by_reason"] == {"gift": -8000.0, "channel_transfer": -2000.0}
    assert cleaning["raw"] - cleaning["cleaned"] == pytest.approx(8000 + 2000)


def test_the_cold_chain_raise_is_the_first_cause_of_the_safety_stock_change(
    restaurant: httpx.Client,
) -> None:
    _, rice = _rice(restaurant)
    change = rice["changes"]["safety_stock"]  # type: ignore[index]
    first = change["causes"][0]
    assert first["factor"] == "bump"
    assert first["on"] == str(TODAY - timedelta(days=3))
    assert "cold-chain excursion EXC-9" in first["en"]
    assert "冷链温度偏离EXC-9" in first["zh"]
    assert sum(c["amount"] for c in change["causes"]) == pytest.approx(
        change["after"] - change["before"], abs=0.01
    )


def test_the_order_is_explained_by_the_stock_that_ran_down(restaurant: httpx.Client) -> None:
    _, rice = _rice(restaurant)
    change = rice["changes"]["order_qty"]  # type: ignore[index]
    assert change["before"] == 0.0
    assert change["after"] == 20_000
    first = change["causes"][0]
    assert first["factor"] == "position"
    assert first["en"].startswith("stock on hand and on order fell from")
    assert first["zh"].startswith("在库及在途库存从")


def test_the_lead_time_comes_from_the_site_s_own_receipts(restaurant: httpx.Client) -> None:
    # four orders sent 10 days apart: three came in 3 days, the last one in 6
    asyncio.run(_deliveries(database_of(str(restaurant.base_url).rstrip("/")), [3, 3, 3, 6]))
    _, rice = _rice(restaurant)
    assert (rice["lead_time_source"], rice["lead_time_days"]) == ("receipts", 3.75)
    assert rice["lead_time_sd_days"] == pytest.approx(math.sqrt(3 * 0.75**2 + 2.25**2) / 2)
    causes = rice["changes"]["reorder_point"]["causes"]  # type: ignore[index]
    assert causes[0]["factor"] in ("lead", "sigma_l")
    late = str(TODAY - timedelta(days=4))
    lead = next(c for c in causes if c["factor"] == "lead")
    assert lead["en"].startswith(
        f"supplier guangzhou-grain's lead time rose from 3.0 to 3.8 days after the late "
        f"delivery of {late}: +"
    )
    assert lead["on"] == late


async def _deliveries(database_url: str, days: list[int]) -> None:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        for n, lead in enumerate(days):
            sent = DAY - timedelta(days=40 - 10 * n)
            await conn.execute(
                "INSERT INTO purchase_orders (site, po, supplier, document, steps, state,"
                " requested_by, sent_at) VALUES ('site-1', %s, 'guangzhou-grain', '{}',"
                " '{}', 'received', 'test', %s)",
                (f"po-{n}", sent),
            )
            await conn.execute(
                "INSERT INTO purchase_receipts (event_id, site, po, supplier, item, lot, qty,"
                " unit, at, lead_days) VALUES (%s, 'site-1', %s, 'guangzhou-grain', 'rice',"
                " %s, 20, 'kg', %s, %s)",
                (uuid.uuid4(), f"po-{n}", f"P{n}", sent + timedelta(days=lead), lead),
            )


def test_bad_questions_are_refused_by_name(restaurant: httpx.Client) -> None:
    answer = restaurant.get("/v1/sites/site-1/replenishment", params={"history_days": 3})
    assert answer.status_code == 422
    assert "history_days" in answer.text
    far = restaurant.get("/v1/sites/site-1/replenishment", params={"today": "9999-12-31"})
    assert far.status_code == 422
    assert "today" in far.text
    assert restaurant.get("/v1/sites/atlantis/replenishment").status_code == 404


def test_stock_on_order_is_in_the_position_and_the_suggestion_drops(
    restaurant: httpx.Client,
) -> None:
    # 30 kg ordered two days ago, 10 of them in yesterday; another order was cancelled
    asyncio.run(_open_orders(database_of(str(restaurant.base_url).rstrip("/"))))
    _, rice = _rice(restaurant)
    assert (rice["free_stock"], rice["on_order"]) == (23_000, 20_000)
    assert rice["reorder_point"] < 23_000 + 20_000
    assert rice["suggested_qty"] == "0"
    change = rice["changes"]["order_qty"]  # type: ignore[index]
    assert (change["before"], change["after"]) == (0.0, 0.0)


async def _open_orders(database_url: str) -> None:
    def order(po: str) -> str:
        line = {"item": "rice", "qty": "30", "unit": "kg", "unit_price": "6", "currency": "CNY"}
        return json.dumps({"po": po, "site": "site-1", "supplier": "guangzhou-grain",
                           "lines": [line]})  # fmt: skip

    asked = DAY - timedelta(days=2)
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        # shipped: the API attributes new receipts to it first (the tenant role may not)
        for po, state in (("po-open", "shipped"), ("po-gone", "cancelled")):
            await conn.execute(
                "INSERT INTO purchase_orders (site, po, supplier, document, steps, state,"
                " requested_by, requested_at, sent_at) VALUES ('site-1', %s, 'guangzhou-grain',"
                " %s, '{}', %s, 'test', %s, %s)",
                (po, order(po), state, asked, asked),
            )
            await conn.execute(
                "INSERT INTO purchase_order_history (site, po, n, state, by_whom, at)"
                " VALUES ('site-1', %s, 1, %s, 'test', %s)",
                (po, state, asked),
            )
        await conn.execute(
            "INSERT INTO purchase_receipts (event_id, site, po, supplier, item, lot, qty,"
            " unit, at, lead_days) VALUES (%s, 'site-1', 'po-open', 'guangzhou-grain', 'rice',"
            " 'P9', 10000, 'g', %s, 1)",
            (uuid.uuid4(), asked + timedelta(days=1)),
        )


PROMO_DAYS = (range(20, 23), range(41, 44))
"""Two past three-day promotions on which rice sold twice as much."""


def test_a_promotion_in_the_calendar_lifts_the_plan_and_is_named_as_its_cause(
    client: httpx.Client,
) -> None:
    drafts = [
        EventDraft("lot.received", FIRST + timedelta(hours=1), LotReceived(
            item="rice", lot="R0", location="dry", qty="900", unit="kg"))
    ]  # fmt: skip
    for day in range(7 * WEEKS):
        promoted = any(day in days for days in PROMO_DAYS)
        qty = str(int(_sold(day)) * (2 if promoted else 1))
        sale = StockIssued(item="rice", lot="R0", location="dry", qty=qty, unit="kg",
                           order=f"o{day}", kind="sale")  # fmt: skip
        drafts.append(EventDraft("stock.issued", FIRST + timedelta(days=day, hours=6), sale))
    answer = post_events(client, "r-1", AgentChain(agent="r-1", site="site-1").add(drafts))
    assert answer.status_code == 200, answer.text
    ahead = TODAY + timedelta(days=2)
    calendar = [
        {
            "name": f"Weekend deal {n}",
            "first": str((FIRST + timedelta(days=d[0])).date()),
            "last": str((FIRST + timedelta(days=d[-1])).date()),
            "items": ["rice"],
        }
        for n, d in enumerate(PROMO_DAYS)
    ] + [{"name": "Double 12", "first": str(ahead), "last": str(ahead + timedelta(days=2))}]
    master = MASTER.model_dump(mode="json") | {"promotions": calendar}
    put = client.put("/v1/sites/site-1/masterdata", json=master)
    assert put.status_code == 200, put.text
    _, rice = _rice(client)
    assert rice["method"] == "ets+known"
    p50 = rice["forecast_p50"]
    assert p50[1] > 1.6 * p50[0]  # the promotion's first day against the day before it
    causes = rice["changes"]["reorder_point"]["causes"]  # type: ignore[index]
    first = causes[0]
    assert first["factor"] == "known_lift"
    assert first["en"].startswith(f"promotion “Double 12” from {ahead} (demand ×1.")
    assert first["zh"].startswith(f"{ahead}起促销 “Double 12”")
    assert first["on"] == str(ahead)
    assert first["amount"] > 0


def test_a_promotion_that_ends_before_it_starts_is_refused_by_name(client: httpx.Client) -> None:
    bad = {"name": "Backwards", "first": "2026-12-12", "last": "2026-12-10"}
    master = MASTER.model_dump(mode="json") | {"promotions": [bad]}
    put = client.put("/v1/sites/site-1/masterdata", json=master)
    assert put.status_code == 422
    assert "last day 2026-12-10 is before first day 2026-12-12" in put.text
