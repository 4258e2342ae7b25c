"""Closing a recall over real HTTP and PostgreSQL: refused while its stock is not resolved
(naming each), closed once the stock is discarded or released after the recall, or over an
override reason; a closed recall sends no more holds, and the consumer page says it closed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from domain.events import EventDraft
from domain.payloads import LotBlocked, LotReceived, LotReleased, StockAdjusted
from tests.cloud.builders import post_events
from tests.cloud.digital_link_world import GTIN, LOT, fill_world
from tests.cloud.live import database_of
from tests.cloud.test_recall import RECALL, world  # noqa: F401 (the fixture)
from tests.cloud.test_recall_followup import _next, _one_more_pass


def _close(client: httpx.Client, recall: int, **body: str) -> httpx.Response:
    return client.post(f"/v1/recalls/{recall}/close", json={"reason": "done"} | body)


def _discard(item: str, lot: str, location: str, kg: str) -> EventDraft:
    return EventDraft("stock.adjusted", datetime.now(UTC), StockAdjusted(
        item=item, lot=lot, location=location, qty=f"-{kg}", unit="kg", code="discard",
        operator="qa", reason="recall: destroyed"))  # fmt: skip


def _release(item: str, lot: str, location: str) -> list[EventDraft]:
    """Held, then released with a reason: tested and found fit."""
    return [
        EventDraft("lot.blocked", datetime.now(UTC), LotBlocked(
            item=item, lot=lot, location=location, reason="recall 1", cause="downlink:1")),
        EventDraft("lot.released", datetime.now(UTC), LotReleased(
            item=item, lot=lot, location=location, disposition="release",
            reason="lab LAB-7: negative", operator="qa")),
    ]  # fmt: skip


def test_a_recall_closes_only_once_its_stock_is_resolved(
    world: httpx.Client,  # noqa: F811 (the fixture)
) -> None:
    recall = world.post("/v1/recalls", json=RECALL).json()["id"]
    refused = _close(world, recall)
    assert refused.status_code == 409, refused.text
    open_stock = {(s["site"], s["lot"], s["location"], s["qty"]) for s in
                  refused.json()["open_stock"]}  # fmt: skip
    assert open_stock == {("site-1", "CH-1", "cold-1", "10000"), ("site-1", "MA-1", "prep", "9000"),
                          ("site-1", "SK-1", "prep", "4000"),
                          ("site-2", "SK-1", "cold-1", "3500")}  # fmt: skip
    assert "discard, return or release" in refused.json()["detail"]
    no_override = world.post(f"/v1/recalls/{recall}/close", json={"reason": "r", "override": None})
    assert no_override.status_code == 409, no_override.text  # null is no override (was a 500)

    plant = [_discard("marinated", "MA-1", "prep", "9"), _discard("skewer", "SK-1", "prep", "4"),
             *_release("chicken", "CH-1", "cold-1")]  # fmt: skip
    assert post_events(world, "site-1-agent-p", _next(world, "site-1-agent-p", "site-1",
                                                      plant)).status_code == 200  # fmt: skip
    still = _close(world, recall)
    assert [(s["site"], s["lot"]) for s in still.json()["open_stock"]] == [("site-2", "SK-1")]
    shop = [_discard("skewer", "SK-1", "cold-1", "3.5")]
    assert post_events(world, "site-2-agent-s", _next(world, "site-2-agent-s", "site-2",
                                                      shop)).status_code == 200  # fmt: skip

    closed = _close(world, recall, reason="all stock destroyed or cleared by the lab")
    assert closed.status_code == 200, closed.text
    assert (closed.json()["overridden"], closed.json()["open_stock"]) == (False, [])
    report = world.get(f"/v1/recalls/{recall}").json()
    assert report["status"] == "closed"
    assert report["closed"]["reason"] == "all stock destroyed or cleared by the lab"
    assert report["closed"]["by"] == closed.json()["closed_by"]
    again = _close(world, recall)
    assert (again.status_code, "was closed at" in again.text) == (409, True)


def test_an_override_closes_over_open_stock_and_no_more_holds_follow(
    world: httpx.Client,  # noqa: F811 (the fixture)
) -> None:
    recall = world.post("/v1/recalls", json=RECALL).json()["id"]
    closed = _close(world, recall, override="supplier withdrew the finding")
    assert closed.status_code == 200, closed.text
    body: dict[str, Any] = closed.json()
    assert body["overridden"] is True
    assert body["reason"] == "done; override: supplier withdrew the finding"
    assert len(body["open_stock"]) == 4
    # more of the lot arrives after the close: the recall is over, nothing is held
    more = [
        EventDraft(
            "lot.received",
            datetime.now(UTC),
            LotReceived(
                item="chicken", lot="CH-1", location="cold-1", qty="1", unit="kg", supplier="farm-a"
            ),
        )
    ]
    assert post_events(world, "site-2-agent-s", _next(world, "site-2-agent-s", "site-2",
                                                      more)).status_code == 200  # fmt: skip
    assert _one_more_pass(world) == []
    assert world.post("/v1/recalls/999999/close", json={"reason": "x"}).status_code == 404
    assert world.post(f"/v1/recalls/{recall}/close", json={"reason": ""}).status_code == 422


def test_the_consumer_page_shows_the_recall_and_then_when_it_closed(client: httpx.Client) -> None:
    fill_world(client)
    recall = client.post("/v1/recalls", json={"item": "chicken", "lot": LOT, "reason": "test"})
    assert recall.status_code == 201, recall.text
    with httpx.Client(base_url=str(client.base_url), timeout=30) as anyone:
        page = anyone.get(f"/01/{GTIN}/10/{LOT}")
        assert 'data-recall="recalled"' in page.text  # open: recalled before any edge applied it
        closed = _close(client, recall.json()["id"], override="test recall")
        day = closed.json()["closed_at"][:10]
        deadline = time.monotonic() + 30  # the page's cache hears of the close by NOTIFY
        while 'data-recall="closed"' not in (page := anyone.get(f"/01/{GTIN}/10/{LOT}")).text:
            assert time.monotonic() < deadline, "the page did not show the close within 30 s"
            time.sleep(0.1)
        assert f'<time datetime="{day}">{day}</time>' in page.text
        status = anyone.get(f"/01/{GTIN}/10/{LOT}", params={"linkType": "gs1:recallStatus"})
        assert (status.json()["recallStatus"], status.json()["recallClosedOn"]) == ("closed", day)
        chinese = anyone.get(f"/01/{GTIN}/10/{LOT}", headers={"Accept-Language": "zh-CN"})
        assert "召回已结束于" in chinese.text


def test_the_command_closes_a_recall(world: httpx.Client) -> None:  # noqa: F811
    recall = world.post("/v1/recalls", json=RECALL).json()["id"]
    url = database_of(str(world.base_url).rstrip("/"))

    def edgestock(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": url}
        return subprocess.run([sys.executable, "-m", "edgestock", "recall", *args], env=env,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip

    refused = edgestock("--close", str(recall), "--reason", "done", "--by", "qa-lead")
    assert refused.returncode == 4, refused.stderr
    assert "4 stock of the recall is not resolved" in refused.stderr
    done = edgestock("--close", str(recall), "--reason", "done", "--by", "qa-lead",
                     "--override", "board decision 12")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "closed by qa-lead at " in done.stdout
    assert "done; override: board decision 12 (over unresolved stock)" in done.stdout
    assert edgestock("--close", "999999", "--reason", "x").returncode == 1
