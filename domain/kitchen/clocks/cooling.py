"""Cooling of cooked food in two stages, judged from the batch's own readings.

Food Code 3-501.14(A): from 57 °C to 21 °C within 2 hours, and to 5 °C within 6 hours in
total. ``cooling_evidence.weigh`` says what the readings prove (timed from the moment the
food passed 57 °C, interpolated; a stage passed only by a reading in time); this module
turns that into the clock's phase as time goes on, and into events when the phase changes:
``clock.progressed`` (stage 1 passed), ``clock.completed`` (cooled), ``clock.expired`` with
``lot.blocked`` (a stage missed). The phase is judged again from all the readings in time
order on every input, so evidence delivered late counts: a reading from before a deadline
that shows the stage was passed lifts the block it caused (``lot.released``).

Readings from before the cooling was recorded as started are no evidence and are ignored.
A start below 57 °C is taken (the batch exists) but proves nothing, so the lot is blocked
at once. After a missed stage 1 the ways out are one reheat to 74 °C, which must come
within stage 1 or at most ``reheat_within`` after its deadline and restarts cooling, or a
discard; after a missed stage 2, only a discard (3-501.14 practice; one reheat per batch is
EdgeStock's rule, stricter than the Food Code's text).

A batch whose food probe goes silent while a stage runs is warned of: no reading for the rule's
``silent_after`` (30 min) makes one ``device.alarm`` (code ``cooling_readings_silent``)
naming the last reading and the stage's deadline, before that deadline; the silence never
passes a stage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.events import EventDraft
from domain.kitchen.clocks.cooling_evidence import CoolingEvidence, weigh
from domain.kitchen.clocks.events import LotRef, changed, expired, released
from domain.kitchen.clocks.inputs import (
    ClockInput,
    ClockInputRefused,
    Discarded,
    Reading,
    Reheated,
    Tick,
    instant,
)
from domain.kitchen.clocks.rules import CoolingRule
from domain.payloads import DeviceAlarm

CLOCK = "cooling"
SYSTEM = "clock:cooling"
"""Who lifts a block that late evidence showed to be wrong."""


class CoolingPhase(StrEnum):
    STAGE1 = "stage1"
    STAGE2 = "stage2"
    PASSED = "passed"
    MISSED_STAGE1 = "missed_stage1"
    MISSED_STAGE2 = "missed_stage2"
    DISCARDED = "discarded"


_MISSED = (CoolingPhase.MISSED_STAGE1, CoolingPhase.MISSED_STAGE2)
_RUNNING = (CoolingPhase.STAGE1, CoolingPhase.STAGE2)
SILENT = "cooling_readings_silent"


@dataclass(frozen=True, slots=True)
class CoolingState:
    ref: LotRef
    rule: CoolingRule
    started_at: datetime
    phase: CoolingPhase = CoolingPhase.STAGE1
    readings: tuple[tuple[datetime, Decimal], ...] = ()
    """Every reading since the (re)start, in time order: the record an inspector reads."""
    probe: str | None = None
    """The device probing this batch: its readings are this batch's evidence."""
    reheated_at: datetime | None = None
    """When the one reheat allowed happened (this cooling is its restart)."""
    seen: datetime | None = None
    """The latest moment judged: deadlines up to it have been applied."""
    warned: datetime | None = None
    """The last reading a silence was warned of after (one warning per silence)."""

    @property
    def evidence(self) -> CoolingEvidence:
        return weigh(self.readings, self.rule)

    @property
    def due_at(self) -> datetime | None:
        since = self.evidence.since
        if since is None:
            return None
        if self.phase is CoolingPhase.STAGE1:
            return since + self.rule.stage1_within
        if self.phase is CoolingPhase.STAGE2:
            return since + self.rule.total_within
        return None

    @property
    def warn_at(self) -> datetime | None:
        """When the batch's readings count as silent, unless warned of already: only while
        a stage runs and before its deadline."""
        if self.probe is None or self.phase not in _RUNNING or not self.readings:
            return None  # readings typed in by hand come when people take them
        last = self.readings[-1][0]
        if self.warned is not None and self.warned >= last:
            return None
        warn, due = last + self.rule.silent_after, self.due_at
        return warn if due is None or warn < due else None


