"""A pure excursion detector: ``step(rule, state, input) -> (state, decisions)``, like a reducer.

Fed one location's readings in time order, plus suppression windows, acknowledgements and clock
ticks, it decides when an excursion opens, grows, escalates, is acknowledged and closes. It does
no I/O and reads no clock, so the agent can persist the state and replay inputs to the same end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from domain.coldchain.decisions import (
    Decision,
    ExcursionAcknowledged,
    ExcursionClosed,
    ExcursionEscalated,
    ExcursionFigures,
    ExcursionOpened,
    ExcursionUpdated,
)
from domain.coldchain.inputs import (
    Acknowledgement,
    ClockTick,
    DetectorInput,
    Reading,
    SuppressionWindow,
)
from domain.coldchain.rule import ExcursionRule, Side, Trigger
from domain.coldchain.silence import held_until, resumed, silence
from domain.coldchain.state import (
    ClosedExcursion,
    ExcursionState,
    LastReading,
    OpenExcursion,
    OutOfRangeSpan,
    PendingRun,
)
from domain.coldchain.tally import Tally
from domain.errors import DomainError

Step = tuple[ExcursionState, list[Decision]]


class ReadingsOutOfOrder(DomainError):
    """A reading is not later than the previous one; the detector needs time order."""


def step(rule: ExcursionRule, state: ExcursionState, given: DetectorInput) -> Step:
    """Apply one input; return the new state and what was decided."""
    if isinstance(given, Reading):
        return _on_reading(rule, state, given)
    if isinstance(given, SuppressionWindow):
        return replace(state, suppressions=(*state.suppressions, given)), []
    if isinstance(given, Acknowledgement):
        return _on_acknowledgement(rule, state, given)
    assert isinstance(given, ClockTick)
    return _on_tick(rule, state, given.at)


def replay(rule: ExcursionRule, state: ExcursionState, inputs: Iterable[DetectorInput]) -> Step:
    """Fold ``step`` over ``inputs``; the decisions of every step, in order."""
    decisions: list[Decision] = []
    for given in inputs:
        state, decided = step(rule, state, given)
        decisions.extend(decided)
    return state, decisions


def _on_reading(rule: ExcursionRule, state: ExcursionState, reading: Reading) -> Step:
    if state.last is not None and reading.at <= state.last.at:
        raise ReadingsOutOfOrder(
            f"{state.location}: reading at {reading.at} is not after {state.last.at}"
        )
    side = rule.side_of(reading.celsius)
    suppressed = any(window.covers(reading.at) for window in state.suppressions)
    state = _charge_previous(rule, state, reading.at)
    state, decisions = resumed(rule, state, reading.at)
    if side is None:
        state, back = _returned_in_range(rule, state, reading)
        decisions += back
    elif state.excursion is not None and state.excursion.tally.side is side:
        state, extended = _extend(rule, state, reading)
        decisions += extended
    else:
        if state.excursion is not None:  # jumped straight across to the other limit
            state, closed = _close(rule, state, reading.at)
            decisions += closed
        state, opened = _advance_run(rule, state, reading, side, suppressed)
        decisions += opened
    state = _forget_the_past(rule, state, reading.at)
    last = LastReading(reading.at, reading.celsius, side, suppressed)
    state = replace(state, last=last, charged_to=reading.at, silent=False)
    state, escalated = _escalate(rule, state, reading.at)
    return state, decisions + escalated


def _on_tick(rule: ExcursionRule, state: ExcursionState, at: datetime) -> Step:
    """Time passed with no reading: the last value holds (within the rule's silence), so a
    pending run may meet its delay; silence is announced; escalation is due."""
    state = _charge_previous(rule, state, at)
    decisions: list[Decision] = []
    run, charged = state.run, state.charged_to
    if state.excursion is None and run is not None and charged is not None:
        side = run.tally.side
        if _triggered(rule, state, run, side, charged) or _exposed(rule, state, side, charged):
            state, decisions = _open(rule, state, run, charged)
    state, silent = silence(rule, state, at)
    state, escalated = _escalate(rule, state, at)
    return state, decisions + silent + escalated


def _charge_previous(rule: ExcursionRule, state: ExcursionState, now: datetime) -> ExcursionState:
    """Charge [previous reading, now) to the previous reading's value, where it was out."""
    last = state.last
    if last is None or last.side is None:
        return state
    start = max(last.at, state.charged_to or last.at)
    end = held_until(rule, state, now)  # never beyond the rule's silence: a gap is not filled
    if end <= start:
        return state
    span, limit = end - start, rule.limit(last.side)
    excursion, run, spans = state.excursion, state.run, state.spans
    exposure = state.exposure
    if rule.exposure_max is not None and excursion is None:  # suppressed time counts too
        exposure = (*exposure, OutOfRangeSpan(last.side, start, end))
    if excursion is not None and excursion.tally.side is last.side:
        excursion = replace(excursion, tally=excursion.tally.held(last.celsius, span, limit))
    if run is not None and run.tally.side is last.side:
        counted = run.counted if last.suppressed else run.counted + span
        run = replace(run, tally=run.tally.held(last.celsius, span, limit), counted=counted)
    if rule.trigger is Trigger.CUMULATIVE_TIME and excursion is None and not last.suppressed:
        spans = (*spans, OutOfRangeSpan(last.side, start, end))
    return replace(
        state, excursion=excursion, run=run, spans=spans, exposure=exposure, charged_to=end
    )


def _returned_in_range(rule: ExcursionRule, state: ExcursionState, reading: Reading) -> Step:
    """In range again: an open excursion closes once readings are clearly in range (beyond
    the hysteresis) for ``close_after``, so one good reading does not split it in two."""
    state = replace(state, run=None)
    excursion, at = state.excursion, reading.at
    if excursion is None:
        return state, []
    if not rule.clearly_in_range(reading.celsius):
        return replace(state, in_range_since=None), []
    since = state.in_range_since or at
    state = replace(state, in_range_since=since)
    if at - since < rule.close_after:
        return state, []
    if not (rule.latching and not excursion.acknowledged):
        return _close(rule, state, at)
    if excursion.back_in_range:
        return state, []
    excursion = replace(excursion, back_in_range=True)
    updated = ExcursionUpdated(
        state.location, excursion.number, at, _figures(rule, excursion.tally), back_in_range=True
    )
    return replace(state, excursion=excursion), [updated]


def _extend(rule: ExcursionRule, state: ExcursionState, reading: Reading) -> Step:
    assert state.excursion is not None
    excursion = replace(
        state.excursion, tally=state.excursion.tally.seen(reading.celsius), back_in_range=False
    )
    state = replace(state, in_range_since=None)
    updated = ExcursionUpdated(
        state.location,
        excursion.number,
        reading.at,
        _figures(rule, excursion.tally),
        back_in_range=False,
    )
    return replace(state, excursion=excursion), [updated]


def _advance_run(
    rule: ExcursionRule, state: ExcursionState, reading: Reading, side: Side, suppressed: bool
) -> Step:
    """Grow the pending run. A suppressed reading counts to no delay, but it starts the
    run's figures: a defrost that overlaps a real failure does not hide its exposure."""
    run = state.run if state.run is not None and state.run.tally.side is side else None
    if run is None:
        run = PendingRun(Tally.begin(side, reading.at, reading.celsius))
    run = replace(run, tally=run.tally.seen(reading.celsius))
    spans = state.spans
    if not suppressed:
        run = replace(run, readings=run.readings + 1)
        if rule.trigger is Trigger.TOTAL_READINGS:
            spans = (*spans, OutOfRangeSpan(side, reading.at, reading.at))
    state = replace(state, run=run, spans=_within_period(rule, spans, reading.at))
    triggered = not suppressed and _triggered(rule, state, run, side, reading.at)
    if triggered or _exposed(rule, state, side, reading.at):
        return _open(rule, state, run, reading.at)
    return state, []


def _exposed(rule: ExcursionRule, state: ExcursionState, side: Side, at: datetime) -> bool:
    """Out-of-range time on ``side`` within the exposure window has reached its maximum."""
    if rule.exposure_max is None or rule.exposure_within is None:
        return False
    window_start = at - rule.exposure_within
    total = sum(
        (
            span.ends_at - max(span.starts_at, window_start)
            for span in state.exposure
            if span.side is side and span.ends_at > window_start
        ),
        timedelta(0),
    )
    return total >= rule.exposure_max


def _triggered(
    rule: ExcursionRule, state: ExcursionState, run: PendingRun, side: Side, at: datetime
) -> bool:
    if rule.trigger is Trigger.CONTINUOUS_TIME:
        return run.counted >= rule.delay
    if rule.trigger is Trigger.CONSECUTIVE_READINGS:
        return run.readings >= rule.readings
    same_side = [span for span in state.spans if span.side is side]
    if rule.trigger is Trigger.TOTAL_READINGS:
        return len(same_side) >= rule.readings
    assert rule.period is not None
    period_start = at - rule.period
    total = sum(
        (span.ends_at - max(span.starts_at, period_start) for span in same_side), timedelta(0)
    )
    return total >= rule.delay


def _open(rule: ExcursionRule, state: ExcursionState, run: PendingRun, at: datetime) -> Step:
    """Raise the alarm; the excursion's figures start at the run's first reading, not now.

    On the side of the last one closed, within ``reopen_within`` of its close, it is that
    excursion again: same number, ``updated``, so its reactions are not repeated."""
    closed = state.last_closed
    cleared = replace(state, run=None, spans=(), exposure=(), in_range_since=None)
    if (
        rule.reopen_within is not None
        and closed is not None
        and closed.side is run.tally.side
        and at - closed.at <= rule.reopen_within
    ):
        excursion = OpenExcursion(number=closed.number, tally=run.tally, alarm_at=at)
        figures = _figures(rule, run.tally)
        again = ExcursionUpdated(state.location, closed.number, at, figures, back_in_range=False)
        return replace(cleared, excursion=excursion), [again]
    number = state.excursions_opened + 1
    excursion = OpenExcursion(number=number, tally=run.tally, alarm_at=at)
    opened = ExcursionOpened(state.location, number, at, _figures(rule, run.tally))
    return replace(cleared, excursion=excursion, excursions_opened=number), [opened]


def _close(rule: ExcursionRule, state: ExcursionState, at: datetime) -> Step:
    excursion = state.excursion
    assert excursion is not None
    closed = ExcursionClosed(
        state.location,
        excursion.number,
        at,
        _figures(rule, excursion.tally),
        acknowledged=excursion.acknowledged,
    )
    last_closed = ClosedExcursion(excursion.number, excursion.tally.side, at)
    return replace(state, excursion=None, in_range_since=None, last_closed=last_closed), [closed]


def _on_acknowledgement(
    rule: ExcursionRule, state: ExcursionState, acknowledgement: Acknowledgement
) -> Step:
    """Record who acknowledged and what they did; a latched, recovered excursion then closes.

    Acknowledging with nothing open, or twice, decides nothing: two people pressing the
    button at once is normal, not an error.
    """
    excursion = state.excursion
    if excursion is None or excursion.acknowledged:
        return state, []
    excursion = replace(excursion, acknowledged=True)
    state = replace(state, excursion=excursion)
    acknowledged = ExcursionAcknowledged(
        state.location,
        excursion.number,
        acknowledgement.at,
        acknowledgement.user,
        acknowledgement.corrective_action,
        _figures(rule, excursion.tally),
    )
    if not excursion.back_in_range:
        return state, [acknowledged]
    state, closed = _close(rule, state, acknowledgement.at)
    return state, [acknowledged, *closed]


def _escalate(rule: ExcursionRule, state: ExcursionState, at: datetime) -> Step:
    excursion = state.excursion
    if (
        excursion is None
        or rule.escalate_after is None
        or excursion.acknowledged
        or excursion.escalated
        or at - excursion.alarm_at < rule.escalate_after
    ):
        return state, []
    escalated = ExcursionEscalated(
        state.location, excursion.number, at, unacknowledged_for=at - excursion.alarm_at
    )
    return replace(state, excursion=replace(excursion, escalated=True)), [escalated]


def _forget_the_past(rule: ExcursionRule, state: ExcursionState, at: datetime) -> ExcursionState:
    """Drop spans older than the rolling period and suppression windows already over."""
    exposure = state.exposure
    if rule.exposure_within is not None:
        start = at - rule.exposure_within
        exposure = tuple(span for span in exposure if span.ends_at > start)
    return replace(
        state,
        spans=_within_period(rule, state.spans, at),
        exposure=exposure,
        suppressions=tuple(window for window in state.suppressions if window.ends_at > at),
    )


def _within_period(
    rule: ExcursionRule, spans: tuple[OutOfRangeSpan, ...], at: datetime
) -> tuple[OutOfRangeSpan, ...]:
    if rule.period is None:
        return ()
    period_start = at - rule.period
    return tuple(span for span in spans if span.ends_at > period_start)


def _figures(rule: ExcursionRule, tally: Tally) -> ExcursionFigures:
    return ExcursionFigures.of(tally, rule.limit(tally.side), rule.activation_energy_kj_per_mol)
