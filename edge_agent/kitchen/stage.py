"""The kitchen as one of the sink's pipelines (``edge_agent.pipeline.base``): its PDAs and
station scales come to it, the recorded food-probe readings are its clocks' evidence, and its
clocks tick with the agent. It stores its own events, so it hands none back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.events import EventDraft
from domain.observation import Observation
from domain.rules.facts import SiteFacts
from edge_agent.kitchen.pipeline import KitchenPipeline
from edge_agent.pipeline.base import Pipeline


class KitchenDevices(Pipeline):
    name = "kitchen"

    def __init__(self, kitchen: KitchenPipeline) -> None:
        self.kitchen = kitchen

    def claims(self, obs: Observation) -> bool:
        return self.kitchen.handles(obs.device)

    async def observe(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        await self.kitchen.observe(obs)
        return []

    async def stored(self, drafts: Sequence[EventDraft]) -> None:
        await self.kitchen.readings(drafts)

    async def tick(self, now: datetime, site: SiteFacts) -> list[EventDraft]:
        await self.kitchen.tick(now)
        return []