def start_cooling(
    rule: CoolingRule,
    ref: LotRef,
    at: datetime,
    celsius: Decimal,
    operator: str | None = None,
    *,
    probe: str | None = None,
) -> tuple[CoolingState, list[EventDraft]]:
    """Record cooling from ``at`` with a first reading (``probe``: the batch's own probe).

    A first reading below ``start_c`` is recorded, and blocks the lot at once: when the
    food passed 57 °C is not on record."""
    at = instant(at)
    state = CoolingState(ref, rule, at, readings=((at, celsius),), probe=probe, seen=at)
    if celsius < rule.start_c:
        why = (
            f"cooling recorded from {celsius} °C: when it passed {rule.start_c} °C is not on "
            f"record: reheat to {rule.reheat_c} °C or discard"
        )
        detail = f"{celsius} °C, below {rule.start_c} °C"
        started = changed("started", ref, CLOCK, at, detail=detail, operator=operator)
        missed = replace(state, phase=CoolingPhase.MISSED_STAGE1)
        return missed, [started, *expired(ref, CLOCK, at, why)]
    due = state.due_at
    probed = f", probe {probe}" if probe else ""
    detail = f"{celsius} °C{probed}; {rule.stage1_c} °C due by {due}"
    return state, [changed("started", ref, CLOCK, at, due_at=due, detail=detail, operator=operator)]


def step_cooling(state: CoolingState, given: ClockInput) -> tuple[CoolingState, list[EventDraft]]:
    if state.phase in (CoolingPhase.PASSED, CoolingPhase.DISCARDED):
        raise ClockInputRefused(f"cooling of {state.ref.lot} is {state.phase.value}")
    state, warning = _silence(state, given.at)
    if isinstance(given, Reading):
        if given.at < state.started_at:
            return state, warning  # from before the cooling was recorded: no evidence of it
        # in time order; at the same instant, in the order they came (the start first)
        readings = tuple(
            sorted((*state.readings, (given.at, given.celsius)), key=lambda sample: sample[0])
        )
        state, drafts = _judge(replace(state, readings=readings), given.at)
        return state, warning + drafts
    if isinstance(given, Tick):
        state, drafts = _judge(state, given.at)
        return state, warning + drafts
    state, drafts = _judge(state, given.at)
    drafts = warning + drafts
    if isinstance(given, Reheated):
        reheated, more = _reheat(state, given)
        return reheated, drafts + more
    if isinstance(given, Discarded):
        gone = released(state.ref, given.at, "discard", given.reason, given.operator)
        return replace(state, phase=CoolingPhase.DISCARDED), [*drafts, gone]
    raise ClockInputRefused(f"cooling of {state.ref.lot} ({state.phase.value}) takes no {given}")


def _silence(state: CoolingState, now: datetime) -> tuple[CoolingState, list[EventDraft]]:
    """The warning of a silent batch, once, if its time came by ``now``."""
    warn = state.warn_at
    if warn is None or now < warn:
        return state, []
    assert state.probe is not None  # only a probed batch has a warning time
    last_at, last_c = state.readings[-1]
    rule, due = state.rule, state.due_at
    target = rule.stage1_c if state.phase is CoolingPhase.STAGE1 else rule.final_c
    due_text = f"; {target} °C due by {due.isoformat()}" if due is not None else ""
    message = (
        f"no reading of lot {state.ref.lot} since {last_at.isoformat()} (last {last_c} °C)"
        f"{due_text}: probe it; a missing reading is never a pass"
    )
    alarm = DeviceAlarm(
        device=state.probe,
        code=SILENT,
        message=message,
        severity=700,
        location=state.ref.location,
    )
    return replace(state, warned=last_at), [EventDraft("device.alarm", warn, alarm)]


def _judge(state: CoolingState, at: datetime) -> tuple[CoolingState, list[EventDraft]]:
    """The phase the readings prove as of the latest moment seen, and the events of the
    change from the phase announced before."""
    seen = max(at, state.seen or at)
    evidence, rule = state.evidence, state.rule
    phase = _phase(evidence, rule, seen)
    if phase is CoolingPhase.MISSED_STAGE1 and state.phase is CoolingPhase.MISSED_STAGE1:
        return replace(state, seen=seen), []
    judged = replace(state, phase=phase, seen=seen)
    return judged, _announce(state, judged, evidence)


def _phase(evidence: CoolingEvidence, rule: CoolingRule, now: datetime) -> CoolingPhase:
    since = evidence.since
    if since is None or evidence.late_stage1:
        return CoolingPhase.MISSED_STAGE1
    if evidence.final is not None:
        return CoolingPhase.PASSED
    if evidence.stage1 is not None:
        late = now > since + rule.total_within
        return CoolingPhase.MISSED_STAGE2 if late else CoolingPhase.STAGE2
    late = now > since + rule.stage1_within
    return CoolingPhase.MISSED_STAGE1 if late else CoolingPhase.STAGE1


