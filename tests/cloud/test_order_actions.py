"""A transition's actions are executed, once, in its transaction: a notification its role's
holders read, a work order from the site's bill of materials (sent down to the site), a
draft purchase order; an action that cannot be done is journaled failed with why and the
transition stands. Real HTTP and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import psycopg

from tests.cloud.live import database_of
from tests.cloud.orders_world import make_people, person
from tests.cloud.test_work_orders import MASTERDATA, workorder_documents

CYCLE = {
    "order_type": "custom-arm",
    "initial": "quoted",
    "states": ["quoted", "making", "done", "cancelled"],
    "transitions": [
        {"name": "go", "from": ["quoted"], "to": "making", "actions": [
            {"notify": {"role": "sales", "message": "arm order started: tell the customer"}},
            {"create_order": {"kind": "production", "note": "build it"}},
            {"create_order": {"kind": "purchase", "supplier": "acme", "note": "spares"}},
        ]},
        {"name": "finish", "from": ["making"], "to": "done",
         "actions": [{"reserve_stock": {}}]},
        {"name": "cancel", "from": ["done"], "to": "cancelled",
         "actions": [{"release_stock": {}}]},
    ],
}  # fmt: skip
ARMS = [{"item": "robot-arm", "qty": "2", "unit": "each"}]
ORDER = {"order": "o-1", "order_type": "custom-arm", "customer": "li", "total": "9000",
         "currency": "CNY", "lines": ARMS}  # fmt: skip


def _set_up(client: httpx.Client, *, masterdata: bool) -> str:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    answer = client.put(f"/v1/orgs/{org}/lifecycles/custom-arm", json=CYCLE)
    assert answer.status_code == 204, answer.text
    if masterdata:
        assert client.put("/v1/sites/site-1/masterdata", json=MASTERDATA).status_code == 200
    assert client.post("/v1/sites/site-1/orders", json=ORDER).status_code == 201
    return url


def _actions(answer: httpx.Response) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    return [e["data"] for e in answer.json()["recorded"] if e["kind"] == "order.action"]


def test_each_action_is_done_once_in_the_transition(client: httpx.Client) -> None:
    url = _set_up(client, masterdata=True)
    moved = client.post("/v1/sites/site-1/orders/o-1/transitions/go")
    seq = moved.json()["recorded"][0]["seq"]
    notify, produce, purchase = _actions(moved)
    assert (notify["status"], notify["role"]) == ("done", "sales")
    assert produce == {"action": "create_order", "kind": "production", "note": "build it",
                       "status": "done", "work_orders": [f"o-1-wo{seq}-1"]}  # fmt: skip
    assert purchase["status"] == "done"
    assert purchase["purchase_order"] == f"o-1-po{seq}"

    [work] = workorder_documents(client, "site-1")
    assert (work["work_order"], work["product"], work["qty"]) == (f"o-1-wo{seq}-1", "robot-arm", 2)
    assert {line["item"] for line in work["lines"]} == {"cable-set", "servo-motor", "reducer"}
    po = client.get(f"/v1/sites/site-1/purchase-orders/o-1-po{seq}")
    assert po.status_code == 200, po.text
    assert po.json()["state"] == "draft"

    with person(url, "sales@example.com") as sales:
        [seen] = sales.get("/v1/sites/site-1/notifications").json()
    assert (seen["message"], seen["order_id"]) == ("arm order started: tell the customer", "o-1")
    with person(url, "fin@example.com") as finance:
        assert finance.get("/v1/sites/site-1/notifications").json() == []

    again = client.post("/v1/sites/site-1/orders/o-1/transitions/go")
    assert (again.status_code, again.json()["error"]) == (409, "wrong_state")
    with psycopg.connect(database_of(url)) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM work_orders), (SELECT count(*) FROM purchase_orders),"
            " (SELECT count(*) FROM order_notifications)"
        ).fetchone()
    assert counts == (1, 1, 1)

    finished = client.post("/v1/sites/site-1/orders/o-1/transitions/finish")
    [reserved] = _actions(finished)  # site-1 keeps stock: the lines are reserved there
    assert reserved["status"] == "done"
    [seq] = reserved["documents"]
    documents = client.get("/v1/sites/site-1/downlink").json()["documents"]
    [body] = [json.loads(d["body"]) for d in documents if d["seq"] == seq]
    assert body["kind"] == "reservation"
    assert body["content"]["reserve"] | {"operator": None} == {
        "item": "robot-arm", "qty": "2", "unit": "each", "reference": "o-1",
        "reserved_for": "customer_order", "lot": None, "location": None, "until": None,
        "operator": None}  # fmt: skip

    cancelled = client.post("/v1/sites/site-1/orders/o-1/transitions/cancel")
    [released] = _actions(cancelled)  # the reservation ends: the stock is free for others
    assert (released["action"], released["status"]) == ("release_stock", "done")
    [seq] = released["documents"]
    documents = client.get("/v1/sites/site-1/downlink").json()["documents"]
    [body] = [json.loads(d["body"]) for d in documents if d["seq"] == seq]
    assert (body["kind"], body["content"]["release"], body["content"]["reason"]) == (
        "reservation", "o-1", "cancelled")  # fmt: skip


def test_an_action_that_cannot_be_done_is_journaled_failed_and_the_move_stands(
    client: httpx.Client,
) -> None:
    url = _set_up(client, masterdata=False)  # no bill of materials for robot-arm
    moved = client.post("/v1/sites/site-1/orders/o-1/transitions/go")
    notify, produce, purchase = _actions(moved)
    assert moved.json()["state"] == "making"
    assert produce["status"] == "failed"
    assert produce["why"].startswith("no_bom: the site's master data has no bill of materials")
    assert (notify["status"], purchase["status"]) == ("done", "done")
    assert workorder_documents(client, "site-1") == []
    journal = client.get("/v1/sites/site-1/orders/o-1").json()["journal"]
    assert [e["data"].get("status") for e in journal if e["kind"] == "order.action"] == [
        "done", "failed", "done"]  # fmt: skip
    with person(url, "sales@example.com") as sales:
        assert len(sales.get("/v1/sites/site-1/notifications").json()) == 1
