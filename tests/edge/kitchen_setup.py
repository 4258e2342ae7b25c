"""The kitchen pipeline wired to a real sink, writer and SQLite store, as the agent wires it,
for the kitchen tests: one place that knows how the parts fit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from domain.kitchen.clocks.rules import ClockRules
from domain.masterdata import MasterData
from edge_agent.config import KITCHEN_CLOCKS
from edge_agent.kitchen.pipeline import KitchenPipeline
from edge_agent.kitchen.stage import KitchenDevices
from edge_agent.kitchen.stored_rows import read_kitchen
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.store.state_writes import Checkpoint
from edge_agent.writer import GroupCommitWriter
from edge_agent.yaml_config import load_model

ROOT = Path(__file__).resolve().parents[2]
MASTER = load_model(ROOT / "firmware_configs" / "kitchen" / "masterdata.yaml", MasterData)
CLOCKS = load_model(KITCHEN_CLOCKS, ClockRules)


@asynccontextmanager
async def kitchen_parts(
    path: Path, **pipeline: Any
) -> AsyncIterator[tuple[EdgeStore, AgentSink, KitchenPipeline]]:
    """Store, sink and pipeline on ``path`` (a PDA ``pda-1``; ``pipeline`` adds scales,
    probes, a zone); the writer runs until the block ends."""
    store = EdgeStore(path, agent="a1", site="s1")
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run())
    sink = AgentSink(store, writer)

    async def save_state(name: str, state: Checkpoint) -> None:
        await asyncio.to_thread(store.save_checkpoint, name, state)

    kitchen = KitchenPipeline(
        MASTER,
        CLOCKS,
        lots_at=store.lots_on_hand,
        record=sink.record,
        save_state=save_state,
        stored=store.read(read_kitchen),
        pdas=["pda-1"],
        **pipeline,
    )
    sink.add(KitchenDevices(kitchen), first=True)
    try:
        yield store, sink, kitchen
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.close()
