"""The agent's pipelines as the sink sees them (``edge_agent.pipeline.base``): stock scales,
barcode scanners, sensor readings and the cold chain, each wrapping its own logic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from domain.events import EventDraft
from domain.observation import Observation
from domain.rules.facts import SiteFacts
from edge_agent.pipeline.base import Pipeline
from edge_agent.pipeline.coldchain import CHECKPOINT, ColdChainMonitor
from edge_agent.pipeline.readings import CHECKPOINT as READINGS_CHECKPOINT
from edge_agent.pipeline.readings import ReadingRecorder
from edge_agent.pipeline.scale import ScaleTracker
from edge_agent.pipeline.scans import scan_event


class StockScales(Pipeline):
    """A stock scale's stable weight: stock received or consumed at its location."""

    name = "stock scales"

    def __init__(self, trackers: Mapping[str, ScaleTracker]) -> None:
        self._trackers = trackers

    def claims(self, obs: Observation) -> bool:
        return obs.device in self._trackers

    async def observe(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        return self._trackers[obs.device].observe(obs)


class Scanners(Pipeline):
    """A fixed scanner's or a camera's read: a ``code.scanned``."""

    name = "scanners"

    def __init__(self, devices: frozenset[str]) -> None:
        self._devices = devices

    def claims(self, obs: Observation) -> bool:
        return obs.device in self._devices

    async def observe(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        return [scan_event(obs)]


class Readings(Pipeline):
    """Every other observation: readings and states worth recording (last in the list)."""

    name = "readings"

    def __init__(self, recorder: ReadingRecorder) -> None:
        self._recorder = recorder

    def claims(self, obs: Observation) -> bool:
        return True

    async def observe(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        return self._recorder.observe(obs)

    def not_stored(self, drafts: Sequence[EventDraft]) -> None:
        self._recorder.forget(drafts)

    def checkpoints(self) -> Mapping[str, bytes]:
        return {READINGS_CHECKPOINT: self._recorder.checkpoint()}


class ColdChain(Pipeline):
    """Watched rooms' temperatures, doors, defrosts and compressors: excursions and holds."""

    name = "cold chain"

    def __init__(self, monitor: ColdChainMonitor) -> None:
        self.monitor = monitor

    async def watch(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        # every reading, not only the recorded ones: the detector needs them all
        return self.monitor.observe(obs, site)

    async def tick(self, now: datetime, site: SiteFacts) -> list[EventDraft]:
        return self.monitor.tick(now, site)

    def checkpoints(self) -> Mapping[str, bytes]:
        return {CHECKPOINT: self.monitor.checkpoint()}
