"""The detector's memory for one location: immutable, so the agent can persist and replay it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from domain.coldchain.inputs import SuppressionWindow
from domain.coldchain.rule import Side
from domain.coldchain.tally import Tally


@dataclass(frozen=True, slots=True)
class LastReading:
    """The previous reading: its value holds until the next one, so the next one charges it."""

    at: datetime
    celsius: Decimal
    side: Side | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class PendingRun:
    """An out-of-range stretch that has not (yet) met the rule's delay or count.

    ``counted`` and ``readings`` leave out what happened inside a suppression window; the tally
    does not, because the product felt those degrees all the same.
    """

    tally: Tally
    counted: timedelta = timedelta(0)
    readings: int = 0


@dataclass(frozen=True, slots=True)
class OutOfRangeSpan:
    """Unsuppressed out-of-range time (or, for reading counts, one instant) in the period."""

    side: Side
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class OpenExcursion:
    """A raised alarm: ``back_in_range`` when latched and waiting for acknowledgement."""

    number: int
    tally: Tally
    alarm_at: datetime
    acknowledged: bool = False
    escalated: bool = False
    back_in_range: bool = False


@dataclass(frozen=True, slots=True)
class ClosedExcursion:
    """The last excursion closed, which a reopening within the rule's gap continues."""

    number: int
    side: Side
    at: datetime


@dataclass(frozen=True, slots=True)
class ExcursionState:
    """Everything ``step`` needs about one location; equal states mean equal futures."""

    location: str
    last: LastReading | None = None
    run: PendingRun | None = None
    spans: tuple[OutOfRangeSpan, ...] = ()
    excursion: OpenExcursion | None = None
    suppressions: tuple[SuppressionWindow, ...] = ()
    excursions_opened: int = 0
    charged_to: datetime | None = None
    """How far the last reading's value has been charged (a tick charges as time passes)."""
    silent: bool = False
    """No reading for the rule's silence; announced once."""
    exposure: tuple[OutOfRangeSpan, ...] = ()
    """All out-of-range time, suppressed or not, within the rule's exposure window."""
    in_range_since: datetime | None = None
    """Since when readings are clearly back in range while an excursion is open."""
    last_closed: ClosedExcursion | None = None
