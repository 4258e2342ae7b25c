"""What the sink asks of each of the agent's pipelines.

The sink holds an ordered list of pipelines. Each observation is offered to them in order: the
first that ``claims`` it makes its events (a stock scale's weight, a PDA's scan, a sensor's
reading); then every pipeline may ``watch`` it (the cold chain follows every temperature). The
events are stored in one transaction with every pipeline's ``checkpoints``; then each pipeline
hears what was ``stored`` (a probe's recorded reading is evidence for the kitchen's clocks),
or that it was ``not_stored`` (so a redelivered message is not taken for one already seen).
Time passes for all of them through ``tick``. A pipeline refuses an observation by raising
``ValueError``: the sink keeps it in quarantine with the reason.

Adding a pipeline is writing one of these and putting it in the list: no adapter and no
``if``/``elif`` changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from domain.events import EventDraft
from domain.observation import Observation
from domain.rules.facts import SiteFacts


class Pipeline:
    """A stage of what observations become; every hook does nothing until overridden."""

    name = "pipeline"

    def claims(self, obs: Observation) -> bool:
        """Whether this pipeline makes the events of ``obs`` (the first that claims wins)."""
        return False

    async def observe(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        """The events of an observation this pipeline claimed (the rules react to them)."""
        return []

    async def watch(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        """Events any observation leads to, whoever claimed it (already reacted to)."""
        return []

    async def stored(self, drafts: Sequence[EventDraft]) -> None:
        """``drafts`` are durable now."""

    def not_stored(self, drafts: Sequence[EventDraft]) -> None:
        """Storing ``drafts`` failed (a full disk): forget anything that assumed they were."""

    async def tick(self, now: datetime, site: SiteFacts) -> list[EventDraft]:
        """Events that time alone leads to."""
        return []

    def checkpoints(self) -> Mapping[str, bytes]:
        """This pipeline's state, stored with every append so that a restart resumes it."""
        return {}
