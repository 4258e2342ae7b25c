"""The kitchen's open lot clocks, and how time, temperatures and people reach them.

Every clock is a pure reducer (``domain.kitchen.clocks``); this module keeps the open ones
by ``<clock>:<lot>`` (a lot may marinate and be date-marked at once), steps them, and drops
them once they can change no more (thawed, used, discarded, expired with nothing left to
decide). A cooling clock that missed a stage stays open: only a reheat or a discard ends it.
``LotClocks`` is immutable, so the pipeline stores the new one with the events it made and
adopts it only once they are durable.

The stored form tags each clock with its kind; a date mark keeps its zone by name, because
its days end at the site's midnight.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, PlainSerializer, PlainValidator, TypeAdapter

from domain.events import EventDraft
from domain.kitchen import clocks
from domain.kitchen.clocks import ClockState
from domain.kitchen.clocks.cooling import CLOCK as COOLING
from domain.kitchen.clocks.cooling import CoolingPhase, CoolingState
from domain.kitchen.clocks.date_mark import CLOCK as DATE_MARK
from domain.kitchen.clocks.date_mark import DateMarkState, MarkPhase, use_by_as_of
from domain.kitchen.clocks.events import LotRef, clock_cause
from domain.kitchen.clocks.inputs import ClockInput, ClockInputRefused, Reading, Tick
from domain.kitchen.clocks.thawing import CLOCK as THAWING
from domain.kitchen.clocks.thawing import ThawPhase, ThawState
from domain.kitchen.clocks.timed import TimedKind, TimedPhase, TimedState
from domain.payloads import LotBlocked, LotReleased

Stepped = tuple["LotClocks", list[EventDraft]]


def clock_name(state: ClockState) -> str:
    """The clock's name as its events give it: ``thawing``, ``tphc``, ``date-mark``…"""
    if isinstance(state, ThawState):
        return THAWING
    if isinstance(state, TimedState):
        return state.kind.value
    if isinstance(state, DateMarkState):
        return DATE_MARK
    return COOLING


def clock_key(state: ClockState) -> str:
    return f"{clock_name(state)}:{state.ref.lot}"


def is_open(state: ClockState) -> bool:
    """Whether the clock can still change: by time, a reading, or a person's action."""
    if isinstance(state, ThawState):
        return state.phase is ThawPhase.THAWING
    if isinstance(state, TimedState):
        return state.phase in (TimedPhase.RUNNING, TimedPhase.READY)
    if isinstance(state, DateMarkState):
        return state.phase is not MarkPhase.EXPIRED
    return state.phase not in (CoolingPhase.PASSED, CoolingPhase.DISCARDED)


TPHC_REMEMBERED = 5000
HOLDS_REMEMBERED = 5000
"""How many lots' clock holds are remembered (a lot's holds outlive its clocks)."""
"""How many lots that went under TPHC are remembered, so that none starts it twice."""


