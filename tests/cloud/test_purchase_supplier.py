"""The supplier simulator against the real cloud: an approved order goes to the supplier's
API over HTTP, which confirms it with a promised day and ships it with an advance shipping
notice by its seeded plan (on time, late, short)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest

from domain.gs1 import checked_key
from simulators.supplier_api import SupplierPlan, SupplierSimulator
from tests.cloud.live import database_of
from tests.cloud.test_transfers import _setup

PLAN = SupplierPlan(seed=7, lead_days=2, late_share=0.3, late_days=3, short_share=0.3)


def test_the_plan_is_drawn_from_the_seed_and_the_order_alone() -> None:
    outcomes = [PLAN.outcome(f"po-{n}") for n in range(200)]
    assert outcomes == [SupplierPlan(seed=7, late_share=0.3, short_share=0.3).outcome(f"po-{n}")
                        for n in range(200)]  # fmt: skip
    shares = {kind: outcomes.count(kind) / 200 for kind in ("on_time", "late", "short")}
    assert shares["late"] == pytest.approx(0.3, abs=0.1)
    assert shares["short"] == pytest.approx(0.3, abs=0.1)
    assert outcomes != [SupplierPlan(seed=8).outcome(f"po-{n}") for n in range(200)]
    assert checked_key(PLAN.sscc(12)) == "006141410000000128"


@pytest.fixture
def supplier(client: httpx.Client) -> Iterator[SupplierSimulator]:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(_setup(database_of(url)))
    key = client.put(f"/v1/orgs/{org}/suppliers/dongguan", json={}).json()["api_key"]
    simulator = SupplierSimulator(url, "dongguan", key, PLAN)
    endpoint = simulator.start()
    try:
        made = client.put(f"/v1/orgs/{org}/suppliers/dongguan", json={"endpoint": endpoint})
        simulator.key = made.json()["api_key"]  # a new PUT makes a new key: the old one is void
        yield simulator
    finally:
        simulator.stop()


def test_the_supplier_confirms_and_ships_each_order_by_its_plan(
    client: httpx.Client, supplier: SupplierSimulator
) -> None:
    wanted: dict[str, str | None] = {"on_time": None, "late": None, "short": None}
    for n in range(100):
        outcome = PLAN.outcome(f"po-{n}")
        wanted[outcome] = wanted[outcome] or f"po-{n}"
    for kind, po in wanted.items():
        assert po is not None, kind
        line = {"item": "rice", "qty": "25", "unit": "kg", "unit_price": "6", "currency": "CNY"}
        body = {"po": po, "supplier": "dongguan", "lines": [line]}
        made = client.post("/v1/sites/site-1/purchase-orders", json=body)
        assert made.status_code == 201, made.text
        assert made.json()["delivery_problem"] is None
        assert made.json()["delivered_at"] is not None
        answer = supplier.wait_for(po)
        assert answer.errors == []
        order = client.get(f"/v1/sites/site-1/purchase-orders/{po}").json()
        assert order["state"] == "shipped"
        assert [c["state"] for c in order["history"]][-2:] == ["confirmed", "shipped"]
        (lot,) = order["asn"]["packages"][0]["lots"]
        sent = order["sent_at"][:10]
        days = (_day(order["promised_on"]) - _day(sent)).days
        assert days == (5 if kind == "late" else 2), (kind, order["promised_on"], sent)
        assert Decimal(lot["qty"]) == (Decimal(20) if kind == "short" else Decimal(25))
    again = httpx.post(f"{supplier.url}/orders", json=order["order"], timeout=10)
    assert (again.status_code, again.json()["taken"]) == (200, False)  # keyed by the order id


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])
