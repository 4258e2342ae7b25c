"""Purchase orders over real HTTP and PostgreSQL: from a suggestion, approved by the org's
``purchase.order`` steps (four eyes), answered by the supplier with its key (confirmation,
shipping notice), sent down to the site as ``purchase.expect``, and received from the site's
own ``lot.received`` events, with discrepancies and the supplier's lead time."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from psycopg import AsyncConnection

from cloud.purchasing.receipts import lead_time_stats
from domain.events import EventDraft
from domain.payloads import LotReceived, StockAdjusted
from domain.purchasing import LeadTime
from tests.cloud.builders import AgentChain, post_events
from tests.cloud.live import database_of
from tests.cloud.test_transfers import _setup, person

SUGGESTION = {
    "item": "chicken", "site": "site-1", "supplier": "dongguan", "qty": "10", "unit": "kg",
    "reasons": ["lead time rose from 2.0 to 3.5 days: +4 kg"],
}  # fmt: skip
SSCC = "006141411234567890"


def expected(client: httpx.Client, site: str = "site-1") -> list[dict[str, object]]:
    answer = client.get(f"/v1/sites/{site}/downlink")
    assert answer.status_code == 200, answer.text
    signed = [json.loads(d["body"]) for d in answer.json()["documents"]]
    return [d["content"] for d in signed if d["kind"] == "purchase.expect"]


def from_suggestion(client: httpx.Client, po: str, **more: object) -> httpx.Response:
    body = {"po": po, "suggestion": SUGGESTION, "unit_price": "20", "currency": "CNY", **more}
    return client.post("/v1/sites/site-1/purchase-orders/from-suggestion", json=body)


def asn(po: str, lots: list[dict[str, str]]) -> dict[str, object]:
    return {
        "site": "site-1", "po": po, "asn": f"asn-{po}",
        "shipped_at": datetime.now(UTC).isoformat(),
        "packages": [{"sscc": SSCC, "lots": lots}],
    }  # fmt: skip


def test_an_order_from_a_suggestion_waits_for_its_approver_then_goes_to_the_site(
    client: httpx.Client,
) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(_setup(database_of(url)))
    steps = {"approval_steps": [{"action": "purchase.order", "role": "finance"}]}
    assert client.put(f"/v1/orgs/{org}/settings", json=steps).status_code == 200
    made = from_suggestion(client, "po-1")
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["state"], body["waiting_for"]) == ("awaiting_approval", "finance")
    assert body["order"]["reasons"] == SUGGESTION["reasons"]
    assert body["order"]["lines"][0]["unit_price"] == "20"
    assert expected(client) == []
    own = client.post("/v1/sites/site-1/purchase-orders/po-1/approve", json={})
    assert (own.status_code, own.json()["error"]) == (403, "four_eyes")
    with person(url, "wh@example.com") as warehouse:
        wrong = warehouse.post("/v1/sites/site-1/purchase-orders/po-1/approve", json={})
        assert (wrong.status_code, wrong.json()["error"]) == (403, "not_approver")
    with person(url, "fin@example.com") as finance:
        done = finance.post("/v1/sites/site-1/purchase-orders/po-1/approve", json={"note": "ok"})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["state"] == "sent"
    assert "has no API endpoint" in body["delivery_problem"]
    history = [(c["state"], c["by"], c["role"], c["approved"]) for c in body["history"]]
    admin = body["requested_by"]
    assert history == [
        ("draft", admin, None, None),
        ("awaiting_approval", admin, None, None),
        ("awaiting_approval", "fin@example.com", "finance", True),
        ("sent", "fin@example.com", None, None),
    ]
    assert expected(client) == [{"order": body["order"], "asn": None}]
    wrong_site = from_suggestion(client, "po-2", suggestion={**SUGGESTION, "site": "site-2"})
    assert (wrong_site.status_code, wrong_site.json()["error"]) == (422, "wrong_site")
    again = from_suggestion(client, "po-1")
    assert (again.status_code, again.json()["error"]) == (409, "order_exists")


def test_the_supplier_answers_with_its_key_and_the_site_receives_against_the_notice(
    client: httpx.Client,
) -> None:
    url = str(client.base_url).rstrip("/")
    org = asyncio.run(_setup(database_of(url)))
    key = client.put(f"/v1/orgs/{org}/suppliers/dongguan", json={}).json()["api_key"]
    other = client.put(f"/v1/orgs/{org}/suppliers/shunde", json={}).json()["api_key"]
    sent = from_suggestion(client, "po-7").json()
    assert sent["state"] == "sent"
    confirmation = {"site": "site-1", "po": "po-7", "promised_on": "2026-12-09"}
    for header, status, error in [({}, 401, "no_key"), ({"X-Supplier-Key": "sk_x"}, 401, "bad_key"),
                                  ({"X-Supplier-Key": other}, 403, "other_supplier")]:  # fmt: skip
        answer = client.post("/v1/suppliers/dongguan/confirmations", json=confirmation,
                             headers=header)  # fmt: skip
        assert (answer.status_code, answer.json()["error"]) == (status, error)
    supplier = {"X-Supplier-Key": key}
    ok = client.post("/v1/suppliers/dongguan/confirmations", json=confirmation, headers=supplier)
    assert ok.json() == {"site": "site-1", "po": "po-7", "state": "confirmed"}
    salt = asn("po-7", [{"item": "salt", "lot": "S1", "qty": "1", "unit": "kg"}])
    refused = client.post("/v1/suppliers/dongguan/asn", json=salt, headers=supplier)
    assert (refused.status_code, refused.json()["error"]) == (422, "not_ordered")
    lots = [
        {"item": "chicken", "lot": "C1", "qty": "6", "unit": "kg", "expires_on": "2026-12-20"},
        {"item": "chicken", "lot": "C2", "qty": "4", "unit": "kg", "expires_on": "2026-12-21"},
    ]
    notice = asn("po-7", lots)
    shipped = client.post("/v1/suppliers/dongguan/asn", json=notice, headers=supplier)
    assert shipped.json()["state"] == "shipped", shipped.text
    late = client.post("/v1/suppliers/dongguan/confirmations", json=confirmation, headers=supplier)
    assert (late.status_code, late.json()["error"]) == (409, "wrong_state")
    assert "an order shipped cannot become confirmed" in late.json()["message"]
    sent_down = expected(client)
    assert len(sent_down) == 2
    assert sent_down[1]["asn"]["packages"][0]["sscc"] == SSCC  # type: ignore[index]

    at = datetime.now(UTC) + timedelta(seconds=1)
    first = [_received("C1", "6", at), _received("C9", "3", at),
             EventDraft("stock.adjusted", at + timedelta(seconds=1), StockAdjusted(
                 item="chicken", lot="C1", location="dock", qty=Decimal("-0.5"), unit="kg",
                 reason="crushed case", code="damaged"))]  # fmt: skip
    chain = AgentChain(agent="ck-1", site="site-1")
    assert post_events(client, "ck-1", chain.add(first)).status_code == 200
    body = client.get("/v1/sites/site-1/purchase-orders/po-7").json()
    assert body["state"] == "partly_received"  # 9 kg came of 10: C9 is a wrong lot, counted
    assert discrepancies(body) == {
        ("damaged", "C1", 0, 0.5), ("wrong_lot", "C9", 0, 3), ("short", None, 10, 9)
    }  # fmt: skip
    assert (body["history"][-1]["by"], body["history"][-1]["note"]) == (
        "agent ck-1", "2 lots received at the site"
    )  # fmt: skip
    later = [_received("C2", "4", at + timedelta(seconds=5))]
    assert post_events(client, "ck-1", chain.add(later)).status_code == 200
    body = client.get("/v1/sites/site-1/purchase-orders/po-7").json()
    assert body["state"] == "received"
    assert ("over", None, 10, 13) in discrepancies(body)
    assert [c["state"] for c in body["history"]][-2:] == ["partly_received", "received"]
    stats = client.get(f"/v1/orgs/{org}/suppliers/dongguan/lead-time").json()
    assert stats["receipts"] == 1
    assert stats["deliveries"][0]["po"] == "po-7"
    assert 0 < stats["mean_days"] < 0.01  # received seconds after it was sent
    assert stats["sigma_days"] == 0
    assert asyncio.run(_stats_of_other_org(database_of(url))) is None  # its own "dongguan"
    closed = client.post("/v1/sites/site-1/purchase-orders/po-7/close", json={"note": "done"})
    assert closed.json()["state"] == "closed"
    assert closed.json()["history"][-1]["note"] == "done"


async def _stats_of_other_org(database_url: str) -> LeadTime | None:
    async with await AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute("SELECT id FROM org_nodes WHERE name = 'other-org'")
        row = await cur.fetchone()
        assert row is not None
        mine = await lead_time_stats(conn, "dongguan")
        assert mine is not None  # every organisation's together: this one's delivery
        return await lead_time_stats(conn, "dongguan", org_id=int(str(row[0])))


def discrepancies(body: dict[str, list[dict[str, str]]]) -> set[tuple[object, ...]]:
    return {
        (d["kind"], d["lot"], float(d["expected"]), float(d["received"]))
        for d in body["discrepancies"]
    }


def _received(lot: str, qty: str, at: datetime) -> EventDraft:
    payload = LotReceived(item="chicken", lot=lot, location="dock", qty=Decimal(qty), unit="kg",
                          supplier="dongguan", unit_cost=Decimal(20), currency="CNY")  # fmt: skip
    return EventDraft("lot.received", at, payload)