@dataclass(frozen=True, slots=True)
class LotClocks:
    open: dict[str, StoredClock] = field(default_factory=dict)
    tphc_started: dict[str, datetime] = field(default_factory=dict)
    """When each lot (the last ``TPHC_REMEMBERED``) left temperature control under TPHC."""
    holds: dict[str, dict[str, str]] = field(default_factory=dict)
    """The clocks' holds in force by lot: {cause: reason}. A hold is one per stock key, so
    when one clock lifts its own (a reheat), any other clock's hold is put back."""

    def of_lot(self, lot: str, *names: str) -> list[ClockState]:
        """The lot's open clocks (of those ``names``, if given)."""
        return [
            state
            for state in self.open.values()
            if state.ref.lot == lot and (not names or clock_name(state) in names)
        ]

    def started(self, state: ClockState, drafts: list[EventDraft]) -> Stepped:
        """Add a clock that was just started; one of its kind already open is refused."""
        key = clock_key(state)
        if key in self.open:
            raise ClockInputRefused(f"lot {state.ref.lot}: a {clock_name(state)} clock is open")
        if isinstance(state, TimedState) and state.kind is TimedKind.TPHC:
            return self._tphc(state, key).holding(drafts, clock_key(state))
        return replace(self, open={**self.open, key: state}).holding(drafts, clock_key(state))

    def _tphc(self, state: TimedState, key: str) -> LotClocks:
        """Food leaves temperature control under TPHC once: no restart (3-501.19)."""
        lot = state.ref.lot
        before = self.tphc_started.get(lot)
        if before is not None:
            raise ClockInputRefused(
                f"lot {lot} went under time as a public health control at "
                f"{before.isoformat()}: it may not start again (Food Code 3-501.19)"
            )
        started = list({**self.tphc_started, lot: state.started_at}.items())[-TPHC_REMEMBERED:]
        return replace(self, open={**self.open, key: state}, tphc_started=dict(started))

    def feed(self, states: Iterable[ClockState], given: ClockInput) -> Stepped:
        """Apply ``given`` to each of ``states`` (open clocks of this set)."""
        result, drafts = self, []
        for state in states:
            stepped, made = clocks.step(state, given)
            opened = dict(result.open)
            _keep(opened, stepped)
            result, made = replace(result, open=opened).holding(made, clock_key(state))
            drafts += made
        return result, drafts

    def holding(self, drafts: list[EventDraft], releaser: str | None = None) -> Stepped:
        """Keep the lot's holds by cause from ``drafts``; after the clock ``releaser``
        (``<clock>:<lot>``) released its own hold, put back any other hold of the same lot
        (TPHC ran out, cooling was reheated: the reheat does not make the food usable; a
        discarded lot stays out whatever a later clock does)."""
        holds = {lot: dict(causes) for lot, causes in self.holds.items()}
        out: list[EventDraft] = []
        for draft in drafts:
            out.append(draft)
            payload = draft.payload
            if isinstance(payload, LotBlocked) and payload.cause is not None:
                holds.setdefault(payload.lot, {})[payload.cause] = payload.reason
            elif isinstance(payload, LotReleased) and payload.disposition == "release":
                causes = holds.get(payload.lot, {})
                if releaser is not None:
                    clock, _, lot = releaser.partition(":")
                    causes.pop(clock_cause(clock, lot), None)
                if causes:
                    cause, reason = next(iter(causes.items()))
                    block = LotBlocked(
                        item=payload.item,
                        lot=payload.lot,
                        location=payload.location,
                        reason=reason,
                        cause=cause,
                    )
                    out.append(EventDraft("lot.blocked", draft.at, block))
        kept = dict(list({lot: c for lot, c in holds.items() if c}.items())[-HOLDS_REMEMBERED:])
        return replace(self, holds=kept), out

    def without(self, states: Iterable[ClockState]) -> LotClocks:
        """This set with ``states`` ended (their lot was discarded)."""
        gone = {clock_key(state) for state in states}
        return replace(self, open={k: s for k, s in self.open.items() if k not in gone})

    def tick(self, now: datetime) -> Stepped:
        """Let every deadline up to ``now`` fall due."""
        due = [
            state
            for state in self.open.values()
            if (wake := clocks.wake_at(state)) is not None and wake <= now
        ]
        return self.feed(due, Tick(now))

    def probed_by(self, device: str) -> bool:
        """Whether ``device`` is the food probe of a batch that is cooling."""
        return any(
            isinstance(state, CoolingState) and state.probe == device
            for state in self.open.values()
        )

    def temperature(
        self, device: str, location: str | None, at: datetime, celsius: Decimal
    ) -> Stepped:
        """A reading of ``device``: a food probe left in a cooling batch is that batch's
        evidence and nothing else's; any other probe configured at ``location`` is the
        room's, evidence for its thawing lots, the ceiling of its TPHC lots under the
        6-hour option and the cold holding its date-marked lots assume (a lot under TPHC
        has left temperature control: TPHC's limits are its), and never for a batch's
        cooling."""
        batches = [
            state
            for state in self.open.values()
            if isinstance(state, CoolingState) and state.probe == device
        ]
        if batches:
            return self.feed(batches, Reading(at, celsius))
        room = [
            state
            for state in self.open.values()
            if state.ref.location == location
            and _room_evidence(state)
            and not (isinstance(state, DateMarkState) and self.of_lot(state.ref.lot, "tphc"))
        ]
        return self.feed(room, Reading(at, celsius))

    def ready_at(self) -> dict[tuple[str, str, str], datetime]:
        """Until when each lot that is still thawing or marinating is not ready to use."""
        ready = {}
        for state in self.open.values():
            moment = clocks.ready_at(state)
            if moment is not None:
                ready[state.ref.item, state.ref.lot, state.ref.location] = moment
        return ready

    def use_by(self, lots: Iterable[str], day: date) -> list[date | None]:
        """The date marks of ``lots`` as of ``day`` (a mixture takes the earliest): a frozen
        mark gives the days it has left from ``day``, not nothing."""
        marks = [s for lot in lots for s in self.of_lot(lot, DATE_MARK)]
        return [use_by_as_of(s, day) for s in marks if isinstance(s, DateMarkState)]


