"""The agent's side of the adapter contract: what each thing a device says becomes.

Observations go through the agent's pipelines (``edge_agent.pipeline.base``): the first that
claims one makes its events, every pipeline may watch it, and whatever a pipeline refuses is
kept in the store's quarantine with the reason. Presence and alarms become device events. The
rules (``domain.rules``) see every event before it is stored, and their actions are stored
with it; the clock (``tick``) also runs the rules that depend on time. Every path ends in the
group-commit writer, whose bounded queue makes a busy agent push back on the adapters instead
of dropping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Literal

from domain.events import EventDraft
from domain.ledger import StockKey
from domain.observation import Observation
from domain.payloads import (
    DeviceAlarm,
    DeviceOffline,
    DeviceOnline,
    LotReleased,
    StockAdjusted,
)
from domain.rules.facts import SiteFacts
from edge_agent.clock import Clock
from edge_agent.pipeline.base import Pipeline
from edge_agent.pipeline.readings import ReadingPolicy, ReadingRecorder
from edge_agent.pipeline.rules import CHECKPOINT as RULES_CHECKPOINT
from edge_agent.pipeline.rules import ClockRules, StoreFacts
from edge_agent.pipeline.scale import WeightSkipped
from edge_agent.pipeline.stages import Readings
from edge_agent.store import EdgeStore
from edge_agent.store.decisions import Decided, Draft, LotsAt, StockDecision
from edge_agent.store.state_writes import Checkpoint
from edge_agent.writer import GroupCommitWriter

log = logging.getLogger(__name__)

_REASON_MAX = 500


class LotNotHeld(ValueError):
    """A release names stock that is not on hold."""


class AgentSink:
    """Implements ``edge_agent.adapters.base.DeviceSink`` for the running agent."""

    def __init__(
        self,
        store: EdgeStore,
        writer: GroupCommitWriter,
        pipelines: Sequence[Pipeline] = (),
        *,
        site: SiteFacts | None = None,
        clock: Clock | None = None,
        rules: ClockRules | None = None,
        calibrate: Callable[[Observation], Observation] | None = None,
    ) -> None:
        """``pipelines`` are asked in order (the last should claim everything, as
        ``Readings`` does; without pipelines, readings are recorded with the default policy).
        ``rules`` run on the pipelines' events and on the clock; ``site`` is what they see of
        the site (the store's stock, holds and readings by default). ``calibrate`` adds the
        configured offsets to what probes report before any pipeline sees it."""
        self._store = store
        self._writer = writer
        self._pipelines = list(pipelines) or [Readings(ReadingRecorder(ReadingPolicy()))]
        self._site = site or StoreFacts(store, {})
        self._clock = clock or Clock()
        self._rules = rules
        self._calibrate = calibrate

    def add(self, pipeline: Pipeline, *, first: bool = False) -> None:
        """Ask ``pipeline`` too: first (before the others may claim), or last. For a
        pipeline that stores through this sink, so is made after it (the kitchen)."""
        self._pipelines.insert(0 if first else len(self._pipelines), pipeline)

    async def observe(self, obs: Observation) -> None:
        if not self._clock.real:
            obs = replace(obs, at=self._clock.stamp(obs.at))
        if self._calibrate is not None:
            obs = self._calibrate(obs)
        drafts: list[EventDraft] = []
        try:
            owner = next((p for p in self._pipelines if p.claims(obs)), None)
            drafts = self._react(await owner.observe(obs, self._site)) if owner else []
            for pipeline in self._pipelines:
                drafts += await pipeline.watch(obs, self._site)
            await self._submit(drafts)
        except ValueError as exc:
            # a pipeline refuses it, or the store refuses what it became (pydantic's errors
            # are ValueErrors too): kept with the reason, and the adapter goes on
            self._not_stored(drafts)
            await self.quarantine(obs.device, _first_line(exc), repr(obs))
            return
        except BaseException:
            self._not_stored(drafts)
            raise
        for pipeline in self._pipelines:
            await pipeline.stored(drafts)

    def _not_stored(self, drafts: list[EventDraft]) -> None:
        if drafts:
            for pipeline in self._pipelines:
                pipeline.not_stored(drafts)

    async def tick(self, now: datetime | None = None) -> None:
        """Let time pass for every pipeline (cold-chain escalation without new readings,
        kitchen clocks) and for the rules that depend on it."""
        now = now or self._clock.now()
        for pipeline in self._pipelines:
            await self._submit(await pipeline.tick(now, self._site))
        if self._rules is None:
            return
        drafts, state = self._rules.due(now, self._site)
        if drafts:  # the actions and the state that says they happened, in one transaction
            await self._submit(drafts, {RULES_CHECKPOINT: self._rules.checkpoint(state)})
        self._rules.settle(state)

    async def release(
        self,
        key: StockKey,
        *,
        disposition: Literal["release", "discard"],
        reason: str,
        operator: str,
    ) -> None:
        """A person lifts the hold on ``key``: usable again, or discarded (its stock written
        off with a ``stock.adjusted`` in the same transaction, as much as is left where the
        writer takes it: a use queued before it is not written off again)."""
        if key not in self._store.holds():
            raise LotNotHeld(f"lot {key.lot} of {key.item} at {key.location} is not on hold")
        now = self._clock.now()
        released = LotReleased(
            item=key.item,
            lot=key.lot,
            location=key.location,
            disposition=disposition,
            reason=reason,
            operator=operator,
        )
        drafts = [EventDraft("lot.released", now, released)]
        if disposition == "release":
            await self._submit(self._react(drafts))
            return
        # the unit does not change; the balance may, so it is read where the writer takes it
        unit = next((s.qty.unit for s in self._store.stock_at(key.location) if s.key == key), None)

        def written_off(lots_at: LotsAt) -> Decided:
            left = next(
                (lot.on_hand for lot in lots_at(key.item, key.location) if lot.lot == key.lot), None
            )
            if unit is None or left is None or left <= 0:
                return Decided(drafts)
            adjusted = StockAdjusted(
                item=key.item,
                lot=key.lot,
                location=key.location,
                qty=-left,
                unit=unit,
                reason=f"discarded: {reason}"[:200],
                operator=operator,
            )
            return Decided([*drafts, EventDraft("stock.adjusted", now, adjusted)])

        what = f"discard of lot {key.lot} of {key.item} at {key.location}"
        await self._submit(self._react_decided([StockDecision(written_off, what)]))

    async def online(self, device: str) -> None:
        payload = DeviceOnline(device=device)
        await self._event(EventDraft("device.online", self._clock.now(), payload))

    async def offline(self, device: str, reason: str) -> None:
        payload = DeviceOffline(device=device, reason=reason[:_REASON_MAX])
        await self._event(EventDraft("device.offline", self._clock.now(), payload))

    async def alarm(self, alarm: DeviceAlarm) -> None:
        await self._event(EventDraft("device.alarm", self._clock.now(), alarm))

    async def quarantine(self, source: str, reason: str, raw: str) -> None:
        log.debug("quarantined input from %s: %s", source, reason)
        await asyncio.to_thread(self._store.quarantine, source, reason, raw)

    async def record(
        self, drafts: Sequence[Draft], checkpoints: dict[str, Checkpoint], *, react: bool = True
    ) -> None:
        """Store a pipeline's drafts, with what the rules make of them (unless they already
        did: ``react=False``), and its state. A ``StockDecision``'s drafts are reacted to
        where the writer takes it, on the stock as it stands there."""
        await self._submit(self._react_decided(drafts) if react else drafts, checkpoints)

    async def _event(self, draft: EventDraft) -> None:
        await self._submit(self._react([draft]))

    def _react(self, drafts: list[EventDraft]) -> list[EventDraft]:
        """The drafts, each followed by what the event rules make of it."""
        if self._rules is None or not drafts:
            return drafts
        return self._rules.engine.react(drafts, self._site)

    def _react_decided(self, drafts: Sequence[Draft]) -> list[Draft]:
        """``_react``, where a decision's drafts are reacted to once the writer made them."""
        reacted: list[Draft] = []
        plain: list[EventDraft] = []
        for draft in drafts:
            if isinstance(draft, StockDecision):
                reacted += self._react(plain)
                plain = []
                reacted.append(draft.then(self._react))
            else:
                plain.append(draft)
        return reacted + self._react(plain)

    async def _submit(
        self, drafts: Sequence[Draft], checkpoints: dict[str, Checkpoint] | None = None
    ) -> None:
        """Store ``drafts`` with the pipelines' state as it is now (``checkpoints`` given
        replace it: a state that is only true once these drafts are stored)."""
        if not drafts:
            return
        current: dict[str, Checkpoint] = {}
        for pipeline in self._pipelines:
            current.update(pipeline.checkpoints())
        if self._rules is not None:
            current[RULES_CHECKPOINT] = self._rules.checkpoint()
        await self._writer.submit(drafts, current | (checkpoints or {}))


def _first_line(exc: Exception) -> str:
    text = str(exc)
    return text if isinstance(exc, WeightSkipped) else " ".join(text.split("\n")[:3])
