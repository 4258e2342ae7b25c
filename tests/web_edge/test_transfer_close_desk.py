"""A transfer closed in the cloud reaches the receiving agent, end to end: the cloud's API over
HTTP on a real PostgreSQL, the agent's down-channel, store (SQLite) and Transfers page served
over HTTP behind the site's PIN. Once the close is applied the page no longer offers the
transfer as to receive and says who closed it, when and what was lost; across a restart of
the agent it is applied once; a late receipt from the page is taken, and the cloud counts it
received, no longer lost: edge and cloud agree."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from domain.events import Event, EventDraft
from domain.payloads import LotReceived, TransferShipped
from edge_agent.clock import Clock
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.downlink.verify import CloudKeys
from edge_agent.sink import AgentSink
from edge_agent.transfers.desk import TransferDesk
from edge_agent.web.app import build_app
from edge_agent.web.auth import ScreenAuth, SiteSecret, hash_pin
from edge_agent.web.serve import serve_screens
from edge_agent.web.sources import ScreenSources
from edgestock.processes import free_port
from tests.cloud.builders import DAY, AgentChain, batch_body, enrol_agent, signed
from tests.edge.downlink_world import AGENT, Edge, cloud, prepare, running_edge, trusted
from tests.pg import database_url, migrated_template, postgres_server

__all__ = ["database_url", "migrated_template", "postgres_server"]

pytestmark = [pytest.mark.timeout(120)]

PIN = "20261205"
SENDER = "ck-2"  # the central kitchen's agent, at site-2; the agent under test is at site-1
ORDER = {
    "transfer": "t-300", "to_site": "site-1", "to_location": "walk-in",
    "lines": [{"item": "chicken", "qty": "2", "unit": "kg"}],
}  # fmt: skip
CLOSE = "/v1/sites/site-2/transfers/t-300/close"
REASON = "the crate fell off the van"


@pytest.fixture
def token(database_url: str) -> str:
    enrol_agent(database_url, SENDER, "site-2")
    return prepare(database_url)


def post_chain(url: str, agent: str, events: list[Event]) -> None:
    """Send ``events`` to the cloud as ``agent``'s batch, signed with its key."""
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    with httpx.Client(base_url=url, timeout=30) as client:
        answer = signed(client, "POST", f"/v1/agents/{agent}/events", agent,
                        batch_body(agent, events), headers)  # fmt: skip
    assert answer.status_code == 200, answer.text


def order_and_ship(url: str, admin: httpx.Client) -> None:
    """Site-2 orders 2 kg of chicken for site-1 and ships lot M1, which never arrives."""
    answer = admin.post("/v1/sites/site-2/transfers", json=ORDER)
    assert (answer.status_code, answer.json()["state"]) == (201, "sent"), answer.text
    received = LotReceived(item="chicken", lot="M1", location="cold-1", qty="5", unit="kg")
    shipped = TransferShipped(transfer="t-300", item="chicken", lot="M1", location="cold-1",
                              qty="2", unit="kg", to_site="site-1")  # fmt: skip
    chain = AgentChain(agent=SENDER, site="site-2").add([
        EventDraft("lot.received", DAY, received),
        EventDraft("transfer.shipped", DAY + timedelta(minutes=5), shipped),
    ])  # fmt: skip
    post_chain(url, SENDER, chain)


@asynccontextmanager
async def receiving_agent(workdir: Path, url: str, keys: CloudKeys) -> AsyncIterator[
    tuple[Edge, httpx.AsyncClient]
]:  # fmt: skip
    """The site-1 agent (down-channel, store, writer, transfer desk) and its Transfers page
    served on a free port, with a client signed in with the site's PIN."""
    async with running_edge(workdir, url, keys) as edge:
        sink = AgentSink(edge.store, edge.writer)
        desk = TransferDesk(edge.store, DownlinkInbox(edge.store.path), sink.record, Clock(),
                            ZoneInfo("Asia/Shanghai"))  # fmt: skip
        sources = ScreenSources(
            site=edge.store.site, zone=UTC, now=lambda: datetime.now(UTC),
            events=edge.store.events, stock_at=edge.store.stock_at, observe=sink.observe,
            transfers=desk,
        )  # fmt: skip
        port = free_port()
        app = build_app(sources, ScreenAuth(SiteSecret(hash_pin(PIN), b"k" * 32)))
        server = asyncio.create_task(serve_screens(app, "127.0.0.1", port, sources.hub.close))
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as pda:
                await _sign_in(pda)
                yield edge, pda
        finally:
            server.cancel()
            await asyncio.gather(server, return_exceptions=True)
            desk.close()