def _announce(
    before: CoolingState, after: CoolingState, evidence: CoolingEvidence
) -> list[EventDraft]:
    old, new, ref, rule = before.phase, after.phase, after.ref, after.rule
    if old is new:
        return []
    since = evidence.since
    drafts: list[EventDraft] = []
    if old in _MISSED and new not in _MISSED:  # late evidence: the block was wrong
        assert since is not None
        assert after.seen is not None
        proof = evidence.stage1 if old is CoolingPhase.MISSED_STAGE1 else evidence.final
        if proof is not None:
            why = f"late evidence: {proof[1]} °C at {proof[0].isoformat()} was in time"
        else:  # a later hot reading: the food passed 57 °C later than was thought
            why = f"late evidence: still at or above {rule.start_c} °C at {since.isoformat()}"
        drafts.append(released(ref, after.seen, "release", why, SYSTEM))
    if old in (CoolingPhase.STAGE1, CoolingPhase.MISSED_STAGE1) and evidence.stage1 is not None:
        at, celsius = evidence.stage1
        assert since is not None
        due = since + rule.total_within
        detail = f"{celsius} °C after {at - since}; {rule.final_c} °C due by {due}"
        drafts.append(changed("progressed", ref, CLOCK, at, due_at=due, detail=detail))
    if new is CoolingPhase.PASSED:
        assert evidence.final is not None
        assert since is not None
        at, celsius = evidence.final
        detail = f"{celsius} °C after {at - since}, {len(after.readings)} readings"
        drafts.append(changed("completed", ref, CLOCK, at, detail=detail))
    if new in _MISSED:
        drafts += _missed(after, evidence)
    return drafts


def _missed(state: CoolingState, evidence: CoolingEvidence) -> list[EventDraft]:
    rule, since = state.rule, evidence.since
    last_at, last_c = state.readings[-1]
    if since is None:  # the earliest reading, not the start, was below start_c
        why = (
            f"a reading below {rule.start_c} °C at the start: when it passed "
            f"{rule.start_c} °C is not on record: reheat to {rule.reheat_c} °C or discard"
        )
        return expired(state.ref, CLOCK, state.started_at, why)
    seen = f"last reading {last_c} °C at {last_at.isoformat()}"
    if state.phase is CoolingPhase.MISSED_STAGE1:
        due = since + rule.stage1_within
        options = f"reheat to {rule.reheat_c} °C or discard"
        why = f"not at {rule.stage1_c} °C within {rule.stage1_within} ({seen}): {options}"
        if state.reheated_at is not None:
            why = f"not at {rule.stage1_c} °C within {rule.stage1_within} after its reheat: discard"
    else:
        due = since + rule.total_within
        why = f"not at {rule.final_c} °C within {rule.total_within} ({seen}): discard"
    return expired(state.ref, CLOCK, due, why)


def _reheat(state: CoolingState, given: Reheated) -> tuple[CoolingState, list[EventDraft]]:
    rule, lot = state.rule, state.ref.lot
    if state.reheated_at is not None:
        raise ClockInputRefused(
            f"lot {lot} was reheated once already (at {state.reheated_at.isoformat()}): "
            "only one reheat per batch; discard"
        )
    if state.phase not in (CoolingPhase.STAGE1, CoolingPhase.MISSED_STAGE1):
        raise ClockInputRefused(
            f"cooling of {lot} is {state.phase.value}: only food in or just past stage 1 "
            "may be reheated"
        )
    since = state.evidence.since or state.started_at
    latest = since + rule.stage1_within + rule.reheat_within
    if given.at > latest:
        raise ClockInputRefused(
            f"lot {lot}: a reheat must follow stage 1 within {rule.reheat_within} "
            f"(by {latest.isoformat()}): discard"
        )
    if given.celsius < rule.reheat_c:
        raise ClockInputRefused(
            f"lot {lot}: reheated to {given.celsius} °C, below {rule.reheat_c} °C"
        )
    drafts: list[EventDraft] = []
    if state.phase is CoolingPhase.MISSED_STAGE1:
        why = f"reheated to {given.celsius} °C; cooling starts again"
        drafts.append(released(state.ref, given.at, "release", why, given.operator))
    again, started = start_cooling(
        rule, state.ref, given.at, given.celsius, given.operator, probe=state.probe
    )
    return replace(again, reheated_at=instant(given.at)), drafts + started
