"""The order and customer pages over real HTTP and a real session: the order's state, money,
pending approval and journal; the customer's notes from every order; costs only for people
with the cost field."""

from __future__ import annotations

import asyncio
import re

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


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def test_the_order_page_fires_records_payments_and_notes(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    put_example_lifecycle(client, org)
    assert client.post("/v1/sites/site-1/orders", json=ORDER).status_code == 201
    page = "/ui/sites/site-1/orders/o-1"
    htmx = {"HX-Request": "true"}
    with signed_in(url, "sales@example.com") as sales:
        csrf = _csrf(sales.get(page))
        assert f'hx-post="{page}/transitions/deposit_received"' in sales.get(page).text
        early = sales.post(f"{page}/transitions/deposit_received", data={"csrf": csrf})
        early_htmx = sales.post(f"{page}/transitions/deposit_received", data={"csrf": csrf},
                                headers=htmx)  # fmt: skip
        paid = sales.post(f"{page}/payments", data={"csrf": csrf, "kind": "deposit",
                                                    "amount": "300"}, headers=htmx)  # fmt: skip
        too_much = sales.post(f"{page}/payments", data={"csrf": csrf, "kind": "balance",
                                                        "amount": "5000"})  # fmt: skip
        moved = sales.post(f"{page}/transitions/deposit_received", data={"csrf": csrf},
                           headers=htmx)  # fmt: skip
        noted = sales.post(f"{page}/notes", data={"csrf": csrf, "text": "wants linen next"})
        forged = sales.post(f"{page}/notes", data={"csrf": "x" * 30, "text": "forged"})
    assert early.status_code == 409
    assert "Refused (guard): needs 30 % paid, 0.0 % received (0 of 1000)" in early.text
    assert early_htmx.status_code == 200  # htmx swaps no 4xx: the reason is on the page
    assert 'id="refused"' in early_htmx.text
    assert paid.status_code == 200, paid.text
    assert '<dd id="paid">300</dd>' in paid.text
    assert "deposit of 300 recorded." in paid.text
    assert too_much.status_code == 422
    assert "balance 5000 is more than the balance due 700" in too_much.text
    assert '<dd id="state">deposit_paid</dd>' in moved.text
    assert noted.status_code == 200, noted.text
    assert "wants linen next" in noted.text
    assert forged.status_code == 403
    journal = client.get("/v1/sites/site-1/orders/o-1").json()["journal"]
    assert [e["kind"] for e in journal][-3:] == [
        "order.transitioned", "order.action", "note.added"]  # fmt: skip
    assert journal[-1]["by"] == "sales@example.com"

    with signed_in(url, "fin@example.com") as finance:  # stock.read only: no forms to act
        shown = finance.get(page)
        csrf = _csrf(shown) if 'name="csrf"' in shown.text else "x" * 30
        refused = finance.post(f"{page}/notes", data={"csrf": csrf, "text": "hi"})
    assert 'id="act"' not in shown.text
    assert refused.status_code == 403


def test_the_step_a_transition_waits_for_is_decided_from_the_page(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    put_example_lifecycle(client, org)
    step = {"action": "order.transition", "transition": "deposit_received", "role": "finance"}
    assert client.put(f"/v1/orgs/{org}/settings", json={"approval_steps": [step]}).is_success
    for order in ("o-1", "o-2"):
        assert client.post("/v1/sites/site-1/orders", json={**ORDER, "order": order}).is_success
    page = "/ui/sites/site-1/orders/{}"
    with signed_in(url, "sales@example.com") as sales:
        csrf = _csrf(sales.get(page.format("o-1")))
        for order in ("o-1", "o-2"):
            sales.post(f"{page.format(order)}/payments",
                       data={"csrf": csrf, "kind": "deposit", "amount": "300"})  # fmt: skip
            asked = sales.post(f"{page.format(order)}/transitions/deposit_received",
                               data={"csrf": csrf})  # fmt: skip
            assert 'id="pending"' in asked.text
        own = sales.post(f"{page.format('o-1')}/decision",
                         data={"csrf": csrf, "verdict": "approve"})  # fmt: skip
    assert own.status_code == 403
    assert "Refused (four_eyes): whoever asked for it cannot approve it" in own.text
    with signed_in(url, "fin@example.com") as finance:  # stock.read and the finance role
        shown = finance.get(page.format("o-1"))
        assert 'id="decision"' in shown.text
        csrf = _csrf(shown)
        approval = {"csrf": csrf, "verdict": "approve", "note": "deposit seen"}
        yes = finance.post(f"{page.format('o-1')}/decision", data=approval)
        no = finance.post(f"{page.format('o-2')}/decision",
                          data={"csrf": csrf, "verdict": "refuse"})  # fmt: skip
    assert yes.status_code == 200, yes.text
    assert '<dd id="state">deposit_paid</dd>' in yes.text
    assert 'id="pending"' not in yes.text
    assert '<dd id="state">design</dd>' in no.text
    assert "Refused: the transition is dropped." in no.text
    approval = [e for e in client.get("/v1/sites/site-1/orders/o-1").json()["journal"]
                if e["kind"] == "order.approval"]  # fmt: skip
    assert [(a["by"], a["data"]["note"]) for a in approval] == [("fin@example.com", "deposit seen")]
