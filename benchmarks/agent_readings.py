"""Cold-room readings/s through the agent: sink, readings, cold chain, model, durable store.

Observations of several cold rooms (air temperature, door, compressor, from the physical
model) go through the agent's real ``AgentSink``: calibration, the reading recorder, the
excursion detectors and the anomaly model scored once per room per minute of data, then the
group-commit writer into SQLite (WAL, synchronous=FULL). Eight producers submit at once, as
eight adapters would. The baseline, in the same run, appends the reading events the pipeline
made straight to a store in batches: what the disk costs without any pipeline.

    python benchmarks/agent_readings.py [--rooms 8] [--hours 6]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from domain.coldchain.rule import ExcursionRule
from domain.events import EventDraft
from domain.observation import Observation
from edge_agent.inference import AnomalyClassifier
from edge_agent.pipeline.coldchain import ColdChainMonitor, Signal, WatchedLocation
from edge_agent.pipeline.readings import ReadingPolicy, ReadingRecorder
from edge_agent.pipeline.rules import StoreFacts
from edge_agent.pipeline.stages import ColdChain, Readings
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter
from simulators.coldroom_process import ColdRoomProcess

START = datetime(2026, 11, 28, tzinfo=UTC)
POLL_S = 10


def rooms_observations(rooms: int, hours: float) -> list[list[Observation]]:
    """Each room's controller polled every 10 s of simulated time."""
    out = []
    for room in range(rooms):
        process = ColdRoomProcess(seed=room)
        device = f"ctrl-{room}"
        polls = []
        for step in range(int(hours * 3600 / POLL_S)):
            reading = process.advance(POLL_S)
            values = {
                "air_temp": Decimal(str(reading.air_temp)),
                "product_temp": Decimal(str(reading.product_temp)),
                "door_open": reading.door_open,
                "compressor": reading.compressor,
                "defrost": reading.defrost,
            }
            at = START + timedelta(seconds=step * POLL_S)
            polls.append(Observation(device, at, values, {"air_temp": "°C", "product_temp": "°C"}))
        out.append(polls)
    return out


def watched(rooms: int) -> list[WatchedLocation]:
    rule = ExcursionRule(high_c=Decimal(8), low_c=Decimal(0), delay=timedelta(minutes=30))
    return [
        WatchedLocation(
            location=f"room-{room}",
            rule=rule,
            temperature=Signal(f"ctrl-{room}", "air_temp"),
            door=Signal(f"ctrl-{room}", "door_open"),
            defrost=Signal(f"ctrl-{room}", "defrost"),
            compressor=Signal(f"ctrl-{room}", "compressor"),
        )
        for room in range(rooms)
    ]


async def through_agent(path: Path, work: list[list[Observation]]) -> tuple[float, int]:
    store = EdgeStore(path, agent="bench", site="bench")
    writer = GroupCommitWriter(store)
    monitor = ColdChainMonitor(watched(len(work)), None, classifier=AnomalyClassifier.load())
    locations = {f"ctrl-{room}": f"room-{room}" for room in range(len(work))}
    recorder = ReadingRecorder(ReadingPolicy(locations=locations))
    pipelines = [Readings(recorder), ColdChain(monitor)]
    site = StoreFacts(store, monitor.places())
    sink = AgentSink(store, writer, pipelines, site=site, calibrate=recorder.calibrate)
    task = asyncio.create_task(writer.run())

    async def adapter(polls: list[Observation]) -> None:
        for obs in polls:
            await sink.observe(obs)

    start = time.perf_counter()
    await asyncio.gather(*(adapter(polls) for polls in work))
    while not writer.idle:
        await asyncio.sleep(0.001)
    elapsed = time.perf_counter() - start
    task.cancel()
    events = store.stats().last_seq
    store.close()
    return sum(len(polls) for polls in work) / elapsed, events


def baseline(path: Path, made: EdgeStore, batch: int = 2000) -> float:
    """The same events (as drafts again) appended straight to a fresh store."""
    drafts = [EventDraft(e.type, datetime.fromisoformat(e.at), e.payload()) for e in made.events()]
    store = EdgeStore(path, agent="bench", site="bench")
    start = time.perf_counter()
    for i in range(0, len(drafts), batch):
        store.append(drafts[i : i + batch])
    elapsed = time.perf_counter() - start
    store.close()
    return len(drafts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=8)
    parser.add_argument("--hours", type=float, default=6.0)
    args = parser.parse_args()
    work = rooms_observations(args.rooms, args.hours)
    observations = sum(len(polls) for polls in work)
    print(f"{platform.node()} {platform.processor() or platform.machine()}: {args.rooms} rooms,")
    print(f"  {args.hours} h each polled every {POLL_S} s: {observations} observations")
    with tempfile.TemporaryDirectory() as folder:
        agent_db = Path(folder) / "agent.db"
        rate, events = asyncio.run(through_agent(agent_db, work))
        made = EdgeStore(agent_db, agent="bench", site="bench")
        raw = baseline(Path(folder) / "raw.db", made)
        made.close()
    print(f"through the agent: {rate:,.0f} observations/s -> {events} events")
    print(f"  ({rate * 5:,.0f} values/s: five per observation; each waits until durable)")
    print(f"baseline, the same {events} events appended straight to a store: {raw:,.0f} events/s")


if __name__ == "__main__":
    main()
