"""Date marking of opened or prepared ready-to-eat food: 7 days at ≤ 5 °C, day 1 = today.

A lot opened or prepared on day D keeps through the end of day D + 6 (``use_by``), unless
an ingredient's mark is earlier: a mixture takes the earliest date of its ingredients
(``start_date_mark(..., ingredients=...)``). Freezing pauses the clock: the freezing day is
used up, the days after it are kept. Thawing resumes it, the thawing day counting as a day:
prepared Monday (day 1), frozen Wednesday (day 3), 4 days remain; thawed the next Monday,
it keeps through Thursday. At the site's midnight after ``use_by`` the mark expires and the
lot is blocked (cause ``clock:date-mark:<lot>``). Days are the site's (the zone the mark is
given); its deadline is that midnight as a UTC instant.
The ≤ 5 °C the mark assumes (``max_temp_c``, Food Code 3-501.16(A)(2)) is judged from the
readings of the lot's room: above it for ``warm_max`` on end (2 h), the lot is blocked; a
reading at or below it ends the warm spell. A frozen lot ignores the room.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum

from domain.events import EventDraft
from domain.kitchen.clocks.events import LotRef, changed, expired
from domain.kitchen.clocks.inputs import (
    ClockInput,
    ClockInputRefused,
    Frozen,
    Reading,
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
    max_c: Decimal = Decimal(5)
    warm_max: timedelta = timedelta(hours=2)
    warm_since: datetime | None = None
    """The first of the room's readings above ``max_c`` in a row, while they last."""
    warm_c: Decimal | None = None
    """The latest of them."""

    @property
    def midnight(self) -> datetime | None:
        """The site's midnight that ends ``use_by``, while the clock runs."""
        if self.phase is not MarkPhase.RUNNING or self.use_by is None:
            return None
        midnight = datetime.combine(self.use_by + _DAY, time(0), tzinfo=self.zone)
        return midnight.astimezone(UTC)

    @property
    def warm_until(self) -> datetime | None:
        """When the warm spell blocks the lot, while there is one."""
        if self.phase is not MarkPhase.RUNNING or self.warm_since is None:
            return None
        return self.warm_since + self.warm_max

    @property
    def due_at(self) -> datetime | None:
        """The earlier of the mark's midnight and the warm spell's limit, while it runs."""
        due = [moment for moment in (self.midnight, self.warm_until) if moment is not None]
        return min(due) if due else None


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
    state = DateMarkState(ref, site, use_by, max_c=rule.max_temp_c, warm_max=rule.warm_max)
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
    if isinstance(given, Reading):
        return _room(state, given), drafts
    day = given.at.astimezone(state.zone).date()
    if isinstance(given, Frozen) and state.phase is MarkPhase.RUNNING:
        assert state.use_by is not None
        left = (state.use_by - day).days
        frozen = replace(
            state, use_by=None, days_left=left, phase=MarkPhase.FROZEN, warm_since=None
        )
        paused = changed("paused", state.ref, CLOCK, given.at, detail=f"frozen, {left} days left")
        return frozen, [*drafts, paused]
    if isinstance(given, Thawed) and state.phase is MarkPhase.FROZEN:
        use_by = day + timedelta(days=state.days_left - 1)
        running = replace(state, use_by=use_by, days_left=0, phase=MarkPhase.RUNNING)
        detail = f"thawed, use by {use_by.isoformat()}"
        resumed = changed(
            "resumed", state.ref, CLOCK, given.at, due_at=running.due_at, detail=detail
        )
        running, late = _expire(running, given.at)  # thawed with no day left
        return running, [*drafts, resumed, *late]
    raise ClockInputRefused(f"date mark of {state.ref.lot} ({state.phase.value}) takes no {given}")


def _room(state: DateMarkState, reading: Reading) -> DateMarkState:
    """A reading of the lot's room starts, continues or ends a warm spell (a frozen lot's
    room is the freezer's business)."""
    if state.phase is not MarkPhase.RUNNING:
        return state
    if reading.celsius <= state.max_c:
        return replace(state, warm_since=None, warm_c=None)
    if state.warm_since is None or reading.at < state.warm_since:
        return replace(state, warm_since=reading.at, warm_c=reading.celsius)
    return replace(state, warm_c=reading.celsius)


def _expire(state: DateMarkState, now: datetime) -> tuple[DateMarkState, list[EventDraft]]:
    due = state.due_at
    if due is None or now < due:
        return state, []
    assert state.use_by is not None
    why = f"date mark: use by {state.use_by.isoformat()} has passed: discard"
    if due == state.warm_until and state.warm_since is not None:
        since = state.warm_since.astimezone(state.zone)
        why = (
            f"held at {state.warm_c} °C, above {state.max_c} °C since {since:%Y-%m-%d %H:%M}"
            f" for {state.warm_max}: the date mark assumes cold holding (Food Code"
            " 3-501.16(A)(2), 3-501.17): check the food and discard unless it can be saved"
        )
    return replace(state, phase=MarkPhase.EXPIRED), expired(state.ref, CLOCK, due, why)
