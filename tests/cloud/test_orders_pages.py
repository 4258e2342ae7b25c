"""The order and customer pages over real HTTP and a real session: the order's state, money,
pending approval and journal; the customer's notes from every order; costs only for people
with the cost field."""

from __future__ import annotations

import asyncio

import httpx

from tests.cloud.live import database_of
from tests.cloud.orders_world import make_people, put_example_lifecycle
from tests.cloud.test_reports_page import signed_in

ORDER = {"order": "o-1", "order_type": "made-to-order", "customer": "mei",
         "customer_name": "Mei Studio", "total": "1000", "currency": "CNY"}  # fmt: skip


def test_order_and_customer_pages(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    put_example_lifecycle(client, org)
    assert client.post("/v1/sites/site-1/orders", json=ORDER).status_code == 201
    base = "/v1/sites/site-1/orders/o-1"
    client.post(f"{base}/payments", json={"kind": "deposit", "amount": "300"})
    client.post(f"{base}/notes", json={"text": "likes muted colours"})
    cost = {"category": "sample", "amount": "50", "orders": ["o-1"]}
    assert client.post("/v1/sites/site-1/order-costs", json=cost).status_code == 200

    with signed_in(url, "fin@example.com") as finance:
        order = finance.get("/ui/sites/site-1/orders/o-1")
        customer = finance.get("/ui/sites/site-1/customers/mei")
        missing = finance.get("/ui/sites/site-1/orders/o-9")
    assert order.status_code == 200, order.text
    assert '<dd id="state">design</dd>' in order.text
    assert '<dd id="paid">300</dd>' in order.text
    assert '<dd id="due">700</dd>' in order.text
    assert '<dd id="margin">950.00</dd>' in order.text
    assert "cost.booked" in order.text
    assert "deposit_received, cancel" in order.text
    assert customer.status_code == 200, customer.text
    assert "<h1>Mei Studio</h1>" in customer.text
    assert "likes muted colours" in customer.text.split('id="notes"', 1)[1].split("</ul>")[0]
    assert missing.status_code == 404
    assert "no order &#39;o-9&#39; at &#39;site-1&#39;" in missing.text

    with signed_in(url, "wh@example.com") as warehouse:
        hidden = warehouse.get("/ui/sites/site-1/orders/o-1")
        timeline = warehouse.get("/ui/sites/site-1/customers/mei")
    assert 'id="margin"' not in hidden.text
    assert "cost.booked" not in hidden.text
    assert "cost.booked" not in timeline.text
