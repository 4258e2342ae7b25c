"""A work order from the cloud to the line's agent, over the real down-channel (the API over
HTTP on 127.0.0.1, PostgreSQL, the agent's store and poller): released once, verified, kept
in the agent's inbox and acked, then read by the line's desk, which records a unit of it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.events import EventDraft
from domain.payloads import LotReceived
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.plant.assembly import ComponentUsed, UnitBuilt
from edge_agent.plant.line import LineDesk
from edge_agent.sink import AgentSink
from tests.edge.downlink_world import cloud, prepare, running_edge, trusted
from tests.pg import database_url, migrated_template, postgres_server

__all__ = ["database_url", "migrated_template", "postgres_server"]

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


@pytest.fixture
def token(database_url: str) -> str:
    return prepare(database_url)


async def test_a_cloud_work_order_reaches_the_line_and_its_unit_is_recorded(
    tmp_path: Path, database_url: str, token: str
) -> None:
    body = {
        "work_order": "wo-77", "product": "robot-arm", "qty": 1, "line": "line-1",
        "lines": [{"operation": "assemble", "item": "servo-motor", "qty": 1, "unit": "each"}],
    }  # fmt: skip
    with cloud(database_url, token) as (url, admin):
        made = admin.post("/v1/sites/site-1/work-orders", json=body)
        assert made.status_code == 201, made.text
        async with running_edge(tmp_path, url, trusted(admin)) as edge:
            await edge.downlink.turn(wait_s=0)
            assert admin.get("/v1/sites/site-1/downlink").json()["acks"][0]["seq"] == 1
            sink = AgentSink(edge.store, edge.writer)
            desk = LineDesk(DownlinkInbox(edge.store.path), "site-1", sink.record, list)
            (order,) = desk.orders()
            assert order.model_dump(mode="json") == made.json()["order"]
            now = datetime.now(UTC)
            received = LotReceived(item="servo-motor", lot="S1", location="line-store",
                                   qty="5", unit="each")  # fmt: skip
            await edge.writer.submit([EventDraft("lot.received", now, received)])
            servo = ComponentUsed("servo-motor", "S1", "line-store")
            await desk.unit_built(UnitBuilt("wo-77", "RA-77", "assemble", "cell-2", now, [servo]))
            (made_here,) = [e.data for e in edge.store.events() if e.type == "stock.produced"]
            assert (made_here["lot"], made_here["order"]) == ("RA-77", "wo-77")
