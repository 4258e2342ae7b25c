"""Cold chain at the edge: every temperature reading of a watched location goes through the
pure excursion detector (``domain.coldchain``), and what it decides becomes events, offline.

Door contacts and defrost flags of the same location open suppression windows, so a door
opening or a planned defrost does not raise an alarm unless it lasts beyond its grace. What
an excursion's events set off is up to the rules (``domain.rules``): by default
(``firmware_configs/rules/coldchain.yaml``) an opened excursion puts the stock at that location
on hold (``lot.blocked``) until a person releases or discards it, raises safety stock for held
items close to expiry, and suggests urgent purchases. The rules run in the same step as the
excursion and their actions are stored with it, so they happen once per excursion however often
the agent restarts.

The detectors' states are stored as a checkpoint in the same transaction as the events they
decided, so after a crash the excursion numbering, open excursions and their figures resume
exactly where the stored events left them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import TypeAdapter

from domain.coldchain.decisions import (
    Decision,
    ExcursionAcknowledged,
    ExcursionClosed,
    ExcursionEscalated,
    ExcursionFigures,
    ExcursionOpened,
    ExcursionUpdated,
    ReadingsResumed,
    ReadingsSilent,
)
from domain.coldchain.excursion import ReadingsOutOfOrder, step
from domain.coldchain.inputs import (
    Acknowledgement,
    ClockTick,
    DetectorInput,
    Reading,
    SuppressionKind,
    SuppressionWindow,
)
from domain.coldchain.rule import ExcursionRule
from domain.coldchain.state import ExcursionState
from domain.events import EventDraft
from domain.masterdata import MasterData
from domain.observation import Observation
from domain.payloads import DeviceAlarm, ExcursionChanged, ExcursionFiguresPayload
from domain.rules.engine import RuleEngine
from domain.rules.facts import SiteFacts
from edge_agent.inference import AnomalyClassifier, Sample
from edge_agent.pipeline.diagnosis import RoomDiagnosis
from edge_agent.pipeline.rules import WatchedPlace, default_rules

CHECKPOINT = "coldchain"
SILENT = "readings_silent"
"""The ``device.alarm`` code of a probe gone silent (and of the gap when it resumes)."""
_SAMPLE_FIELD = {"temperature": "air_c", "door": "door_open", "compressor": "compressor_on"}
"""What each role is called in the anomaly model's samples (it has no defrost signal)."""
CELSIUS_UNITS = frozenset({"°C", "C", "degC", "Cel", "celsius"})

_EVENT_TYPE: dict[type, str] = {
    ExcursionOpened: "excursion.opened",
    ExcursionUpdated: "excursion.updated",
    ExcursionEscalated: "excursion.escalated",
    ExcursionAcknowledged: "excursion.acknowledged",
    ExcursionClosed: "excursion.closed",
}


def _sample_value(value: object) -> float | bool:
    return value if isinstance(value, bool) else float(value)  # type: ignore[arg-type]


class SignalUnusable(ValueError):
    """A watched signal cannot be used as given (wrong unit, wrong type, out of order)."""


@dataclass(frozen=True, slots=True)
class Signal:
    device: str
    metric: str


@dataclass(frozen=True, slots=True)
class WatchedLocation:
    """One cold room, fridge or freezer: its sensors, its alarm rule, what an alarm does."""

    location: str
    rule: ExcursionRule
    temperature: Signal
    door: Signal | None = None
    door_grace: timedelta = timedelta(minutes=15)
    defrost: Signal | None = None
    defrost_grace: timedelta = timedelta(minutes=45)
    compressor: Signal | None = None
    block_lots: bool = True

    def signals(self) -> list[tuple[str, Signal]]:
        """(role, signal) of every signal this location is watched by."""
        given = [
            ("temperature", self.temperature),
            ("door", self.door),
            ("defrost", self.defrost),
            ("compressor", self.compressor),
        ]
        return [(role, signal) for role, signal in given if signal is not None]

    def place(self) -> WatchedPlace:
        return WatchedPlace(self.block_lots, (self.temperature.device, self.temperature.metric))


