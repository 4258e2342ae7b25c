"""The plant of an agent config (``plant:``), built for ``agent.build``: the line's desk on the
agent's store and sink, the runner of its work orders on the OPC UA line, and the site bus's
issue commands. Imported only by an agent that has a ``plant:`` section (it brings asyncua)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

from domain.constraints import Constraint
from domain.masterdata import MasterData
from edge_agent.adapters.opcua.profile import load_profile
from edge_agent.clock import Clock
from edge_agent.config import AgentConfig
from edge_agent.config.devices import OpcUaLineConfig
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.plant.bus_routes import route_issues
from edge_agent.plant.line import LineDesk
from edge_agent.plant.progress import CHECKPOINT
from edge_agent.plant.runner import LineRunner
from edge_agent.plant.scales import IssueScales
from edge_agent.sink import AgentSink
from edge_agent.site_bus import SiteBus
from edge_agent.store import EdgeStore


class PlantMasterData:
    """The process constraints in force, replaced when the cloud sends new master data."""

    def __init__(self, master: MasterData) -> None:
        self.constraints: Sequence[Constraint] = tuple(master.constraints)

    def use_masterdata(self, master: MasterData) -> None:
        self.constraints = tuple(master.constraints)


def build_plant(
    config: AgentConfig,
    store: EdgeStore,
    sink: AgentSink,
    master: PlantMasterData,
    bus: SiteBus | None,
    clock: Clock,
) -> LineRunner:
    """The runner of the config's line, its issue commands routed from ``bus``."""
    plant = config.plant
    assert plant is not None, "build_plant is for an agent with a plant: section"
    (line,) = [d for d in config.devices_of(OpcUaLineConfig) if d.id == plant.line]

    async def save_state(name: str, state: bytes) -> None:
        await asyncio.to_thread(store.save_checkpoint, name, state)

    desk = LineDesk(
        DownlinkInbox(store.path), config.agent.site, sink.record, lambda: master.constraints,
        stored=store.checkpoint(CHECKPOINT), backflush=plant.cell.consume_at == "assembly",
        lots_at=store.lots_on_hand, save_state=save_state,
    )  # fmt: skip
    if bus is not None:
        route_issues(bus, desk, clock)
    if plant.scales:

        def last_weight(device: str) -> Decimal | None:
            last = store.latest_reading(device, "weight")
            return last[0] if last else None

        sink.add(IssueScales(desk, plant.scales, last_weight, sink.record), first=True)
    namespace = load_profile(line.profile).namespace_uri
    return LineRunner(plant, line.endpoint, namespace, desk)
