"""Orders over real HTTP and PostgreSQL: a lifecycle set as data, transitions refused with
their reason (role, state, guard), deposits, balances and refunds, the customer's notes on
the next order, shared costs hidden from those without the cost field, and a journal whose
hash chain checks and that refuses to be rewritten."""

from __future__ import annotations

import asyncio

import httpx
import psycopg
import pytest
from psycopg import AsyncConnection

from cloud.orders.journal import broken_links
from tests.cloud.live import database_of
from tests.cloud.orders_world import make_people, person, put_example_lifecycle

ORDER = {
    "order": "o-1", "order_type": "made-to-order", "customer": "mei",
    "customer_name": "Mei Studio", "total": "1000", "currency": "CNY",
}  # fmt: skip


def _refusal(answer: httpx.Response) -> tuple[int, str, str]:
    body = answer.json()
    return answer.status_code, body.get("error", ""), body.get("message", "")


def test_a_lifecycle_with_a_mistake_is_refused_naming_the_field(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    bad = {
        "order_type": "studio", "initial": "design", "states": ["design", "paid"],
        "transitions": [{"name": "pay", "from": ["design"], "to": "gone"}],
    }  # fmt: skip
    answer = client.put(f"/v1/orgs/{org}/lifecycles/studio", json=bad)
    assert answer.status_code == 422, answer.text
    assert "'gone' is not one of the states" in answer.text
    assert "transitions" in answer.text
    unknown = client.post("/v1/sites/site-1/orders", json={**ORDER, "order_type": "studio"})
    assert _refusal(unknown)[:2] == (422, "unknown_order_type")


def test_transitions_refused_with_their_reason_and_money_that_adds_up(
    client: httpx.Client,
) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    put_example_lifecycle(client, org)
    made = client.post("/v1/sites/site-1/orders", json=ORDER)
    assert made.status_code == 201, made.text
    assert (made.json()["state"], made.json()["next"]) == ("design", ["deposit_received", "cancel"])
    again = client.post("/v1/sites/site-1/orders", json=ORDER)
    assert _refusal(again)[:2] == (409, "order_exists")

    fire = "/v1/sites/site-1/orders/o-1/transitions/"
    assert _refusal(client.post(fire + "deposit_received")) == (
        403, "not_allowed", "'deposit_received' is fired by sales"
    )  # fmt: skip
    with person(url, "sales@example.com") as sales:
        status, code, message = _refusal(sales.post(fire + "deposit_received"))
        assert (status, code) == (409, "guard")
        assert "needs 30 % paid, 0.0 % received (0 of 1000)" in message
        pay = "/v1/sites/site-1/orders/o-1/payments"
        assert _refusal(sales.post(pay, json={"kind": "refund", "amount": "1"}))[:2] == (
            422, "refund_over_paid"
        )  # fmt: skip
        assert _refusal(sales.post(pay, json={"kind": "deposit", "amount": "1001"}))[:2] == (
            422, "over_balance"
        )  # fmt: skip
        paid = sales.post(pay, json={"kind": "deposit", "amount": "250"})
        assert (paid.json()["paid"], paid.json()["balance_due"]) == ("250", "750")
        assert "25.0 % received" in _refusal(sales.post(fire + "deposit_received"))[2]
        sales.post(pay, json={"kind": "deposit", "amount": "100"})
        back = sales.post(pay, json={"kind": "refund", "amount": "50"}).json()
        assert (back["paid"], back["balance_due"]) == ("300", "700")
        moved = sales.post(fire + "deposit_received")
        assert moved.status_code == 200, moved.text
        body = moved.json()
        assert body["state"] == "deposit_paid"
        assert [e["kind"] for e in body["recorded"]] == ["order.transitioned", "order.action"]
        assert body["recorded"][1]["data"] == {  # no lines to make: the person sees why
            "action": "create_order", "kind": "production", "note": "make the sample",
            "status": "failed", "why": "order 'o-1' has no lines to make or buy",
        }  # fmt: skip
        wrong = _refusal(sales.post(fire + "ship"))
        assert wrong == (409, "wrong_state", "'ship' fires from confirmed, not from 'deposit_paid'")
        assert _refusal(sales.post(fire + "teleport"))[:2] == (404, "unknown_transition")
    kinds = [e["kind"] for e in client.get("/v1/sites/site-1/orders/o-1").json()["journal"]]
    assert kinds == ["order.created", "payment.received", "payment.received",
                     "payment.refunded", "order.transitioned", "order.action"]  # fmt: skip


def test_the_customers_notes_surface_on_the_next_order(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    put_example_lifecycle(client, org)
    first = client.post("/v1/sites/site-1/orders", json=ORDER).json()
    assert first["customer_notes"] == []
    notes = "/v1/sites/site-1/orders/o-1/notes"
    assert client.post(notes, json={"text": "likes muted colours"}).status_code == 200
    assert client.post(notes, json={"text": "sent the mood board", "kind": "message"}).is_success
    apart = client.post("/v1/sites/site-2/customers/mei/notes", json={"text": "needs a 3-day rush"})
    assert apart.status_code == 201, apart.text
    nobody = client.post("/v1/sites/site-1/customers/nobody/notes", json={"text": "x"})
    assert _refusal(nobody)[:2] == (404, "unknown_customer")

    second = client.post("/v1/sites/site-2/orders", json={**ORDER, "order": "o-2"})
    assert second.status_code == 201, second.text
    shown = [n["data"]["text"] for n in second.json()["customer_notes"]]
    assert shown == ["likes muted colours", "needs a 3-day rush"]  # the message is no note

    profile = client.get("/v1/sites/site-1/customers/mei").json()
    assert profile["name"] == "Mei Studio"
    assert [(o["site"], o["order"]) for o in profile["orders"]] == [
        ("site-1", "o-1"), ("site-2", "o-2")
    ]  # fmt: skip
    assert [e["kind"] for e in profile["timeline"]] == [
        "order.created", "note.added", "message.added", "note.added", "order.created"
    ]  # fmt: skip
    missing = client.get("/v1/sites/site-1/customers/nobody")
    assert _refusal(missing)[:2] == (404, "unknown_customer")


def test_shared_costs_are_allocated_and_hidden_without_the_cost_field(
    client: httpx.Client,
) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    put_example_lifecycle(client, org)
    client.post("/v1/sites/site-1/orders", json=ORDER)
    client.post("/v1/sites/site-1/orders", json={**ORDER, "order": "o-2", "total": "500"})
    shared = {"category": "photography", "amount": "100", "orders": ["o-1", "o-2"],
              "rule": "by_total"}  # fmt: skip
    booked = client.post("/v1/sites/site-1/order-costs", json=shared)
    assert booked.status_code == 200, booked.text
    assert booked.json()["shares"] == {"o-1": "66.67", "o-2": "33.33"}
    sample = {"category": "sample", "amount": "40", "orders": ["o-1"]}
    assert client.post("/v1/sites/site-1/order-costs", json=sample).status_code == 200
    order = client.get("/v1/sites/site-1/orders/o-1").json()
    assert order["costs"] == {"photography": "66.67", "sample": "40.00"}
    assert (order["cost_of_goods"], order["margin"]) == ("106.67", "893.33")
    missing = {**sample, "orders": ["o-1", "o-9"]}
    assert _refusal(client.post("/v1/sites/site-1/order-costs", json=missing))[:2] == (
        404, "unknown_order"
    )  # fmt: skip
    with person(url, "wh@example.com") as warehouse:
        seen = warehouse.get("/v1/sites/site-1/orders/o-1").json()
        refused = warehouse.post("/v1/sites/site-1/order-costs", json=sample)
        profile = warehouse.get("/v1/sites/site-1/customers/mei").json()
    assert seen["total"] == "1000"
    assert {"costs", "cost_of_goods", "margin"}.isdisjoint(seen)
    assert "cost.booked" not in {e["kind"] for e in seen["journal"]}
    assert "cost.booked" not in {e["kind"] for e in profile["timeline"]}
    assert refused.status_code == 403


def test_the_journal_is_a_hash_chain_that_cannot_be_rewritten(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    database = database_of(url)
    org = asyncio.run(make_people(database))
    put_example_lifecycle(client, org)
    client.post("/v1/sites/site-1/orders", json=ORDER)
    client.post("/v1/sites/site-1/orders/o-1/payments", json={"kind": "deposit", "amount": "5"})
    client.post("/v1/sites/site-1/orders/o-1/notes", json={"text": "prefers WeChat"})

    async def check() -> list[int]:
        async with await AsyncConnection.connect(database, autocommit=True) as conn:
            return await broken_links(conn, org)

    assert asyncio.run(check()) == []
    with psycopg.connect(database, autocommit=True) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM order_journal ORDER BY seq")]
        assert seqs == [1, 2, 3]
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE order_journal SET data = '{}' WHERE seq = 2")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM order_journal WHERE seq = 2")
