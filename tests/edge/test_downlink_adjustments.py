"""Stock adjustments made in the cloud, gated by the org's threshold and approval steps, and
applied once by the site's agent: a real cloud (HTTP on 127.0.0.1, PostgreSQL) and a real
SQLite store with its writer and down-channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from domain.ledger import StockKey
from domain.quantity import Quantity, Unit
from edge_agent.store import EdgeStore
from tests.cloud.orders_world import make_people, person
from tests.domain.factories import received
from tests.edge.downlink_world import Edge, cloud, prepare, running_edge, trusted
from tests.pg import database_url, migrated_template, postgres_server

__all__ = ["database_url", "migrated_template", "postgres_server"]

BASE = "/v1/sites/site-1/adjustments"
STEPS = [{"action": "stock.adjust", "role": "finance"}]
KG5 = {"qty": "5", "unit": "kg"}


@pytest.fixture
def token(database_url: str) -> str:
    return prepare(database_url)


def adjusted(store: EdgeStore) -> list[tuple[Decimal, str | None, str | None]]:
    return [
        (Decimal(str(e.data["qty"])), e.data.get("code"), e.data.get("operator"))
        for e in store.events()
        if e.type == "stock.adjusted"
    ]


def adjust(admin: httpx.Client, qty: str, unit: str = "g", **more: Any) -> httpx.Response:
    body = {"item": "chicken", "lot": "L1", "location": "wok", "qty": qty, "unit": unit,
            "code": "waste", "reason": "dropped on the floor", **more}  # fmt: skip
    return admin.post(BASE, json=body)


def settings(admin: httpx.Client, org: int, **values: Any) -> None:
    answer = admin.put(f"/v1/orgs/{org}/settings", json=values)
    assert answer.status_code == 200, answer.text


@asynccontextmanager
async def gated_site(
    tmp_path: Path, database_url: str, token: str
) -> AsyncIterator[tuple[str, httpx.Client, Edge]]:
    """The cloud (over 5 kg waits for finance) and site-1's agent holding 10 kg of lot L1."""
    org = await make_people(database_url)
    with cloud(database_url, token) as (url, admin):
        settings(admin, org, approval_steps=STEPS, adjustment_threshold=KG5)
        async with running_edge(tmp_path, url, trusted(admin)) as edge:
            await edge.writer.submit([received("L1", "10000")])
            yield url, admin, edge


async def test_within_the_threshold_it_goes_down_at_once_and_lands_once(
    tmp_path: Path, database_url: str, token: str
) -> None:
    async with gated_site(tmp_path, database_url, token) as (_, admin, edge):
        answer = adjust(admin, "-500", adjustment="a-1")
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert (body["state"], body["over"], body["waiting_for"]) == ("sent", None, None)
        assert body["downlink_seq"] == 1

        await edge.downlink.turn(wait_s=0)
        await edge.downlink.turn(wait_s=0)
        edge.downlink.receive((await edge.client.fetch(0, 0)).documents)  # served again
        assert await edge.downlink.apply_kept() == 0

        requester = admin.get("/v1/auth/me").json()["name"]
        assert adjusted(edge.store) == [(Decimal(-500), "waste", requester)]
        key = StockKey("chicken", "L1", "wok")
        assert edge.store.ledger()[key].to(Unit.G) == Quantity(Decimal(9500), Unit.G)
        again = adjust(admin, "-500", adjustment="a-1")
        assert (again.status_code, again.json()["error"]) == (409, "adjustment_exists")


