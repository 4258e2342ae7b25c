"""Scales that issue material to an operation (config ``plant.scales``): a container of one
lot on a scale at the line; when its weight settles lower, what was taken off is issued to
the work order running at the scale's operation (the open order started last on the line
that takes the item there), through the line's desk, with the scale's reading in the same
transaction, so a restart does not count the same drop twice.

A drop with no order to take it, or one the desk refuses (more than the order requires, a
lot a constraint refuses), is kept in quarantine with the reason; the new weight is still
recorded, so the next drop counts from it. A rise is the container being refilled: only
the reading is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from domain.events import EventDraft
from domain.observation import Observation
from domain.rules.facts import SiteFacts
from edge_agent.config.plant import IssueScaleConfig
from edge_agent.pipeline.base import Pipeline
from edge_agent.pipeline.scale import ScaleBinding, ScaleTracker
from edge_agent.plant.issue import IssueRefused, MaterialIssue
from edge_agent.plant.line import LineDesk, Record


class IssueScales(Pipeline):
    """The line's issuing scales, first in the sink's list so no other pipeline takes them."""

    name = "plant scales"

    def __init__(
        self,
        desk: LineDesk,
        scales: Sequence[IssueScaleConfig],
        last_weight: Callable[[str], Decimal | None],
        record: Record,
    ) -> None:
        self._desk, self._record = desk, record
        self._scales = {scale.device: scale for scale in scales}
        self._trackers = {
            s.device: ScaleTracker(
                ScaleBinding(s.device, s.item, s.location, s.unit, s.min_change),
                last_weight(s.device),
            )
            for s in scales
        }

    def claims(self, obs: Observation) -> bool:
        return obs.device in self._trackers

    async def observe(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        tracker, scale = self._trackers[obs.device], self._scales[obs.device]
        before = tracker.last_stable
        drafts = tracker.observe(obs)
        if not drafts:
            return []
        reading = drafts[0]
        after = tracker.last_stable
        if before is None or after is None or after >= before:
            return [reading]  # the first weight seen, or a refill
        order = self._desk.running(scale.operation, scale.item)
        taken = f"{obs.device}: {before - after} {scale.unit} of {scale.item} taken off"
        if order is None:
            await self._record([reading], {})
            raise IssueRefused(f"{taken}, but no open work order takes it at {scale.operation}")
        issue = MaterialIssue(
            order.work_order, scale.operation, scale.item, scale.lot, scale.location,
            before - after, scale.unit, obs.at, device=obs.device,
        )  # fmt: skip
        try:
            await self._desk.issue(issue, also=[reading])
        except IssueRefused as refused:
            await self._record([reading], {})
            raise IssueRefused(f"{taken}: {refused}") from refused
        return []
