"""The sink asks its list of pipelines: a new pipeline is one class and a place in the list,
every pipeline's state is stored with the events, and a refusal is quarantined. Real stores."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain.events import EventDraft
from domain.observation import Observation
from domain.payloads import ReadingRecorded
from domain.rules.facts import SiteFacts
from edge_agent.pipeline.base import Pipeline
from edge_agent.pipeline.readings import CHECKPOINT, ReadingPolicy, ReadingRecorder
from edge_agent.pipeline.stages import Readings
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter

pytestmark = pytest.mark.asyncio

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def probe(seconds: float, celsius: str, device: str = "probe-1") -> Observation:
    return Observation(device, T0 + timedelta(seconds=seconds), {"temperature": Decimal(celsius)})


class DoorCounter(Pipeline):
    """A pipeline made up for this test: it claims one device and counts what it sees."""

    name = "door counter"

    def __init__(self) -> None:
        self.watched: list[str] = []
        self.stored_types: list[str] = []
        self.opened = 0

    def claims(self, obs: Observation) -> bool:
        return obs.device == "door-1"

    async def observe(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        if obs.values.get("open") not in (True, False):
            raise ValueError(f"{obs.device}: open must be true or false")
        self.opened += obs.values["open"] is True
        reading = ReadingRecorded(
            device=obs.device, metric="openings", value=Decimal(self.opened), unit="1"
        )
        return [EventDraft("reading.recorded", obs.at, reading)]

    async def watch(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        self.watched.append(obs.device)
        return []

    async def stored(self, drafts: Sequence[EventDraft]) -> None:
        self.stored_types += [draft.type for draft in drafts]

    def checkpoints(self) -> dict[str, bytes]:
        return {"door-counter": str(self.opened).encode()}


@asynccontextmanager
async def running(store: EdgeStore, pipelines: list[Pipeline]) -> AsyncIterator[AgentSink]:
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run())
    try:
        yield AgentSink(store, writer, pipelines)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_new_pipeline_is_a_class_and_a_place_in_the_list(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a1", site="s1")
    doors = DoorCounter()
    async with running(store, [doors, Readings(ReadingRecorder(ReadingPolicy()))]) as sink:
        await sink.observe(Observation("door-1", T0, {"open": True}))
        await sink.observe(probe(1, "3.5"))
        await sink.observe(Observation("door-1", T0, {"open": "ajar"}))
    events = [(e.type, e.data["device"], e.data["metric"]) for e in store.events()]
    assert events == [
        ("reading.recorded", "door-1", "openings"),
        ("reading.recorded", "probe-1", "temperature"),
    ]
    assert doors.watched == ["door-1", "probe-1"]  # every observation, whoever claimed it
    assert doors.stored_types == ["reading.recorded", "reading.recorded"]
    assert store.checkpoint("door-counter") == b"1"
    (refused,) = store.quarantined()
    assert (refused.source, refused.reason) == ("door-1", "door-1: open must be true or false")
    store.close()


async def test_a_restarted_agent_does_not_record_a_redelivered_reading_twice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.db"
    store = EdgeStore(path, agent="a1", site="s1")
    async with running(store, [Readings(ReadingRecorder(ReadingPolicy()))]) as sink:
        await sink.observe(probe(0, "4.5"))
    store.close()  # the process dies before the broker hears the ack

    store = EdgeStore(path, agent="a1", site="s1")
    recorder = ReadingRecorder(ReadingPolicy(), store.checkpoint(CHECKPOINT))
    async with running(store, [Readings(recorder)]) as sink:
        await sink.observe(probe(5, "4.5"))  # the broker's redelivery of the same message
        await sink.observe(probe(6, "7.0"))
    values = [e.data["value"] for e in store.events()]
    assert values == ["4.5", "7.0"]
    store.close()


async def test_a_device_clock_days_ahead_is_quarantined_and_the_others_are_stored(
    tmp_path: Path,
) -> None:
    """Issue 9: what the edge seals the cloud can store. An event dated beyond the window is
    refused at the edge, only for the observation it came from, and kept in quarantine."""
    store = EdgeStore(tmp_path / "a.db", agent="a1", site="s1")
    now = datetime.now(UTC)
    ahead = Observation("probe-9", now + timedelta(days=2), {"temperature": Decimal("4.0")})
    fine = [Observation(f"probe-{n}", now, {"temperature": Decimal("4.0")}) for n in range(4)]
    async with running(store, [Readings(ReadingRecorder(ReadingPolicy()))]) as sink:
        await asyncio.gather(*(sink.observe(o) for o in [*fine[:2], ahead, *fine[2:]]))
        await sink.observe(
            Observation("probe-9", now, {"temperature": Decimal("4.0")})
        )  # its next, sane reading is recorded: the refused one was never taken as seen
    devices = sorted(e.data["device"] for e in store.events())
    assert devices == ["probe-0", "probe-1", "probe-2", "probe-3", "probe-9"]
    (refused,) = store.quarantined()
    assert refused.source == "probe-9"
    assert "ahead" in refused.reason or "future" in refused.reason, refused.reason
    store.close()
