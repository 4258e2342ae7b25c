"""Date marking of opened or prepared ready-to-eat food: 7 days at ≤ 5 °C, day 1 = today.

A lot opened or prepared on day D keeps through the end of day D + 6 (``use_by``), unless
an ingredient's mark is earlier: a mixture takes the earliest date of its ingredients
(``start_date_mark(..., ingredients=...)``). Freezing pauses the clock: the freezing day is
used up, the days after it are kept. Thawing resumes it, the thawing day counting as a day:
prepared Monday (day 1), frozen Wednesday (day 3), 4 days remain; thawed the next Monday,
it keeps through Thursday. At the site's midnight after ``use_by`` the mark expires and the
lot is blocked (cause ``clock:date-mark:<lot>``). Days are the site's (the zone the mark is
given); its deadline is that midnight as a UTC instant.
The ≤ 5 °C condition is the cold room's, watched by the cold chain's excursion rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from domain.events import EventDraft
from domain.kitchen.clocks.events import LotRef, changed, expired
from domain.kitchen.clocks.inputs import (
    ClockInput,
    ClockInputRefused,
    Frozen,
    Thawed,
    Tick,
    instant,
)
from domain.kitchen.clocks.rules import DateMarkRule

CLOCK = "date-mark"
_DAY = timedelta(days=1)


class MarkPhase(StrEnum):
    RUNNING = "running"
    FROZEN = "frozen"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class DateMarkState:
    """``use_by`` while running; ``days_left`` (after the freezing day) while frozen."""

    ref: LotRef
    zone: tzinfo
    use_by: date | None
    days_left: int = 0
    phase: MarkPhase = MarkPhase.RUNNING

    @property
    def due_at(self) -> datetime | None:
        """The site's midnight that ends ``use_by``, while the clock runs."""
        if self.phase is not MarkPhase.RUNNING or self.use_by is None:
            return None
        midnight = datetime.combine(self.use_by + _DAY, time(0), tzinfo=self.zone)
        return midnight.astimezone(UTC)


def use_by_as_of(state: DateMarkState, day: date) -> date | None:
    """The last day ``state``'s lot keeps if used on ``day`` (site-local): a running mark's
    ``use_by``; a frozen one's days left counted from ``day`` (the frozen time excluded,
    ``day`` counting as a day, as a thaw on ``day`` would give)."""
    if state.phase is MarkPhase.FROZEN:
        return day + timedelta(days=state.days_left - 1)
    return state.use_by


def mixture_use_by(marks: Iterable[date | None]) -> date | None:
    """The earliest of the ingredients' marks (None for ingredients without one)."""
    known = [mark for mark in marks if mark is not None]
    return min(known) if known else None


def start_date_mark(
    rule: DateMarkRule,
    ref: LotRef,
    at: datetime,
    *,
    ingredients: Iterable[date | None] = (),
    operator: str | None = None,
    zone: tzinfo | None = None,
) -> tuple[DateMarkState, list[EventDraft]]:
    """Mark a lot opened or prepared at ``at``; its days are ``zone``'s (the site's),
    or, without one, those of the zone ``at`` is given in."""
    if at.tzinfo is None:
        raise ClockInputRefused(f"lot {ref.lot}: {at} has no time zone")
    site = zone if zone is not None else at.tzinfo
    own = at.astimezone(site).date() + timedelta(days=rule.days - 1)
    use_by = mixture_use_by([own, *ingredients])
    assert use_by is not None
    at = instant(at)
    state = DateMarkState(ref, site, use_by)
    detail = f"use by {use_by.isoformat()}"
    started = changed(
        "started", ref, CLOCK, at, due_at=state.due_at, detail=detail, operator=operator
    )
    return state, [started]


def step_date_mark(
    state: DateMarkState, given: ClockInput
) -> tuple[DateMarkState, list[EventDraft]]:
    state, drafts = _expire(state, given.at)
    if state.phase is MarkPhase.EXPIRED or isinstance(given, Tick):
        return state, drafts
    day = given.at.astimezone(state.zone).date()
    if isinstance(given, Frozen) and state.phase is MarkPhase.RUNNING:
        assert state.use_by is not None
        left = (state.use_by - day).days
        frozen = DateMarkState(state.ref, state.zone, None, left, MarkPhase.FROZEN)
        paused = changed("paused", state.ref, CLOCK, given.at, detail=f"frozen, {left} days left")
        return frozen, [*drafts, paused]
    if isinstance(given, Thawed) and state.phase is MarkPhase.FROZEN:
        use_by = day + timedelta(days=state.days_left - 1)
        running = DateMarkState(state.ref, state.zone, use_by)
        detail = f"thawed, use by {use_by.isoformat()}"
        resumed = changed(
            "resumed", state.ref, CLOCK, given.at, due_at=running.due_at, detail=detail
        )
        running, late = _expire(running, given.at)  # thawed with no day left
        return running, [*drafts, resumed, *late]
    raise ClockInputRefused(f"date mark of {state.ref.lot} ({state.phase.value}) takes no {given}")


def _expire(state: DateMarkState, now: datetime) -> tuple[DateMarkState, list[EventDraft]]:
    due = state.due_at
    if due is None or now < due:
        return state, []
    assert state.use_by is not None
    why = f"date mark: use by {state.use_by.isoformat()} has passed: discard"
    return replace(state, phase=MarkPhase.EXPIRED), expired(state.ref, CLOCK, due, why)
