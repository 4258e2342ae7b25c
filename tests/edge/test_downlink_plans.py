"""The site's plan at the edge: a real cloud (HTTP on 127.0.0.1, PostgreSQL) forecasts the
restaurant's rice and sends the plan down; the agent's downlink applies it once into its
store, and today's prep list is made from it and the store's own lots with the cloud gone."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from domain.downlink import DocumentRefused, DownlinkDocument
from domain.events import EventDraft
from domain.payloads import LotBlocked, LotReceived
from domain.replenishment.prep import PlanState
from edge_agent.downlink.plans import CHECKPOINT, keep_plan, latest_plan, today_prep
from edge_agent.store import EdgeStore
from tests.cloud.builders import AgentChain, post_events
from tests.cloud.test_replenishment import MASTER, TODAY, _history
from tests.domain.factories import AT
from tests.edge.downlink_world import AGENT, SITE, cloud, prepare, running_edge, trusted
from tests.pg import database_url, migrated_template, postgres_server

__all__ = ["database_url", "migrated_template", "postgres_server"]

FIRST = TODAY + timedelta(days=1)


@pytest.fixture
def token(database_url: str) -> str:
    return prepare(database_url)


def rice_lots(first: date) -> list[EventDraft]:
    """4 kg expiring the plan's first day, 3 kg later, 20 kg on hold (a recall)."""

    def lot(name: str, kg: str, expires: date) -> EventDraft:
        received = LotReceived(item="rice", lot=name, location="dry", qty=kg, unit="kg",
                               expires_on=expires)  # fmt: skip
        return EventDraft("lot.received", AT, received)

    blocked = LotBlocked(item="rice", lot="R3", location="dry", reason="supplier recall 7",
                         cause="test")  # fmt: skip
    return [
        lot("R1", "3", first + timedelta(days=20)),
        lot("R2", "4", first),
        lot("R3", "20", first + timedelta(days=30)),
        EventDraft("lot.blocked", AT, blocked),
    ]


def send_plan(admin: httpx.Client) -> int:
    events = post_events(admin, "r-1", AgentChain(agent="r-1", site=SITE).add(_history()))
    assert events.status_code == 200, events.text
    put = admin.put(f"/v1/sites/{SITE}/masterdata", json=MASTER.model_dump(mode="json"))
    assert put.status_code == 200, put.text
    sent = admin.post(f"/v1/sites/{SITE}/plans",
                      params={"as_of": str(TODAY), "history_days": 56})  # fmt: skip
    assert sent.status_code == 201, sent.text
    return int(sent.json()["seq"])


async def test_the_plan_lands_once_and_today_s_prep_needs_no_cloud(
    tmp_path: Path, database_url: str, token: str
) -> None:
    with cloud(database_url, token) as (url, admin):
        seq = await asyncio.to_thread(send_plan, admin)
        async with running_edge(tmp_path, url, trusted(admin)) as edge:
            await edge.writer.submit(rice_lots(FIRST))
            await edge.downlink.turn(wait_s=0)
            await edge.downlink.turn(wait_s=0)
            assert edge.applier.applied() == seq
            # a plan made for an earlier day, sent late, does not replace the newer one
            older = admin.post(f"/v1/sites/{SITE}/plans",
                               params={"as_of": str(TODAY - timedelta(days=1)),
                                       "history_days": 56})  # fmt: skip
            assert older.status_code == 201, older.text
            await edge.downlink.turn(wait_s=0)
            await edge.downlink.turn(wait_s=0)
            assert edge.applier.applied() == older.json()["seq"]
            kept = latest_plan(edge.store)
            assert kept is not None
            assert kept.as_of == TODAY
    # the cloud is gone and the agent restarted: the store still has the plan
    store = EdgeStore(tmp_path / "agent.db", agent=AGENT, site=SITE)
    try:
        assert store.checkpoint(CHECKPOINT) is not None
        prep = today_prep(store, SITE, FIRST)
        stale = today_prep(store, SITE, FIRST + timedelta(days=7))
    finally:
        store.close()

    assert (prep.state, prep.plan_as_of, prep.age_days) == (PlanState.CURRENT, TODAY, 1)
    (rice,) = prep.lines
    assert rice.unit == "g"
    assert rice.p50 is not None
    assert rice.p90 is not None
    assert 6_000 <= rice.p50 <= rice.p90
    assert (rice.usable, rice.held) == (Decimal(7000), Decimal(20000))
    assert rice.to_get == max(Decimal(0), Decimal(str(round(rice.p90, 3))) - 7000)
    assert [(u.lot, u.near_expiry) for u in rice.use_first] == [("R2", True), ("R1", False)]
    assert (stale.state, stale.lines[0].p50, stale.age_days) == (PlanState.STALE, None, 8)


async def test_a_plan_that_does_not_parse_or_names_another_site_is_refused_and_nothing_kept(
    tmp_path: Path,
) -> None:
    store = EdgeStore(tmp_path / "agent.db", agent=AGENT, site=SITE)
    good = {"site": SITE, "as_of": "2026-11-25", "made_at": "2026-11-26T01:00:00Z",
            "first_day": "2026-11-26", "horizon_days": 1,
            "lines": [{"item": "rice", "unit": "g", "method": "m", "group": "smooth",
                       "days": [{"on": "2026-11-26", "p50": 5, "p90": 4}]}]}  # fmt: skip

    def document(content: dict[str, object]) -> DownlinkDocument:
        return DownlinkDocument(site=SITE, seq=1, kind="plan", issued_at=datetime.now(UTC),
                                issued_by="planner", content=content)  # fmt: skip

    try:
        with pytest.raises(DocumentRefused, match=r"p90 4\.0 is below p50 5\.0"):
            await keep_plan(store, document(good))
        with pytest.raises(DocumentRefused, match="a plan of site-2 sent to site-1"):
            await keep_plan(store, document(good | {"site": "site-2", "lines": []}))
        assert latest_plan(store) is None
        assert today_prep(store, SITE, FIRST).state is PlanState.NONE
    finally:
        store.close()
