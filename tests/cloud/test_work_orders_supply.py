"""The kitting board counts what a supplier has shipped, over real HTTP and PostgreSQL: a
purchase order's advance shipping notice makes its lines still to come arrivals at the
notice's ETA, beside transfers in transit; an order only sent is not on its way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from tests.cloud.live import database_of
from tests.cloud.test_purchase_orders import SSCC
from tests.cloud.test_transfers import _setup
from tests.cloud.test_work_orders import MASTERDATA

ETA = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)


def order(client: httpx.Client, po: str, qty: str) -> None:
    line = {"item": "cable-set", "qty": qty, "unit": "each", "unit_price": "3.5",
            "currency": "CNY"}  # fmt: skip
    body = {"po": po, "supplier": "harness-co", "lines": [line]}
    made = client.post("/v1/sites/site-1/purchase-orders", json=body)
    assert made.status_code == 201, made.text


def test_a_shipped_purchase_order_is_an_arrival_on_the_kitting_board(
    client: httpx.Client,
) -> None:
    assert client.put("/v1/sites/site-1/masterdata", json=MASTERDATA).status_code == 200
    org = asyncio.run(_setup(database_of(str(client.base_url).rstrip("/"))))
    key = client.put(f"/v1/orgs/{org}/suppliers/harness-co", json={}).json()["api_key"]
    order(client, "po-ship", "2")
    order(client, "po-wait", "50")  # sent, not shipped: not on its way yet
    notice = {
        "site": "site-1", "po": "po-ship", "asn": "asn-1",
        "shipped_at": datetime.now(UTC).isoformat(), "expected_at": ETA.isoformat(),
        "packages": [{"sscc": SSCC, "lots": [
            {"item": "cable-set", "lot": "C-9", "qty": "2", "unit": "each"}]}],
    }  # fmt: skip
    shipped = client.post("/v1/suppliers/harness-co/asn", json=notice,
                          headers={"X-Supplier-Key": key})  # fmt: skip
    assert shipped.status_code == 200, shipped.text
    body = {"work_order": "wo-1", "product": "robot-arm", "qty": 2}
    assert client.post("/v1/sites/site-1/work-orders", json=body).status_code == 201
    board = client.get("/v1/sites/site-1/work-orders/wo-1/kitting").json()
    cables = next(line for line in board["lines"] if line["item"] == "cable-set")
    assert (Decimal(cables["in_transit"]), cables["status"]) == (2, "arriving")
    assert cables["eta"] == cables["ready_at"] == ETA.isoformat()
