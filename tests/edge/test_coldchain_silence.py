"""A watched room whose probe goes quiet raises an alarm, and the gap is reported when it
comes back (issue 18, item 7), through the agent's real sink, writer and SQLite store; a
one-reading dip does not open the excursion (and its holds) twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from domain.coldchain.rule import ExcursionRule
from domain.events import EventDraft
from domain.masterdata import MasterData
from domain.observation import Observation
from domain.payloads import LotReceived
from domain.quantity import Unit
from edge_agent.pipeline.coldchain import CHECKPOINT, ColdChainMonitor, Signal, WatchedLocation
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter
from tests.edge.sinks import agent_sink

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
ROOM = WatchedLocation(
    location="cold-room-1",
    rule=ExcursionRule(
        high_c=Decimal(8),
        delay=timedelta(minutes=10),
        interval=timedelta(minutes=5),
        close_after=timedelta(minutes=15),
    ),
    temperature=Signal("ctrl-1", "air_temp"),
)
MASTER = MasterData.model_validate(
    {"items": [{"id": "chicken", "name": "Chicken", "base_unit": "kg"}]}
)


@asynccontextmanager
async def room(path: Path) -> AsyncIterator[tuple[EdgeStore, AgentSink]]:
    store = EdgeStore(path, agent="a1", site="s1")
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run())
    monitor = ColdChainMonitor([ROOM], store.checkpoint(CHECKPOINT), master=MASTER)
    try:
        yield store, agent_sink(store, writer, monitor)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.close()


def reading(minute: float, celsius: str) -> Observation:
    return Observation(
        "ctrl-1", T0 + timedelta(minutes=minute), {"air_temp": Decimal(celsius)}, {"air_temp": "°C"}
    )


async def test_silence_is_an_alarm_and_the_gap_is_reported(tmp_path: Path) -> None:
    async with room(tmp_path / "a.db") as (store, sink):
        await sink.observe(reading(0, "4"))
        await sink.observe(reading(5, "9"))
        await sink.tick(T0 + timedelta(minutes=19))
        assert [e.type for e in store.events() if e.type == "device.alarm"] == []
        await sink.tick(T0 + timedelta(minutes=20))
        await sink.tick(T0 + timedelta(hours=2))
        await sink.observe(reading(185, "4"))
        alarms = [e for e in store.events() if e.type == "device.alarm"]
        assert [(e.data["code"], e.data["active"]) for e in alarms] == [
            ("readings_silent", True),
            ("readings_silent", False),
        ]
        assert alarms[0].moment == T0 + timedelta(minutes=20)
        assert "last 9 °C" in alarms[0].data["message"]
        assert "gap of 3:00:00" in alarms[1].data["message"]
        # 9 °C held for 15 minutes of the silence: the 10-minute delay was met on the way
        assert [e.type for e in store.events()].count("excursion.opened") == 1


async def test_one_in_range_reading_does_not_hold_the_stock_twice(tmp_path: Path) -> None:
    async with room(tmp_path / "a.db") as (store, sink):
        lot = LotReceived(
            item="chicken", lot="L1", location="cold-room-1", qty=Decimal(5), unit=Unit.KG
        )
        store.append([EventDraft("lot.received", T0 - timedelta(hours=1), lot)])
        for minute, celsius in [(0, "9"), (5, "9"), (10, "9"), (15, "7"), (20, "9"), (25, "9")]:
            await sink.observe(reading(minute, celsius))
        types = [e.type for e in store.events()]
        assert types.count("excursion.opened") == 1
        assert types.count("excursion.closed") == 0
        assert types.count("lot.blocked") == 1
