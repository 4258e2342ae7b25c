"""Readings of sensors that are not stock scales: temperatures, door switches, line states.

A probe reporting every few seconds would flood the ledger with the same value, so a metric
is recorded when it moves by more than its deadband, when it has not been recorded for
``heartbeat_s`` (so a silent-but-steady sensor still shows it is alive and what it read), and
always on its first observation after start. Numbers become ``reading.recorded``; switches
become ``reading.recorded`` with 0/1 and unit ``bool``, so they chart and feed the anomaly
model next to temperatures; text states (PackML state, batch, recipe) become
``device.state`` when they change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.events import EventDraft
from domain.observation import Observation, Value
from domain.payloads import DeviceState, ReadingRecorded

BOOL_UNIT = "bool"
DIMENSIONLESS = "1"


@dataclass(frozen=True, slots=True)
class ReadingPolicy:
    """When a metric is worth an event."""

    heartbeat_s: float = 300.0
    deadband: Mapping[str, Decimal] = field(default_factory=dict)
    locations: Mapping[str, str] = field(default_factory=dict)
    ignored: frozenset[str] = frozenset()
    """Metrics never recorded: a frame's own bookkeeping (packet ids, counters), not a
    measurement."""


@dataclass(slots=True)
class _Recorded:
    value: Value
    at: datetime


class ReadingRecorder:
    """Remembers the last recorded value of each (device, metric) and says what to record."""

    def __init__(self, policy: ReadingPolicy) -> None:
        self.policy = policy
        self._last: dict[tuple[str, str], _Recorded] = {}

    def observe(self, obs: Observation) -> list[EventDraft]:
        location = self.policy.locations.get(obs.device)
        drafts = []
        for metric, value in obs.values.items():
            if metric in self.policy.ignored or not self._due(obs.device, metric, value, obs.at):
                continue
            self._last[obs.device, metric] = _Recorded(value, obs.at)
            drafts.append(self._draft(obs, metric, value, location))
        return drafts

    def _due(self, device: str, metric: str, value: Value, at: datetime) -> bool:
        last = self._last.get((device, metric))
        if last is None or type(last.value) is not type(value):
            return True
        if isinstance(value, Decimal) and isinstance(last.value, Decimal):
            if abs(value - last.value) > self.policy.deadband.get(metric, Decimal(0)):
                return True
        elif value != last.value:
            return True
        if isinstance(value, str):
            return False  # a state is news only when it changes
        return (at - last.at).total_seconds() >= self.policy.heartbeat_s

    @staticmethod
    def _draft(obs: Observation, metric: str, value: Value, location: str | None) -> EventDraft:
        if isinstance(value, str):
            state = DeviceState(device=obs.device, metric=metric, value=value, location=location)
            return EventDraft("device.state", obs.at, state)
        if isinstance(value, bool):
            number, unit = Decimal(int(value)), BOOL_UNIT
        else:
            number, unit = value, obs.units.get(metric) or DIMENSIONLESS
        reading = ReadingRecorded(
            device=obs.device, metric=metric, value=number, unit=unit, location=location
        )
        return EventDraft("reading.recorded", obs.at, reading)
