"""A cold room whose compressor fails, played from the physical model through the agent's
real sink, store and packaged anomaly model: the failure is flagged (``coldroom.diagnosed``
and a ``device.alarm``) well before the threshold excursion opens, and the diagnosis is
checkpointed with its events, so a restart does not flag it again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain.coldchain.rule import ExcursionRule
from domain.observation import Observation
from edge_agent.inference import AnomalyClassifier
from edge_agent.pipeline.coldchain import CHECKPOINT, ColdChainMonitor, Signal, WatchedLocation
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter
from simulators.coldroom_process import ColdRoomProcess, ColdRoomSettings
from tests.edge.sinks import agent_sink

START = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
FAILURE_AT_S = 3 * 3600
ROOM = WatchedLocation(
    location="cold-room-1",
    rule=ExcursionRule(high_c=Decimal(8), delay=timedelta(minutes=30)),
    temperature=Signal("ctrl", "air_temp"),
    door=Signal("ctrl", "door_open"),
    compressor=Signal("ctrl", "compressor"),
)


@pytest.fixture(scope="module")
def classifier() -> AnomalyClassifier:
    return AnomalyClassifier.load()


@asynccontextmanager
async def sink_on(path: Path, classifier: AnomalyClassifier) -> AsyncIterator[AgentSink]:
    store = EdgeStore(path, agent="a1", site="s1")
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run())
    monitor = ColdChainMonitor([ROOM], store.checkpoint(CHECKPOINT), classifier=classifier)
    try:
        yield agent_sink(store, writer, monitor)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.close()


def room_readings(until_s: float, since_s: float = 0) -> list[Observation]:
    """The controller polled every 30 s of simulated time."""
    room = ColdRoomProcess(
        seed=3, settings=replace(ColdRoomSettings(), compressor_failure_at_s=FAILURE_AT_S)
    )
    out = []
    t = 0.0
    while t < until_s:
        reading = room.advance(30)
        t += 30
        if t >= since_s:
            values = {
                "air_temp": Decimal(str(reading.air_temp)),
                "door_open": reading.door_open,
                "compressor": reading.compressor,
            }
            at = START + timedelta(seconds=t)
            out.append(Observation("ctrl", at, values, {"air_temp": "°C"}))
    return out


def first(
    events: list[tuple[str, dict[str, object], datetime]], kind: str, **match: object
) -> datetime | None:
    for event_type, data, at in events:
        if event_type == kind and all(data.get(k) == v for k, v in match.items()):
            return at
    return None


async def test_a_compressor_failure_is_flagged_before_the_excursion_opens(
    tmp_path: Path, classifier: AnomalyClassifier
) -> None:
    path = tmp_path / "a.db"
    async with sink_on(path, classifier) as sink:
        for obs in room_readings(FAILURE_AT_S + 3 * 3600):
            await sink.observe(obs)
    store = EdgeStore(path, agent="a1", site="s1")
    events = [(e.type, dict(e.data), datetime.fromisoformat(e.at)) for e in store.events()]
    store.close()
    flagged = first(events, "coldroom.diagnosed", label="compressor_failure")
    alarm = first(events, "device.alarm", code="compressor_failure", active=True)
    opened = first(events, "excursion.opened")
    assert flagged is not None
    assert alarm == flagged
    assert opened is not None
    failure = START + timedelta(seconds=FAILURE_AT_S)
    assert failure < flagged < opened - timedelta(minutes=15), (flagged, opened)
    normal_before = [d for t, d, at in events if t == "coldroom.diagnosed" and at < failure]
    assert all(d["label"] != "compressor_failure" for d in normal_before)


async def test_after_a_restart_the_same_diagnosis_is_not_raised_again(
    tmp_path: Path, classifier: AnomalyClassifier
) -> None:
    path = tmp_path / "a.db"
    readings = room_readings(FAILURE_AT_S + 2 * 3600)
    cut = len(readings) * 3 // 4
    async with sink_on(path, classifier) as sink:
        for obs in readings[:cut]:
            await sink.observe(obs)
    async with sink_on(path, classifier) as sink:
        for obs in readings[cut:]:
            await sink.observe(obs)
    store = EdgeStore(path, agent="a1", site="s1")
    alarms = [e for e in store.events() if e.type == "device.alarm" and e.data["active"]]
    store.close()
    assert [a.data["code"] for a in alarms] == ["compressor_failure"]