async def _sign_in(pda: httpx.AsyncClient) -> None:
    """Sign in once the page's server listens (asked again for at most 10 s)."""
    async with asyncio.timeout(10):
        while True:
            try:
                answer = await pda.post("/sign-in", data={"pin": PIN, "next": "/pda/transfers"})
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.02)
    assert answer.status_code == 303, answer.text


async def transfers_page(pda: httpx.AsyncClient) -> str:
    answer = await pda.get("/pda/transfers")
    assert answer.status_code == 200, answer.text
    return answer.text


async def test_a_closed_transfer_leaves_the_desk_once_and_a_late_receipt_is_taken_by_both(
    tmp_path: Path, database_url: str, token: str
) -> None:
    with cloud(database_url, token) as (url, admin):
        keys = trusted(admin)
        order_and_ship(url, admin)
        async with receiving_agent(tmp_path, url, keys) as (edge, pda):
            await edge.downlink.turn(wait_s=0)
            page = await transfers_page(pda)
            assert 'aria-label="Receive t-300"' in page
            assert "No closed transfers." in page

            closed = admin.post(CLOSE, json={"reason": REASON})
            assert closed.status_code == 200, closed.text
            closure = closed.json()["closure"]
            closed_at, closed_by = (
                datetime.fromisoformat(closure["closed_at"]),
                closure["closed_by"],
            )
            await edge.downlink.turn(wait_s=0)
            applied = edge.applier.applied()
            assert applied == 2  # transfer.expect, then transfer.close

            page = await transfers_page(pda)
            assert 'aria-label="Receive t-300"' not in page
            assert "Nothing to receive." in page
            day = closed_at.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
            assert (f"closed by {closed_by} on {day}: 2 kg of chicken lot M1 written off as"
                    " lost") in page  # fmt: skip
            assert f"Why: {REASON}" in page
            chinese = (await pda.get("/pda/transfers", params={"lang": "zh-CN"})).text
            assert f"已由 {closed_by} 于 {day} 关闭：chicken 批次 M1 2 kg 记为在途丢失" in chinese

        async with receiving_agent(tmp_path, url, keys) as (edge, pda):  # a restart
            assert edge.applier.applied() == applied
            assert await edge.downlink.apply_kept() == 0
            await edge.downlink.turn(wait_s=0)
            assert edge.applier.applied() == applied
            assert edge.store.quarantined() == []
            assert len(DownlinkInbox(edge.store.path).of_kind("transfer.close")) == 1
            acks = admin.get("/v1/sites/site-1/downlink").json()["acks"]
            assert [a["seq"] for a in acks] == [applied]
            page = await transfers_page(pda)
            assert 'aria-label="Receive t-300"' not in page
            assert 'aria-label="Late receipt t-300"' in page

            # the crate turns up after all: recorded from the page as a late receipt
            csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', page)
            assert csrf is not None
            form = {"transfer": "t-300", "operator": "bo", "item": ["chicken", "chicken"],
                    "lot": ["M1", ""], "accepted": ["2", ""], "damaged": ["0", ""],
                    "expires": ["", ""]}  # fmt: skip
            late = await pda.post("/pda/transfers/receive", data=form,
                                  headers={"X-CSRF-Token": csrf[1]})  # fmt: skip
            assert late.status_code == 200, late.text
            assert f"Late receipt: t-300 was closed by {closed_by} on {day}" in late.text
            (receipt,) = [e for e in edge.store.events() if e.type == "transfer.received"]
            assert (receipt.data["lot"], Decimal(receipt.data["qty"])) == ("M1", Decimal(2))
            assert "No closed transfers." in await transfers_page(pda)
            post_chain(url, AGENT, list(edge.store.events()))

        line = admin.get("/v1/sites/site-2/transfers/t-300").json()["lines"]
        assert [(x["lot"], Decimal(x["received"]), Decimal(x["lost"])) for x in line] == [
            ("M1", Decimal(2000), Decimal(0))]  # fmt: skip
