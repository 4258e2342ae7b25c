"""Lot lifecycle clocks: thawing, marinating, ageing, date marking, TPHC and cooling.

Each clock is a reducer with no clock of its own: ``start_*`` makes its state and the
``clock.started`` event; ``step(state, input) → (state, drafts)`` applies a ``Tick``, a
``Reading`` or a cook's action (``inputs``). The agent keeps each open clock's state with
the events it produced, wakes at ``state.due_at`` with a ``Tick``, and feeds readings of the
lot's location. An expired clock emits ``clock.expired`` and ``lot.blocked`` with the cause
``clock:<clock>:<lot>``; ``ready_at`` (thawing, a marinade before its minimum) is what
FEFO's ``LotOnHand.ready_at`` takes, so a lot that is not ready is skipped with that reason.
Rules per item class come from YAML (``rules.ClockRules``).
"""

from __future__ import annotations

from datetime import datetime

from domain.events import EventDraft
from domain.kitchen.clocks.cooling import CoolingState, step_cooling
from domain.kitchen.clocks.date_mark import DateMarkState, step_date_mark
from domain.kitchen.clocks.inputs import ClockInput, in_utc
from domain.kitchen.clocks.thawing import ThawState, step_thawing
from domain.kitchen.clocks.timed import TimedState, step_timed

ClockState = ThawState | TimedState | DateMarkState | CoolingState


def step(state: ClockState, given: ClockInput) -> tuple[ClockState, list[EventDraft]]:
    """Apply one input to any clock (its time taken as a UTC instant)."""
    given = in_utc(given)
    if isinstance(state, ThawState):
        return step_thawing(state, given)
    if isinstance(state, TimedState):
        return step_timed(state, given)
    if isinstance(state, DateMarkState):
        return step_date_mark(state, given)
    return step_cooling(state, given)


def wake_at(state: ClockState) -> datetime | None:
    """When the clock must next be given a ``Tick``: its deadline, or earlier a cooling
    batch's silence warning."""
    if isinstance(state, CoolingState) and state.warn_at is not None:
        return state.warn_at  # before the deadline, by its definition
    return state.due_at


def ready_at(state: ClockState) -> datetime | None:
    """Until when the clock's lot is not ready to use (None: no such wait)."""
    if isinstance(state, ThawState | TimedState):
        return state.ready_at
    return None
