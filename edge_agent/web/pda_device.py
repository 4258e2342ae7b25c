"""The PDA app as one of the sink's pipelines: its scans are the kitchen's, exactly as a PDA
node's are, and the app hears why one was refused.

The sink keeps a refused observation in quarantine with the reason and tells the adapter
nothing (a device cannot be told). A person holding a phone can: this pipeline claims the
app's device, hands the scan to the kitchen, and keeps the refusal it raised for the page
that submitted it, then lets it go on to the sink's quarantine like any other. A count
refused because it disagrees with a count of the same stock moments before says so, so the
page can offer the ``recount`` that replaces the first (as a PDA node would send it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from domain.events import EventDraft
from domain.kitchen.counts import CountConflict
from domain.observation import Observation
from domain.rules.facts import SiteFacts
from edge_agent.kitchen.pipeline import KitchenPipeline
from edge_agent.pipeline.base import Pipeline


@dataclass(frozen=True, slots=True)
class PdaRefusal:
    """Why the kitchen refused a scan; ``count_conflict`` when a ``recount`` would be taken."""

    reason: str
    count_conflict: bool = False


class ScreenPda(Pipeline):
    name = "pda-app"

    def __init__(self, kitchen: KitchenPipeline, device: str) -> None:
        self.kitchen = kitchen
        self.device = device
        self._refusal: PdaRefusal | None = None
        self._one_at_a_time = asyncio.Lock()

    def claims(self, obs: Observation) -> bool:
        return obs.device == self.device

    async def observe(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        try:
            await self.kitchen.observe(obs)
        except ValueError as exc:
            reason = " ".join(str(exc).split("\n")[:3])
            self._refusal = PdaRefusal(reason, isinstance(exc.__cause__, CountConflict))
            raise
        return []

    async def submit(
        self, obs: Observation, observe: Callable[[Observation], Awaitable[None]]
    ) -> PdaRefusal | None:
        """Send ``obs`` through the agent's sink (``observe``); why it was refused, if it was.

        One scan at a time, so the refusal heard is this scan's."""
        async with self._one_at_a_time:
            self._refusal = None
            await observe(obs)
            return self._refusal
