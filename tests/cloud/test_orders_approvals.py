"""Approval steps from the org settings gate an order transition: it waits for each step,
approved by a holder of the role and never by whoever fired it; a refusal drops it; a role
lent until a time lets the delegate approve until then and not after."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from tests.cloud.live import database_of
from tests.cloud.orders_world import make_people, person, put_example_lifecycle

STEP = {"action": "order.transition", "transition": "customer_confirmed", "role": "finance"}


def _to_confirmation(url: str, client: httpx.Client, order: str) -> httpx.Response:
    """Open ``order``, take its deposit, send the sample and ask to confirm it (as sales)."""
    body = {"order": order, "order_type": "made-to-order", "customer": "mei", "total": "1000",
            "currency": "CNY"}  # fmt: skip
    assert client.post("/v1/sites/site-1/orders", json=body).status_code == 201
    base = f"/v1/sites/site-1/orders/{order}"
    with person(url, "sales@example.com") as sales:
        sales.post(f"{base}/payments", json={"kind": "deposit", "amount": "300"})
        assert sales.post(f"{base}/transitions/deposit_received").status_code == 200
        with person(url, "maker@example.com") as maker:
            assert maker.post(f"{base}/transitions/sample_sent").status_code == 200
        return sales.post(f"{base}/transitions/customer_confirmed")


def test_a_step_without_its_transition_is_refused(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    bare = {"approval_steps": [{"action": "order.transition", "role": "finance"}]}
    answer = client.put(f"/v1/orgs/{org}/settings", json=bare)
    assert answer.status_code == 422
    assert "transition: named for action order.transition" in answer.text
    mode = client.put(f"/v1/orgs/{org}/settings", json={"order_mode": "by_magic"})
    assert mode.status_code == 422


def test_an_approval_gates_a_transition_with_four_eyes(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    put_example_lifecycle(client, org)
    assert client.put(f"/v1/orgs/{org}/settings", json={"approval_steps": [STEP]}).is_success
    asked = _to_confirmation(url, client, "o-1")
    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert body["state"] == "sample"
    assert body["pending"] == {"transition": "customer_confirmed", "waiting_for": "finance",
                               "requested_by": "sales@example.com"}  # fmt: skip
    base = "/v1/sites/site-1/orders/o-1"
    blocked = client.post(f"{base}/transitions/cancel")
    assert (blocked.status_code, blocked.json()["error"]) == (409, "pending_approval")
    with person(url, "sales@example.com") as sales:
        own = sales.post(f"{base}/approve", json={})
    assert (own.status_code, own.json()["error"]) == (403, "four_eyes")
    with person(url, "wh@example.com") as warehouse:
        wrong = warehouse.post(f"{base}/approve", json={})
    assert (wrong.status_code, wrong.json()["error"]) == (403, "not_approver")
    with person(url, "fin@example.com") as finance:
        done = finance.post(f"{base}/approve", json={"note": "deposit checked"})
        twice = finance.post(f"{base}/approve", json={})
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["pending"]) == ("confirmed", None)
    approval, moved = done.json()["recorded"]
    assert (approval["kind"], approval["by"]) == ("order.approval", "fin@example.com")
    assert approval["data"] == {"transition": "customer_confirmed", "role": "finance",
                                "approved": True, "note": "deposit checked"}  # fmt: skip
    assert approval["at"]
    assert (moved["kind"], moved["by"]) == ("order.transitioned", "sales@example.com")
    assert (twice.status_code, twice.json()["error"]) == (409, "not_awaiting")

    _to_confirmation(url, client, "o-2")
    with person(url, "fin@example.com") as finance:
        no = finance.post("/v1/sites/site-1/orders/o-2/refuse", json={"note": "not yet"})
    assert (no.json()["state"], no.json()["pending"]) == ("sample", None)
    assert no.json()["recorded"][0]["data"]["approved"] is False


def test_a_delegate_approves_until_the_delegation_ends(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    database = database_of(url)
    org = asyncio.run(make_people(database))
    put_example_lifecycle(client, org)
    assert client.put(f"/v1/orgs/{org}/settings", json={"approval_steps": [STEP]}).is_success
    until = (datetime.now(UTC) + timedelta(hours=8)).isoformat()
    lend = {"role": "finance", "to": "wh@example.com", "until": until}
    with person(url, "wh@example.com") as warehouse:
        nothing = warehouse.post("/v1/sites/site-1/delegations", json=lend)
    assert (nothing.status_code, nothing.json()["error"]) == (403, "not_holder")
    with person(url, "fin@example.com") as finance:
        lent = finance.post("/v1/sites/site-1/delegations", json=lend)
        stranger = finance.post("/v1/sites/site-1/delegations", json={**lend, "to": "x@y.org"})
    assert lent.status_code == 201, lent.text
    assert (stranger.status_code, stranger.json()["error"]) == (404, "unknown_user")

    _to_confirmation(url, client, "o-1")
    with person(url, "wh@example.com") as warehouse:
        done = warehouse.post("/v1/sites/site-1/orders/o-1/approve", json={})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "confirmed"

    with psycopg.connect(database, autocommit=True) as conn:  # the delegation has ended
        conn.execute(
            "UPDATE grants SET valid_from = now() - interval '9 hours',"
            " valid_until = now() - interval '1 minute' WHERE id = %s",
            (lent.json()["grant"],),
        )
    _to_confirmation(url, client, "o-2")
    with person(url, "wh@example.com") as warehouse:
        late = warehouse.post("/v1/sites/site-1/orders/o-2/approve", json={})
    assert (late.status_code, late.json()["error"]) == (403, "not_approver")


def test_the_guards_are_checked_again_at_the_last_approval(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    put_example_lifecycle(client, org)
    ship = {"action": "order.transition", "transition": "ship", "role": "finance"}
    assert client.put(f"/v1/orgs/{org}/settings", json={"approval_steps": [ship]}).is_success
    assert _to_confirmation(url, client, "o-1").json()["state"] == "confirmed"  # not gated
    base = "/v1/sites/site-1/orders/o-1"
    client.post(f"{base}/payments", json={"kind": "balance", "amount": "700"})
    with person(url, "maker@example.com") as maker:
        asked = maker.post(f"{base}/transitions/ship").json()
    assert asked["pending"]["waiting_for"] == "finance"
    client.post(f"{base}/payments", json={"kind": "refund", "amount": "100"})
    with person(url, "fin@example.com") as finance:
        early = finance.post(f"{base}/approve", json={})
        assert (early.status_code, early.json()["error"]) == (409, "guard")
        assert "balance due 100 is over 0" in early.json()["message"]
        still = client.get(base).json()
        assert (still["state"], still["pending"]["transition"]) == ("confirmed", "ship")
        assert "order.approval" not in {e["kind"] for e in still["journal"]}  # nothing half done
        client.post(f"{base}/payments", json={"kind": "balance", "amount": "100"})
        done = finance.post(f"{base}/approve", json={})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "shipped"
    actions = [e["data"] for e in done.json()["recorded"] if e["kind"] == "order.action"]
    assert actions == [{"action": "reserve_stock", "status": "failed",  # a stock-mode site
                        "why": "order 'o-1' has no lines to reserve"}]  # fmt: skip


def test_a_lifecycle_under_another_name_is_refused(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(make_people(database_of(url)))
    cycle = put_example_lifecycle(client, org)
    body = cycle.model_dump(mode="json", by_alias=True)
    answer = client.put(f"/v1/orgs/{org}/lifecycles/studio", json=body)
    assert (answer.status_code, answer.json()["error"]) == (422, "order_type_mismatch")