@dataclass(frozen=True, slots=True)
class _Saved:
    """The checkpoint: every detector's state and the last diagnosis of every room."""

    detectors: dict[str, ExcursionState]
    diagnoses: dict[str, str]


_SAVED = TypeAdapter(_Saved)


class ColdChainMonitor:
    """The detectors of all watched locations, fed from observations, ticks and acks."""

    def __init__(
        self,
        watched: Sequence[WatchedLocation],
        checkpoint: bytes | None,
        *,
        rules: RuleEngine | None = None,
        master: MasterData | None = None,
        classifier: AnomalyClassifier | None = None,
    ) -> None:
        """``rules`` decide what the excursions' events set off; without them, the default
        rules (``firmware_configs/rules/coldchain.yaml``) with ``master``."""
        self._watched = {w.location: w for w in watched}
        self._rules = rules or RuleEngine(default_rules(), master)
        saved = _SAVED.validate_json(checkpoint) if checkpoint else _Saved({}, {})
        self._states = {
            w.location: saved.detectors.get(w.location, ExcursionState(w.location)) for w in watched
        }
        self.diagnosis = None
        if classifier is not None:
            devices = {w.location: w.temperature.device for w in watched}
            self.diagnosis = RoomDiagnosis(classifier, devices, saved.diagnoses)
        self._switches: dict[tuple[str, Signal], bool] = {}
        self._by_signal: dict[Signal, list[tuple[str, str]]] = {}
        for w in watched:
            for role, signal in w.signals():
                self._by_signal.setdefault(signal, []).append((w.location, role))

    @property
    def locations(self) -> list[str]:
        return list(self._watched)

    def places(self) -> dict[str, WatchedPlace]:
        return {location: w.place() for location, w in self._watched.items()}

    def state(self, location: str) -> ExcursionState:
        return self._states[location]

    def checkpoint(self) -> bytes:
        labels = self.diagnosis.labels if self.diagnosis else {}
        return _SAVED.dump_json(_Saved(self._states, labels))

    def observe(self, obs: Observation, site: SiteFacts) -> list[EventDraft]:
        """Events the observation's watched signals lead to (raises ``SignalUnusable``)."""
        drafts: list[EventDraft] = []
        samples: dict[str, dict[str, float | bool]] = {}
        for metric, value in obs.values.items():
            signal = Signal(obs.device, metric)
            for location, role in self._by_signal.get(signal, ()):
                given = self._input(location, role, signal, obs, value)
                if given is not None:
                    drafts += self._step(location, given, site)
                if role in _SAMPLE_FIELD:
                    samples.setdefault(location, {})[_SAMPLE_FIELD[role]] = _sample_value(value)
        if self.diagnosis is not None and samples:
            for location, fields in samples.items():
                self.diagnosis.add(Sample(location, obs.at, **fields))  # type: ignore[arg-type]
            drafts += self._diagnose(obs.at, site)
        return drafts

    def _diagnose(self, now: datetime, site: SiteFacts) -> list[EventDraft]:
        assert self.diagnosis is not None
        verdict = self.diagnosis.due(now)
        drafts = list(verdict.drafts)
        for location, window in verdict.suppress:
            drafts += self._step(location, window, site)
        return drafts

    def tick(self, now: datetime, site: SiteFacts) -> list[EventDraft]:
        """Let time pass at every location, so escalation fires even if a sensor goes quiet."""
        drafts: list[EventDraft] = []
        for location, state in self._states.items():
            if state.last is not None and now > state.last.at:
                drafts += self._step(location, ClockTick(now), site)
        return drafts

    def acknowledge(
        self, location: str, at: datetime, user: str, action: str, site: SiteFacts
    ) -> list[EventDraft]:
        if location not in self._watched:
            raise SignalUnusable(f"{location!r} is not a watched location ({self.locations})")
        if self._states[location].excursion is None:
            raise SignalUnusable(f"no excursion is open at {location}")
        return self._step(location, Acknowledgement(at, user, action), site)

    def _input(
        self, location: str, role: str, signal: Signal, obs: Observation, value: object
    ) -> DetectorInput | None:
        where = f"{signal.device}.{signal.metric} ({location} {role})"
        if role == "temperature":
            unit = obs.units.get(signal.metric, "°C")
            if not isinstance(value, Decimal) or unit not in CELSIUS_UNITS:
                raise SignalUnusable(f"{where}: needs a number in °C, got {value!r} {unit!r}")
            return Reading(obs.at, value)
        if not isinstance(value, bool):
            raise SignalUnusable(f"{where}: needs true/false, got {value!r}")
        if role == "compressor":
            return None  # a signal for the anomaly model only
        was_on = self._switches.get((location, signal), False)
        self._switches[location, signal] = value
        if not value or was_on:
            return None  # a window starts when the switch turns on
        watched = self._watched[location]
        if role == "door":
            return SuppressionWindow(SuppressionKind.DOOR_OPEN, obs.at, obs.at + watched.door_grace)
        return SuppressionWindow(SuppressionKind.DEFROST, obs.at, obs.at + watched.defrost_grace)

    def _step(self, location: str, given: DetectorInput, site: SiteFacts) -> list[EventDraft]:
        try:
            state, decisions = step(self._watched[location].rule, self._states[location], given)
        except ReadingsOutOfOrder as exc:
            raise SignalUnusable(str(exc)) from exc
        self._states[location] = state
        device = self._watched[location].temperature.device
        return self._rules.react([_draft(d, device) for d in decisions], site)