async def test_over_the_threshold_it_waits_for_each_approval_then_lands_once(
    tmp_path: Path, database_url: str, token: str
) -> None:
    async with gated_site(tmp_path, database_url, token) as (url, admin, edge):
        with person(url, "wh@example.com") as warehouse:
            asked = adjust(warehouse, "-8", "kg", adjustment="a-big")
            assert asked.status_code == 201, asked.text
            assert asked.json()["state"] == "awaiting_approval"
            assert asked.json()["waiting_for"] == "finance"
            assert asked.json()["over"] == "8 kg is over the threshold of 5 kg"
            await edge.downlink.turn(wait_s=0)
            assert adjusted(edge.store) == []  # nothing went down while it waits

            own = warehouse.post(f"{BASE}/a-big/approve", json={})
            assert (own.status_code, own.json()["error"]) == (403, "four_eyes")
        with person(url, "sales@example.com") as sales:
            wrong = sales.post(f"{BASE}/a-big/approve", json={})
        assert (wrong.status_code, wrong.json()["error"]) == (403, "not_approver")
        with person(url, "fin@example.com") as finance:
            done = finance.post(f"{BASE}/a-big/approve", json={"note": "bin photo seen"})
            twice = finance.post(f"{BASE}/a-big/approve", json={})
        assert done.status_code == 200, done.text
        assert (done.json()["state"], done.json()["downlink_seq"]) == ("sent", 1)
        [decision] = done.json()["decisions"]
        assert (decision["role"], decision["decided_by"], decision["approved"]) == (
            "finance", "fin@example.com", True)  # fmt: skip
        assert decision["decided_at"]
        assert decision["note"] == "bin photo seen"
        assert (twice.status_code, twice.json()["error"]) == (409, "not_awaiting")

        await edge.downlink.turn(wait_s=0)
        await edge.downlink.turn(wait_s=0)
        assert adjusted(edge.store) == [(Decimal(-8), "waste", "wh@example.com")]
        assert admin.get(f"{BASE}/a-big").json()["state"] == "sent"


async def test_a_refused_adjustment_never_goes_down_and_decisions_are_kept(
    tmp_path: Path, database_url: str, token: str
) -> None:
    org = await make_people(database_url)
    with cloud(database_url, token) as (url, admin):
        settings(admin, org, approval_steps=STEPS)  # no threshold: every one waits
        assert adjust(admin, "-1", adjustment="a-small").json()["state"] == "awaiting_approval"
        with person(url, "fin@example.com") as finance:
            no = finance.post(f"{BASE}/a-small/refuse", json={"note": "count it first"})
        assert no.json()["state"] == "refused"
        assert no.json()["downlink_seq"] is None
        outbox = admin.get("/v1/sites/site-1/downlink").json()
        assert outbox["head"] == 0
    with (
        psycopg.connect(database_url, autocommit=True) as conn,
        pytest.raises(psycopg.errors.RaiseException, match="append-only"),
    ):
        conn.execute("UPDATE stock_adjustment_approvals SET approved = true")


async def test_bad_adjustments_are_refused_naming_what_is_wrong(
    database_url: str, token: str
) -> None:
    org = await make_people(database_url)
    with cloud(database_url, token) as (_, admin):
        code = adjust(admin, "-1", code="lost_it")
        assert code.status_code == 422
        assert "lost_it" in code.text
        zero = adjust(admin, "0")
        assert zero.status_code == 422
        assert "zero changes nothing" in zero.text
        half = admin.put(f"/v1/orgs/{org}/settings", json={"adjustment_threshold": {"qty": 5}})
        assert half.status_code == 422
        assert "qty and unit go together" in half.text

        settings(admin, org, adjustment_threshold={"value": "100"})  # and no approval step
        cost = {"amount": "30", "currency": "CNY", "per_unit": "kg"}
        assert admin.put(f"/v1/orgs/{org}/costs/chicken", json=cost).status_code == 204
        cheap = adjust(admin, "-3", "kg")  # 90 CNY: within, sent
        assert cheap.json()["state"] == "sent", cheap.text
        dear = adjust(admin, "-4", "kg")  # 120 CNY: over, and nobody may approve it
        assert (dear.status_code, dear.json()["error"]) == (409, "no_approver")
        assert "its value 120 CNY is over 100" in dear.json()["message"]