def _room_evidence(state: ClockState) -> bool:
    """Thawing and date-marked lots, and TPHC lots under a ceiling (the 6-hour option)."""
    if isinstance(state, TimedState):
        return state.ceiling_c is not None
    return isinstance(state, ThawState | DateMarkState)


def _keep(opened: dict[str, StoredClock], state: ClockState) -> None:
    key = clock_key(state)
    if is_open(state):
        opened[key] = state
    else:
        opened.pop(key, None)


# -- stored form --------------------------------------------------------------------------


class _StoredMark(BaseModel):
    """A date mark as stored: its zone by name (``Europe/Paris``, ``UTC``)."""

    ref: LotRef
    zone: str
    use_by: date | None
    days_left: int
    phase: MarkPhase
    max_c: Decimal = Decimal(5)
    warm_max: timedelta = timedelta(hours=2)
    warm_since: datetime | None = None
    warm_c: Decimal | None = None


_FORMS: Mapping[str, TypeAdapter[Any]] = {
    "thawing": TypeAdapter(ThawState),
    "timed": TypeAdapter(TimedState),
    "cooling": TypeAdapter(CoolingState),
}


def zone_name(zone: tzinfo) -> str:
    return zone.key if isinstance(zone, ZoneInfo) else str(zone)


def zone_named(name: str) -> tzinfo:
    return UTC if name == "UTC" else ZoneInfo(name)


def _dump(state: ClockState) -> dict[str, Any]:
    if isinstance(state, DateMarkState):
        mark = _StoredMark(
            ref=state.ref,
            zone=zone_name(state.zone),
            use_by=state.use_by,
            days_left=state.days_left,
            phase=state.phase,
            max_c=state.max_c,
            warm_max=state.warm_max,
            warm_since=state.warm_since,
            warm_c=state.warm_c,
        )
        return {"form": "date_mark", "state": mark.model_dump(mode="json")}
    form = {ThawState: "thawing", TimedState: "timed", CoolingState: "cooling"}[type(state)]
    return {"form": form, "state": _FORMS[form].dump_python(state, mode="json")}


def _load(value: Any) -> ClockState:
    if isinstance(value, ThawState | TimedState | DateMarkState | CoolingState):
        return value
    form, stored = value["form"], value["state"]
    if form != "date_mark":
        state: ClockState = _FORMS[form].validate_python(stored)
        return state
    mark = _StoredMark.model_validate(stored)
    return DateMarkState(
        mark.ref,
        zone_named(mark.zone),
        mark.use_by,
        mark.days_left,
        mark.phase,
        mark.max_c,
        mark.warm_max,
        mark.warm_since,
        mark.warm_c,
    )


StoredClock = Annotated[ClockState, PlainValidator(_load), PlainSerializer(_dump)]