def _draft(decision: Decision, device: str) -> EventDraft:
    if isinstance(decision, ReadingsSilent | ReadingsResumed):
        return _silence(decision, device)
    extra: dict[str, object] = {}
    if isinstance(decision, ExcursionEscalated):
        extra["unacknowledged_for_s"] = Decimal(int(decision.unacknowledged_for.total_seconds()))
    else:
        extra["figures"] = _figures(decision.figures)
    if isinstance(decision, ExcursionUpdated):
        extra["back_in_range"] = decision.back_in_range
    if isinstance(decision, ExcursionAcknowledged):
        extra["acknowledged_by"] = decision.user
        extra["corrective_action"] = decision.corrective_action
    payload = ExcursionChanged(location=decision.location, number=decision.number, **extra)  # type: ignore[arg-type]
    return EventDraft(_EVENT_TYPE[type(decision)], decision.at, payload)


def _silence(decision: ReadingsSilent | ReadingsResumed, device: str) -> EventDraft:
    """Silence and gaps are the probe's alarm (``device.alarm``, code ``readings_silent``):
    raised when it went quiet, cleared with the gap's length when readings resume."""
    if isinstance(decision, ReadingsSilent):
        message = (
            f"no reading at {decision.location} since {decision.last_at.isoformat()} "
            f"(last {decision.last_c} °C): the room is not watched"
        )
        active = True
    else:
        message = (
            f"readings at {decision.location} resumed after a gap of {decision.gap} from "
            f"{decision.gap_from.isoformat()}: the gap is not counted as any temperature"
        )
        active = False
    alarm = DeviceAlarm(
        device=device,
        code=SILENT,
        message=message,
        severity=800,
        active=active,
        location=decision.location,
    )
    return EventDraft("device.alarm", decision.at, alarm)


def _figures(figures: ExcursionFigures) -> ExcursionFiguresPayload:
    return ExcursionFiguresPayload(
        side=figures.side.value,
        limit_c=figures.limit_c,
        started_at=figures.started_at,
        peak_c=figures.peak_c,
        duration_s=Decimal(int(figures.duration.total_seconds())),
        degree_minutes=figures.degree_minutes,
        mkt_c=figures.mkt_c,
    )
