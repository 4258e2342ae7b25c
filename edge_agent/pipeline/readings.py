"""Readings of sensors that are not stock scales: temperatures, door switches, line states.

A probe reporting every few seconds would flood the ledger with the same value, so a metric
is recorded when it moves by more than its deadband, when it has not been recorded for
``heartbeat_s`` (so a silent-but-steady sensor still shows it is alive and what it read), and
always on its first observation ever. What was last recorded is kept with the events
(``checkpoint``), so after a crash the broker's redelivery of a message already recorded is
not recorded twice. Numbers become ``reading.recorded``; switches
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
from typing import Literal

import orjson
from pydantic import TypeAdapter

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


@dataclass(frozen=True, slots=True)
class _Saved:
    """One metric's last recorded value as stored: its kind said, not guessed from JSON."""

    device: str
    metric: str
    kind: Literal["number", "switch", "state"]
    value: str | bool
    at: datetime

    @classmethod
    def of(cls, device: str, metric: str, recorded: _Recorded) -> _Saved:
        value = recorded.value
        if isinstance(value, bool):
            return cls(device, metric, "switch", value, recorded.at)
        if isinstance(value, Decimal):
            return cls(device, metric, "number", str(value), recorded.at)
        return cls(device, metric, "state", value, recorded.at)

    def recorded(self) -> _Recorded:
        value = Decimal(str(self.value)) if self.kind == "number" else self.value
        return _Recorded(value, self.at)


_SAVED = TypeAdapter(list[_Saved])


def _row(device: str, metric: str, recorded: _Recorded) -> orjson.Fragment:
    """One metric's row of the checkpoint, in ``_Saved``'s JSON form."""
    saved = _Saved.of(device, metric, recorded)
    fields = {"device": device, "metric": metric, "kind": saved.kind, "value": saved.value}
    return orjson.Fragment(orjson.dumps(fields | {"at": saved.at}))


CHECKPOINT = "readings"


class ReadingRecorder:
    """Remembers the last recorded value of each (device, metric) and says what to record."""

    def __init__(self, policy: ReadingPolicy, checkpoint: bytes | None = None) -> None:
        """``checkpoint`` is what an earlier run recorded last (``checkpoint()``)."""
        self.policy = policy
        self._last: dict[tuple[str, str], _Recorded] = {}
        self._rows: dict[tuple[str, str], orjson.Fragment] = {}
        if checkpoint:
            saved = _SAVED.validate_json(checkpoint)
            self._last = {(s.device, s.metric): s.recorded() for s in saved}
            self._rows = {key: _row(*key, recorded) for key, recorded in self._last.items()}

    def checkpoint(self) -> bytes:
        """The last recorded value of every metric, to be stored with the events."""
        # called with every append: each row is encoded once, when it is recorded
        return orjson.dumps(list(self._rows.values()))

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
            self._last[obs.device, metric] = last = _Recorded(value, obs.at)
            self._rows[obs.device, metric] = _row(obs.device, metric, last)
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
                self._rows.pop((payload.device, payload.metric), None)

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
