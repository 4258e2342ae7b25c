"""The agent's side of the adapter contract: what each thing a device says becomes.

A stock scale's weight goes to its ``ScaleTracker`` (stock moves); a barcode read becomes a
``code.scanned``; every other observation goes to the ``ReadingRecorder`` (readings and
states), and a watched temperature also to the cold-chain monitor; presence and alarms become device
events; whatever cannot become an event is kept in the store's quarantine with the reason.
The rules (``domain.rules``) see every event before it is stored, and their actions are
stored with it; the clock (``tick``) also runs the rules that depend on time.
Every path ends in the group-commit writer, whose bounded queue makes a busy agent push back
on the adapters instead of dropping.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime
from typing import Literal

from pydantic import ValidationError

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
from edge_agent.clock import Clock
from edge_agent.kitchen.pda import PdaUnusable
from edge_agent.kitchen.pipeline import KitchenPipeline, KitchenRefused
from edge_agent.pipeline.coldchain import CHECKPOINT as COLDCHAIN_CHECKPOINT
from edge_agent.pipeline.coldchain import ColdChainMonitor, SignalUnusable
from edge_agent.pipeline.readings import ReadingRecorder
from edge_agent.pipeline.rules import CHECKPOINT as RULES_CHECKPOINT
from edge_agent.pipeline.rules import ClockRules, StoreFacts
from edge_agent.pipeline.scale import ScaleTracker, WeightSkipped
from edge_agent.pipeline.scans import ScanUnusable, scan_event
from edge_agent.store import EdgeStore
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
        trackers: dict[str, ScaleTracker],
        recorder: ReadingRecorder,
        coldchain: ColdChainMonitor | None = None,
        scanners: frozenset[str] = frozenset(),
        clock: Clock | None = None,
        rules: ClockRules | None = None,
    ) -> None:
        """``rules`` run on the events of the recorder, scales, scanners, devices and
        releases, and on the clock; the cold-chain monitor runs them on its own events."""
        self._store = store
        self._writer = writer
        self._trackers = trackers
        self._recorder = recorder
        self._coldchain = coldchain
        self._scanners = scanners
        self._clock = clock or Clock()
        self._rules = rules
        self._site = StoreFacts(store, coldchain.places() if coldchain else {})
        self._kitchen: KitchenPipeline | None = None

    def attach_kitchen(self, kitchen: KitchenPipeline) -> None:
        """Send the kitchen's devices (PDAs, station scales) to it and tick its clocks."""
        self._kitchen = kitchen

    @property
    def anomaly_mode(self) -> str | None:
        """How cold rooms are diagnosed: ``litert``, ``tflite-runtime``, ``rules``, or None."""
        diagnosis = self._coldchain.diagnosis if self._coldchain else None
        return diagnosis.classifier.mode if diagnosis else None

    async def observe(self, obs: Observation) -> None:
        if not self._clock.real:
            obs = replace(obs, at=self._clock.stamp(obs.at))
        obs = self._recorder.calibrate(obs)
        tracker = self._trackers.get(obs.device)
        kitchen = self._kitchen
        try:
            if kitchen is not None and kitchen.handles(obs.device):
                await kitchen.observe(obs)
                return
            if tracker is not None:
                drafts = tracker.observe(obs, self._store.lots_on_hand)
            elif obs.device in self._scanners:
                drafts = [scan_event(obs)]
            else:
                drafts = self._recorder.observe(obs)
            drafts = self._react(drafts)
            if self._coldchain is not None:
                # every reading, not only the recorded ones: the detector needs them all
                drafts += self._coldchain.observe(obs, self._site)
        except (
            WeightSkipped,
            SignalUnusable,
            ScanUnusable,
            KitchenRefused,
            PdaUnusable,
            ValidationError,
        ) as exc:
            await self.quarantine(obs.device, _first_line(exc), repr(obs))
            return
        await self._submit(drafts)
        if kitchen is not None:  # food probes are evidence for thawing and cooling clocks
            await kitchen.readings(drafts)

    async def tick(self, now: datetime | None = None) -> None:
        """Let time pass: cold-chain escalation without new readings, and the clock rules."""
        now = now or self._clock.now()
        if self._coldchain is not None:
            await self._submit(self._coldchain.tick(now, self._site))
        if self._kitchen is not None:
            await self._kitchen.tick(now)
        if self._rules is None:
            return
        drafts, state = self._rules.due(now, self._site)
        if drafts:  # the actions and the state that says they happened, in one transaction
            await self._submit(drafts, {RULES_CHECKPOINT: self._rules.checkpoint(state)})
        self._rules.settle(state)

    async def acknowledge(self, location: str, user: str, action: str) -> None:
        """A person acknowledges the open excursion at ``location`` with what they did."""
        if self._coldchain is None:
            raise SignalUnusable("no cold-chain locations are configured")
        now = self._clock.now()
        drafts = self._coldchain.acknowledge(location, now, user, action, self._site)
        await self._submit(drafts)

    async def release(
        self,
        key: StockKey,
        *,
        disposition: Literal["release", "discard"],
        reason: str,
        operator: str,
    ) -> None:
        """A person lifts the hold on ``key``: usable again, or discarded (its stock written
        off with a ``stock.adjusted`` in the same transaction)."""
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
        on_hand = next((s.qty for s in self._store.stock_at(key.location) if s.key == key), None)
        if disposition == "discard" and on_hand is not None:
            written_off = StockAdjusted(
                item=key.item,
                lot=key.lot,
                location=key.location,
                qty=-on_hand.value,
                unit=on_hand.unit,
                reason=f"discarded: {reason}"[:200],
                operator=operator,
            )
            drafts.append(EventDraft("stock.adjusted", now, written_off))
        await self._submit(self._react(drafts))

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

    async def record(self, drafts: list[EventDraft], checkpoints: dict[str, bytes]) -> None:
        """Store a pipeline's drafts, with what the rules make of them, and its state."""
        await self._submit(self._react(drafts), checkpoints)

    async def _event(self, draft: EventDraft) -> None:
        await self._submit(self._react([draft]))

    def _react(self, drafts: list[EventDraft]) -> list[EventDraft]:
        """The drafts, each followed by what the event rules make of it."""
        if self._rules is None or not drafts:
            return drafts
        return self._rules.engine.react(drafts, self._site)

    async def _submit(
        self, drafts: list[EventDraft], checkpoints: dict[str, bytes] | None = None
    ) -> None:
        """Store ``drafts`` with the pipelines' state as it is now (``checkpoints`` given
        replace it: a state that is only true once these drafts are stored)."""
        if not drafts:
            return
        current: dict[str, bytes] = {}
        if self._coldchain is not None:
            current[COLDCHAIN_CHECKPOINT] = self._coldchain.checkpoint()
        if self._rules is not None:
            current[RULES_CHECKPOINT] = self._rules.checkpoint()
        await self._writer.submit(drafts, current | (checkpoints or {}))


def _first_line(exc: Exception) -> str:
    text = str(exc)
    return text if isinstance(exc, WeightSkipped) else " ".join(text.split("\n")[:3])
