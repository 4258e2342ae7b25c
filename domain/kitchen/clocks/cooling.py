"""Cooling of cooked food in two stages, with the temperature readings kept as evidence.

From ``start_c`` (57 °C) the food must reach ``stage1_c`` (21 °C) within ``stage1_within``
(2 h), and ``final_c`` (5 °C) within ``total_within`` (6 h) of the start. Readings are the
evidence: stage 1 passes on the first reading at or below 21 °C in time, the clock completes
on the first at or below 5 °C in time. A deadline passes without such a reading → the clock
expires and the lot is blocked. After a missed stage 1 the only ways out are a reheat to
``reheat_c`` (74 °C), which releases the lot and starts cooling again, or discarding it;
after a missed stage 2, only discarding (both as the Food Code's 3-501.14 corrective action).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.events import EventDraft
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

CLOCK = "cooling"


class CoolingPhase(StrEnum):
    STAGE1 = "stage1"
    STAGE2 = "stage2"
    PASSED = "passed"
    MISSED_STAGE1 = "missed_stage1"
    MISSED_STAGE2 = "missed_stage2"
    DISCARDED = "discarded"


@dataclass(frozen=True, slots=True)
class CoolingState:
    ref: LotRef
    rule: CoolingRule
    started_at: datetime
    phase: CoolingPhase = CoolingPhase.STAGE1
    readings: tuple[tuple[datetime, Decimal], ...] = ()
    """Every reading since the (re)start: the record an inspector reads."""

    @property
    def due_at(self) -> datetime | None:
        if self.phase is CoolingPhase.STAGE1:
            return self.started_at + self.rule.stage1_within
        if self.phase is CoolingPhase.STAGE2:
            return self.started_at + self.rule.total_within
        return None


def start_cooling(
    rule: CoolingRule, ref: LotRef, at: datetime, celsius: Decimal, operator: str | None = None
) -> tuple[CoolingState, list[EventDraft]]:
    """Start cooling at ``at`` with a first reading, which must be ``start_c`` or above."""
    if celsius < rule.start_c:
        raise ClockInputRefused(
            f"lot {ref.lot}: cooling starts at {rule.start_c} °C or above, got {celsius} °C"
        )
    at = instant(at)
    state = CoolingState(ref, rule, at, readings=((at, celsius),))
    due = state.due_at
    detail = f"{celsius} °C; {rule.stage1_c} °C due by {due}"
    return state, [changed("started", ref, CLOCK, at, due_at=due, detail=detail, operator=operator)]


def step_cooling(state: CoolingState, given: ClockInput) -> tuple[CoolingState, list[EventDraft]]:
    state, drafts = _deadline(state, given.at)
    if isinstance(given, Tick):
        return state, drafts
    if isinstance(given, Reading):
        state = replace(state, readings=(*state.readings, (given.at, given.celsius)))
        return _on_reading(state, given, drafts)
    if isinstance(given, Reheated):
        return _reheat(state, given, drafts)
    if isinstance(given, Discarded) and state.phase is not CoolingPhase.DISCARDED:
        gone = released(state.ref, given.at, "discard", given.reason, given.operator)
        return replace(state, phase=CoolingPhase.DISCARDED), [*drafts, gone]
    raise ClockInputRefused(f"cooling of {state.ref.lot} ({state.phase.value}) takes no {given}")


def _on_reading(
    state: CoolingState, reading: Reading, drafts: list[EventDraft]
) -> tuple[CoolingState, list[EventDraft]]:
    rule, elapsed = state.rule, reading.at - state.started_at
    if state.phase is CoolingPhase.STAGE1 and reading.celsius <= rule.stage1_c:
        state = replace(state, phase=CoolingPhase.STAGE2)
        detail = f"{reading.celsius} °C after {elapsed}; {rule.final_c} °C due by {state.due_at}"
        drafts = [
            *drafts,
            changed("progressed", state.ref, CLOCK, reading.at, due_at=state.due_at, detail=detail),
        ]
    if state.phase is CoolingPhase.STAGE2 and reading.celsius <= rule.final_c:
        detail = f"{reading.celsius} °C after {elapsed}, {len(state.readings)} readings"
        completed = changed("completed", state.ref, CLOCK, reading.at, detail=detail)
        return replace(state, phase=CoolingPhase.PASSED), [*drafts, completed]
    return state, drafts


def _deadline(state: CoolingState, now: datetime) -> tuple[CoolingState, list[EventDraft]]:
    due = state.due_at
    if due is None or now <= due:
        return state, []
    rule = state.rule
    if state.phase is CoolingPhase.STAGE1:
        options = f"reheat to {rule.reheat_c} °C or discard"
        why = f"not at {rule.stage1_c} °C within {rule.stage1_within}: {options}"
        return replace(state, phase=CoolingPhase.MISSED_STAGE1), expired(state.ref, CLOCK, due, why)
    why = f"not at {rule.final_c} °C within {rule.total_within}: discard"
    return replace(state, phase=CoolingPhase.MISSED_STAGE2), expired(state.ref, CLOCK, due, why)


def _reheat(
    state: CoolingState, given: Reheated, drafts: list[EventDraft]
) -> tuple[CoolingState, list[EventDraft]]:
    rule = state.rule
    if state.phase is not CoolingPhase.MISSED_STAGE1:
        raise ClockInputRefused(
            f"cooling of {state.ref.lot} is {state.phase.value}: only food that missed stage 1 "
            "may be reheated"
        )
    if given.celsius < rule.reheat_c:
        raise ClockInputRefused(
            f"lot {state.ref.lot}: reheated to {given.celsius} °C, below {rule.reheat_c} °C"
        )
    why = f"reheated to {given.celsius} °C; cooling starts again"
    release = released(state.ref, given.at, "release", why, given.operator)
    restarted, started = start_cooling(rule, state.ref, given.at, given.celsius, given.operator)
    return restarted, [*drafts, release, *started]
