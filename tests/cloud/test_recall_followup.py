"""A recall stays open, and stock of a recalled lot that reaches a site after it is held there.

Over real ingest, PostgreSQL and HTTP, with the API's own follower: the plant's skewers (made
of the recalled chicken) are shipped to a third site after the recall, and the hold reaches
that site once it has them; more of the chicken received at the plant after the recall is
held again; a lot made of a recalled lot after the recall is held. The report lists each.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from cloud.recall.follower import follow_up
from domain.downlink import parse_document
from domain.events import Event, EventDraft, seal
from domain.payloads import LotReceived, TransferReceived, TransferShipped
from tests.cloud.builders import DAY, AgentChain, get_head, post_events
from tests.cloud.live import database_of
from tests.cloud.test_downlink import documents, inbox
from tests.cloud.test_recall import RECALL, world  # noqa: F401 (the fixture)
from tests.cloud.test_trace import made

LATER = DAY + timedelta(hours=8)
LINE = {"item": "skewer", "lot": "SK-1", "qty": "2", "unit": "kg", "transfer": "T-9"}


def report_when(client: httpx.Client, recall: int, done: Any, what: str) -> dict[str, Any]:
    """The recall's report once ``done(report)`` holds; fails naming ``what`` after 60 s."""
    deadline = time.monotonic() + 60
    while True:
        report: dict[str, Any] = client.get(f"/v1/recalls/{recall}").json()
        if done(report):
            return report
        assert time.monotonic() < deadline, f"{what} within 60 s: {report['lots']}"
        time.sleep(0.2)


def lots_of(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(lot["site"], lot["lot"]): lot for lot in report["lots"]}


def test_the_lot_reaching_a_third_site_after_the_recall_is_held_there(
    world: httpx.Client,  # noqa: F811 (the fixture)
) -> None:
    recall = world.post("/v1/recalls", json=RECALL).json()
    assert "s" not in recall["sites"]
    shipped = EventDraft("transfer.shipped", LATER, TransferShipped(
        **LINE, location="prep", to_site="s"))  # fmt: skip
    assert post_events(world, "site-1-agent-p", _next(world, "site-1-agent-p", "site-1",
                                                      [shipped])).status_code == 200  # fmt: skip
    third = AgentChain(agent="s-agent", site="s")
    arrived = third.add([EventDraft("transfer.received", LATER + timedelta(hours=1),
                                    TransferReceived(**LINE, location="cold-1",
                                                     from_site="site-1"))])  # fmt: skip
    assert post_events(world, third.agent, arrived).status_code == 200

    url = database_of(str(world.base_url).rstrip("/"))

    def held_after_arrival(report: dict[str, Any]) -> bool:
        lot = lots_of(report).get(("s", "SK-1"))
        return lot is not None and asyncio.run(_issued_after_receipt(url, lot["hold_seq"]))

    # a hold may already have gone when only the shipment was stored: what matters is one
    # issued once the receipt was stored, when the site has the stock to block
    report = report_when(world, recall["id"], held_after_arrival, "a hold at s after its receipt")
    lot = lots_of(report)[("s", "SK-1")]
    assert lot["reached_after_recall"] is True
    assert lot["stock"] == [{"location": "cold-1", "qty": "2000", "unit": "g"}]
    # the site's agent reads a signed hold of the recall issued after its receipt was stored
    docs = [parse_document(d, site="s") for d in documents(inbox(world, "s-agent"))]
    last = next(d for d in docs if d.seq == lot["hold_seq"])
    assert (last.hold().item, last.hold().lot) == ("skewer", "SK-1")
    assert last.hold().reason.startswith(f"recall {recall['id']}: ")
    assert last.issued_by == "recall-follower"
    # the sites that had it at the recall got no second hold: nothing more arrived there
    assert lots_of(report)[("site-2", "SK-1")]["arrival_holds"] == []
    assert _one_more_pass(world) == []


def test_more_of_the_lot_and_a_lot_made_of_it_after_the_recall_are_held(
    world: httpx.Client,  # noqa: F811 (the fixture)
) -> None:
    recall = world.post("/v1/recalls", json=RECALL).json()
    more = _next(world, "site-1-agent-p", "site-1", [
        EventDraft("lot.received", LATER, LotReceived(
            item="chicken", lot="CH-1", location="cold-2", qty="3", unit="kg",
            supplier="farm-a")),
        made("kebab", "KB-1", "2", [("marinated", "MA-1", "2")], 9 * 60),
    ])  # fmt: skip
    assert post_events(world, "site-1-agent-p", more).status_code == 200

    def both(report: dict[str, Any]) -> bool:
        lots = lots_of(report)
        return ("site-1", "KB-1") in lots and lots[("site-1", "CH-1")]["arrival_holds"] != []

    report = report_when(world, recall["id"], both, "holds of KB-1 and of more CH-1")
    lots = lots_of(report)
    assert lots[("site-1", "KB-1")]["reached_after_recall"] is True
    assert lots[("site-1", "CH-1")]["reached_after_recall"] is False
    assert lots[("site-1", "MA-1")]["arrival_holds"] == []  # nothing more of it arrived
    assert _one_more_pass(world) == []


def _next(client: httpx.Client, agent: str, site: str, drafts: list[EventDraft]) -> list[Event]:
    """``drafts`` sealed after the agent's chain as the cloud holds it."""
    head = get_head(client, agent).json()
    seq, prev = int(head["acked_seq"]), str(head["hash"])
    events = []
    for draft in drafts:
        events.append(seal(draft, agent=agent, site=site, seq=seq + 1, prev=prev))
        seq, prev = events[-1].seq, events[-1].hash
    return events


async def _issued_after_receipt(database_url: str, seq: int) -> bool:
    """Whether hold ``seq`` at s was issued once s's receipt of SK-1 was stored."""
    async with await AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT h.issued_at >= e.received_at FROM recall_holds AS h, events AS e"
            " WHERE (h.site, h.seq) = ('s', %s) AND e.agent = 's-agent'"
            " AND e.type = 'transfer.received'",
            (seq,),
        )
        row = await cur.fetchone()
        return bool(row and row[0])


def _one_more_pass(client: httpx.Client) -> list[object]:
    """A pass run here once the follower has done its work: it finds nothing left to hold."""

    async def once() -> list[object]:
        url = database_of(str(client.base_url).rstrip("/"))
        async with AsyncConnectionPool(url, min_size=1, max_size=1, open=False) as pool:
            return list(await follow_up(pool))

    return asyncio.run(once())
