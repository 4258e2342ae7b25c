"""Readings of sensors that are not stock scales: temperatures, door switches, line states.

A probe reporting every few seconds would flood the ledger with the same value, so a metric
is recorded when it moves by more than its deadband, when it has not been recorded for
``heartbeat_s`` (so a silent-but-steady sensor still shows it is alive and what it read), and
always on its first observation after start. Numbers become ``reading.recorded``; switches
become ``reading.recorded`` with 0/1 and unit ``bool``, so they chart and feed the anomaly
model next to temperatures; text states (PackML state, batch, recipe) become
``device.state`` when they change.

Readings of a location are the HACCP record: they carry the calibrated value, the raw value
and offset of a calibrated probe, and a status (``probe_fault`` while the device flags its
probe as faulty in the same observation, ``ok`` otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
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
    calibration: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    """(device, metric) -> the offset added to what the probe reports."""


@dataclass(slots=True)
class _Recorded:
    value: Value
    at: datetime


class ReadingRecorder:
    """Remembers the last recorded value of each (device, metric) and says what to record."""

    def __init__(self, policy: ReadingPolicy) -> None:
        self.policy = policy
        self._last: dict[tuple[str, str], _Recorded] = {}

    def calibrate(self, obs: Observation) -> Observation:
        """The observation with each calibrated metric's offset added (the value everything
        downstream uses); ``observe`` expects a calibrated observation."""
        offsets = {
            metric: offset
            for metric, value in obs.values.items()
            if isinstance(value, Decimal)
            and (offset := self.policy.calibration.get((obs.device, metric))) is not None
        }
        if not offsets:
            return obs
        values = dict(obs.values) | {m: obs.values[m] + o for m, o in offsets.items()}  # type: ignore[operator]
        return replace(obs, values=values)

    def observe(self, obs: Observation) -> list[EventDraft]:
        location = self.policy.locations.get(obs.device)
        faulty = any(v is True for m, v in obs.values.items() if m.endswith("probe_fault"))
        drafts = []
        for metric, value in obs.values.items():
            if metric in self.policy.ignored or not self._due(obs.device, metric, value, obs.at):
                continue
            self._last[obs.device, metric] = _Recorded(value, obs.at)
            drafts.append(self._draft(obs, metric, value, location, faulty))
        return drafts

    def forget(self, drafts: Iterable[EventDraft]) -> None:
        """``drafts`` could not be stored: their values count as never seen, so the next
        observation (a broker's redelivery of the same message) is recorded, not dropped as
        unchanged. At worst a value is recorded twice; it is never lost."""
        for draft in drafts:
            payload = draft.payload
            if isinstance(payload, ReadingRecorded | DeviceState):
                self._last.pop((payload.device, payload.metric), None)

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

    def _draft(
        self, obs: Observation, metric: str, value: Value, location: str | None, faulty: bool
    ) -> EventDraft:
        if isinstance(value, str):
            state = DeviceState(device=obs.device, metric=metric, value=value, location=location)
            return EventDraft("device.state", obs.at, state)
        if isinstance(value, bool):
            number, unit = Decimal(int(value)), BOOL_UNIT
        else:
            number, unit = value, obs.units.get(metric) or DIMENSIONLESS
        offset = self.policy.calibration.get((obs.device, metric))
        measured = isinstance(value, Decimal)
        reading = ReadingRecorded(
            device=obs.device,
            metric=metric,
            value=number,
            unit=unit,
            location=location,
            raw=number - offset if offset is not None and measured else None,
            calibration_offset=offset if measured else None,
            status=("probe_fault" if faulty else "ok") if measured and location else None,
        )
        return EventDraft("reading.recorded", obs.at, reading)
