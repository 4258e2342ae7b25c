"""Fuzzing what a Modbus device's registers become in the agent: random register words of
every shipped profile, decoded, then handed to the agent's real sink and stored in a real
SQLite store. Each decoded observation is recorded with exactly the decoded values, or kept in
quarantine with a reason naming what is wrong; nothing escapes, and nothing is dropped unseen.

Bounded and derandomized: the same examples every run.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.observation import Observation, Value
from edge_agent.adapters.modbus.decode import RegisterBlock, decode_observation
from edge_agent.adapters.modbus.errors import DecodeError
from edge_agent.pipeline.scale import ScaleBinding, ScaleTracker
from edge_agent.pipeline.stages import StockScales
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter
from tests.adapters.test_modbus_decode import SHIPPED, shipped

pytestmark = [pytest.mark.timeout(300)]

AT = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
# Plain words, and the words of extreme float32s (±max, tiny subnormals, ±0): the values that
# reach the payload models' bounds.
EXTREME_FLOAT_WORDS = [0x7F7F, 0xFFFF, 0xFF7F, 0x0000, 0x0001, 0x8000, 0x0080, 0x3F80]
word = st.integers(0, 0xFFFF) | st.sampled_from(EXTREME_FLOAT_WORDS)


@st.composite
def observations(draw: st.DrawFn) -> list[Observation]:
    """Observations decoded from random words laid out as each profile's read plan asks."""
    found: list[Observation] = []
    for n in range(draw(st.integers(1, 12))):
        profile = shipped(draw(st.sampled_from(SHIPPED)))
        registers = [
            RegisterBlock(
                chunk.start, draw(st.lists(word, min_size=chunk.count, max_size=chunk.count))
            )
            for chunk in profile.read_plan()
            if not hasattr(chunk.table, "bits")
        ]
        try:
            found.append(decode_observation(profile, registers, device=f"dev-{n}", at=AT))
        except DecodeError:
            continue  # the poller quarantines these itself (tests/adapters/test_modbus_fuzz.py)
    return found


async def store_all(path: Path, batch: list[Observation]) -> EdgeStore:
    store = EdgeStore(path, agent="a1", site="s1")
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run())
    try:
        sink = AgentSink(store, writer)
        for obs in batch:
            await sink.observe(obs)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return store


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(batch=observations())
def test_decoded_registers_are_recorded_exactly_or_quarantined_with_the_reason(
    batch: list[Observation],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = asyncio.run(store_all(Path(folder) / "agent.db", batch))
        try:
            recorded: dict[tuple[str, str], Decimal] = {
                (e.data["device"], e.data["metric"]): Decimal(e.data["value"])
                for e in store.events()
                if e.type == "reading.recorded"
            }
            refused = {q.source: q for q in store.quarantined()}
        finally:
            store.close()
    for obs in batch:
        if obs.device in refused:
            reason = refused[obs.device].reason
            assert reason, obs
            assert "Traceback" not in reason, reason
            assert refused[obs.device].raw, "the observation is kept with its reason"
            assert not any(device == obs.device for device, _ in recorded)
            continue
        for metric, value in obs.values.items():
            expected = Decimal(int(value)) if isinstance(value, bool) else value
            assert recorded[obs.device, metric] == expected, (obs.device, metric)


async def weigh(path: Path, grams: list[str]) -> EdgeStore:
    """A stock scale's stable weights, one after another, through the agent's real sink."""
    store = EdgeStore(path, agent="a1", site="s1")
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run())
    tracker = ScaleTracker(ScaleBinding(device="wok-scale", item="rice", location="wok"), None)
    try:
        sink = AgentSink(store, writer, [StockScales({"wok-scale": tracker})])
        for n, weight in enumerate(grams):
            values: dict[str, Value] = {"weight": Decimal(weight), "stable": True}
            at = AT + timedelta(seconds=n)
            await sink.observe(Observation("wok-scale", at, values, units={"weight": "g"}))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return store


def test_a_weight_the_agent_cannot_store_is_not_taken_as_the_scales(tmp_path: Path) -> None:
    """Found by the fuzzer above: a float32 scale's garbage word (-2.87E+16 g) was quarantined,
    but the stock scale took it as its last weight, so the next real change was counted from
    it, refused too, and the stock it moved was never posted: the ledger left the scale."""
    store = asyncio.run(weigh(tmp_path / "agent.db", ["1000", "-28711600000000000", "800"]))
    try:
        wok = [qty.value for key, qty in store.ledger().items() if key.location == "wok"]
        refused = store.quarantined()
    finally:
        store.close()
    assert [(q.source, "out of range" in q.reason) for q in refused] == [("wok-scale", True)]
    assert sum(wok, Decimal(0)) == Decimal(800)
