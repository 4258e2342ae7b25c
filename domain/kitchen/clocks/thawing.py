"""Thawing: frozen → thawing → ready, predicted from weight and method, within limits.

A PDA scan of the lot's GS1 label at the cold store starts it (``start_thawing``, with the
net weight the label carries). Model: each method thaws the lot in ``max(minimum,
hours_per_kg × kg)``; progress is the share of that time spent so far, so a lot moved from
running water to the walk-in half-way keeps its half and needs half of the walk-in's time.
The lot is ready when progress reaches 1 (``clock.ready``); until then FEFO skips it as not
ready. Limits: a reading above the method's ``max_temp_c`` (the lot above 5 °C in the
walk-in, the water above 21 °C) blocks the lot; running water time is summed over all its
spells, and past ``max_total`` (4 h for raw animal food) the lot is blocked for discard.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.events import EventDraft
from domain.kitchen.clocks.events import LotRef, changed, expired
from domain.kitchen.clocks.inputs import (
    ClockInput,
    ClockInputRefused,
    MethodChanged,
    Reading,
    Stopped,
    Tick,
    instant,
)
from domain.kitchen.clocks.rules import ThawMethod, ThawRule

CLOCK = "thawing"


class ThawPhase(StrEnum):
    THAWING = "thawing"
    READY = "ready"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class ThawState:
    """``progress`` (0…1) and ``limited_used`` (time under a ``max_total`` method) as of
    ``since``, when the current ``method`` began or last changed."""

    ref: LotRef
    rules: dict[ThawMethod, ThawRule]
    weight_kg: Decimal
    method: ThawMethod
    since: datetime
    progress: Decimal = Decimal(0)
    limited_used: timedelta = timedelta(0)
    phase: ThawPhase = ThawPhase.THAWING

    @property
    def rule(self) -> ThawRule:
        return self.rules[self.method]

    @property
    def ready_at(self) -> datetime | None:
        """The predicted end of thawing, while the lot is still thawing."""
        if self.phase is not ThawPhase.THAWING:
            return None
        return self.since + thaw_time(self.rule, self.weight_kg) * float(1 - self.progress)

    @property
    def limit_at(self) -> datetime | None:
        """When the method's total-time limit runs out, if it has one."""
        if self.phase is not ThawPhase.THAWING or self.rule.max_total is None:
            return None
        return self.since + self.rule.max_total - self.limited_used

    @property
    def due_at(self) -> datetime | None:
        moments = [moment for moment in (self.ready_at, self.limit_at) if moment is not None]
        return min(moments) if moments else None


def thaw_time(rule: ThawRule, weight_kg: Decimal) -> timedelta:
    """How long ``rule``'s method takes to thaw ``weight_kg`` from frozen."""
    return max(rule.minimum, timedelta(hours=float(rule.hours_per_kg * weight_kg)))


def start_thawing(
    rules: dict[ThawMethod, ThawRule],
    ref: LotRef,
    weight_kg: Decimal,
    method: ThawMethod,
    at: datetime,
    operator: str | None = None,
) -> tuple[ThawState, list[EventDraft]]:
    if method not in rules:
        raise ClockInputRefused(f"{ref.item} has no rule to thaw by {method.value}")
    if weight_kg <= 0:
        raise ClockInputRefused(f"lot {ref.lot}: weight {weight_kg} kg must be positive")
    at = instant(at)
    state = ThawState(ref, rules, weight_kg, method, at)
    detail = f"{method.value}, {weight_kg} kg"
    started = changed(
        "started", ref, CLOCK, at, due_at=state.ready_at, detail=detail, operator=operator
    )
    return state, [started]


def step_thawing(state: ThawState, given: ClockInput) -> tuple[ThawState, list[EventDraft]]:
    if state.phase is not ThawPhase.THAWING:
        raise ClockInputRefused(f"lot {state.ref.lot} is {state.phase.value}, not thawing")
    state, drafts = _deadlines(state, given.at)
    if state.phase is not ThawPhase.THAWING or isinstance(given, Tick):
        return state, drafts
    if isinstance(given, Reading):
        return _check_temperature(state, given, drafts)
    if isinstance(given, MethodChanged):
        return _change_method(state, given, drafts)
    if isinstance(given, Stopped):  # a cook judged it thawed (core probe) before the model did
        done = changed("ready", state.ref, CLOCK, given.at, operator=given.operator)
        return replace(_advance(state, given.at), phase=ThawPhase.READY), [*drafts, done]
    raise ClockInputRefused(f"thawing clock of {state.ref.lot}: takes no {given}")


def _deadlines(state: ThawState, now: datetime) -> tuple[ThawState, list[EventDraft]]:
    """Whichever of ready and the time limit comes first, if it has come by ``now``."""
    ready_at, limit_at = state.ready_at, state.limit_at
    assert ready_at is not None
    if limit_at is not None and limit_at < ready_at and now >= limit_at:
        spent = state.rule.max_total
        why = f"thawed by {state.method.value} for more than {spent} in total: discard"
        return replace(state, phase=ThawPhase.EXPIRED), expired(state.ref, CLOCK, limit_at, why)
    if now >= ready_at:
        ready = replace(_advance(state, ready_at), phase=ThawPhase.READY)
        return ready, [changed("ready", state.ref, CLOCK, ready_at)]
    return state, []


def _advance(state: ThawState, now: datetime) -> ThawState:
    """The state with the time since ``since`` charged to progress and the limit."""
    spent = now - state.since
    whole = thaw_time(state.rule, state.weight_kg)
    progress = min(Decimal(1), state.progress + Decimal(spent / whole))
    limited = state.limited_used + (spent if state.rule.max_total is not None else timedelta(0))
    return replace(state, since=now, progress=progress, limited_used=limited)


def _check_temperature(
    state: ThawState, reading: Reading, drafts: list[EventDraft]
) -> tuple[ThawState, list[EventDraft]]:
    limit = state.rule.max_temp_c
    if limit is None or reading.celsius <= limit:
        return state, drafts
    why = f"{reading.celsius} °C while thawing by {state.method.value} (limit {limit} °C)"
    return replace(state, phase=ThawPhase.EXPIRED), drafts + expired(
        state.ref, CLOCK, reading.at, why
    )


def _change_method(
    state: ThawState, given: MethodChanged, drafts: list[EventDraft]
) -> tuple[ThawState, list[EventDraft]]:
    if given.method not in state.rules:
        raise ClockInputRefused(f"{state.ref.item} has no rule to thaw by {given.method.value}")
    moved = replace(_advance(state, given.at), method=given.method)
    detail = f"now {given.method.value}"
    resumed = changed("resumed", state.ref, CLOCK, given.at, due_at=moved.ready_at, detail=detail)
    return moved, [*drafts, resumed]
