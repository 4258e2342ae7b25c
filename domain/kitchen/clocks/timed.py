"""Clocks with a minimum and a maximum duration: marinating, ageing, and TPHC.

Started when the process starts (a lot goes into the marinade, onto the ageing rack, or out
of temperature control under time as a public health control). Before ``min`` has passed
the lot is not ready (FEFO skips it); at ``min`` it becomes ready; at ``max`` it expires and
is blocked: over-marinated, over-aged, or — for TPHC — four hours out of temperature
control, when the Food Code says it must be thrown away. ``Stopped`` ends the clock (the
lot was cooked or used up). Inputs other than ticks and stops are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.events import EventDraft
from domain.kitchen.clocks.events import LotRef, changed, expired
from domain.kitchen.clocks.inputs import (
    ClockInput,
    ClockInputRefused,
    Reading,
    Stopped,
    Tick,
    instant,
)
from domain.kitchen.clocks.rules import TimedRule


class TimedKind(StrEnum):
    MARINATING = "marinating"
    AGEING = "ageing"
    TPHC = "tphc"


_EXPIRY_WORDS = {
    TimedKind.MARINATING: "marinated longer than",
    TimedKind.AGEING: "aged longer than",
    TimedKind.TPHC: "out of temperature control for",
}


class TimedPhase(StrEnum):
    RUNNING = "running"
    READY = "ready"
    EXPIRED = "expired"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class TimedState:
    ref: LotRef
    kind: TimedKind
    rule: TimedRule
    started_at: datetime
    phase: TimedPhase = TimedPhase.RUNNING
    ceiling_c: Decimal | None = None
    """The temperature the lot may not pass while the clock runs (TPHC's 6-hour option)."""

    @property
    def ready_at(self) -> datetime | None:
        """When the lot may be used, while it may not be yet; None once it may."""
        if self.phase is TimedPhase.RUNNING and self.rule.min:
            return self.started_at + self.rule.min
        return None

    @property
    def due_at(self) -> datetime | None:
        """The next moment this clock changes by itself (ready, then expiry)."""
        if self.phase in (TimedPhase.EXPIRED, TimedPhase.STOPPED):
            return None
        return self.ready_at or self.started_at + self.rule.max


def start_timed(
    kind: TimedKind, rule: TimedRule, ref: LotRef, at: datetime, operator: str | None = None
) -> tuple[TimedState, list[EventDraft]]:
    at = instant(at)
    state = TimedState(ref, kind, rule, at)
    return state, [changed("started", ref, kind.value, at, due_at=state.due_at, operator=operator)]


def step_timed(state: TimedState, given: ClockInput) -> tuple[TimedState, list[EventDraft]]:
    if isinstance(given, Stopped):
        return _stop(state, given)
    if isinstance(given, Reading) and state.ceiling_c is not None:
        return _check_ceiling(state, given)
    if not isinstance(given, Tick):
        raise ClockInputRefused(f"{state.kind.value} clock of {state.ref.lot}: takes no {given}")
    drafts: list[EventDraft] = []
    ready_at = state.ready_at
    if ready_at is not None and given.at >= ready_at:
        state = replace(state, phase=TimedPhase.READY)
        ends = state.started_at + state.rule.max
        drafts.append(changed("ready", state.ref, state.kind.value, ready_at, due_at=ends))
    ends = state.started_at + state.rule.max
    if state.phase in (TimedPhase.RUNNING, TimedPhase.READY) and given.at >= ends:
        why = f"{_EXPIRY_WORDS[state.kind]} {state.rule.max}: discard"
        state = replace(state, phase=TimedPhase.EXPIRED)
        drafts += expired(state.ref, state.kind.value, ends, why)
    return state, drafts


def _stop(state: TimedState, given: Stopped) -> tuple[TimedState, list[EventDraft]]:
    if state.phase in (TimedPhase.EXPIRED, TimedPhase.STOPPED):
        raise ClockInputRefused(f"{state.kind.value} clock of {state.ref.lot} is {state.phase}")
    done = changed("completed", state.ref, state.kind.value, given.at, operator=given.operator)
    return replace(state, phase=TimedPhase.STOPPED), [done]


def _check_ceiling(state: TimedState, reading: Reading) -> tuple[TimedState, list[EventDraft]]:
    """A reading under a ceiling: above it, the lot is discarded at once (3-501.19(C))."""
    first, drafts = step_timed(state, Tick(reading.at))  # a deadline before the reading first
    ceiling = state.ceiling_c
    assert ceiling is not None
    if first.phase not in (TimedPhase.RUNNING, TimedPhase.READY) or reading.celsius <= ceiling:
        return first, drafts
    why = f"{reading.celsius} °C, above {ceiling} °C under the 6-hour option: discard"
    expired_state = replace(first, phase=TimedPhase.EXPIRED)
    return expired_state, drafts + expired(state.ref, state.kind.value, reading.at, why)
