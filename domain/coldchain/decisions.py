"""What the excursion detector decides: plain facts for the pipeline to turn into events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from domain.coldchain.mkt import time_weighted_mean_kinetic_temperature
from domain.coldchain.rule import Side
from domain.coldchain.tally import Tally

DEGREE_MINUTE_PRECISION = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ExcursionFigures:
    """What a quality manager needs to judge an excursion's harm to the product.

    ``duration`` is time beyond the limit (not time the alarm was open); ``mkt_c`` is the
    time-weighted MKT of the out-of-range stretch, or the single reading before time has passed.
    """

    side: Side
    limit_c: Decimal
    started_at: datetime
    peak_c: Decimal
    duration: timedelta
    degree_minutes: Decimal
    mkt_c: Decimal

    @classmethod
    def of(
        cls, tally: Tally, limit_c: Decimal, activation_energy_kj_per_mol: Decimal
    ) -> ExcursionFigures:
        if tally.samples:
            mkt = time_weighted_mean_kinetic_temperature(
                tally.samples, activation_energy_kj_per_mol=activation_energy_kj_per_mol
            )
        else:
            mkt = tally.last_c
        return cls(
            side=tally.side,
            limit_c=limit_c,
            started_at=tally.started_at,
            peak_c=tally.peak_c,
            duration=tally.out_of_range,
            degree_minutes=tally.degree_minutes.quantize(
                DEGREE_MINUTE_PRECISION, rounding=ROUND_HALF_UP
            ),
            mkt_c=mkt,
        )


@dataclass(frozen=True, slots=True)
class ExcursionOpened:
    """The rule's delay or count was met: an alarm is raised at ``at``."""

    location: str
    number: int
    at: datetime
    figures: ExcursionFigures


@dataclass(frozen=True, slots=True)
class ExcursionUpdated:
    """A reading changed an open excursion's figures; ``back_in_range`` when latched."""

    location: str
    number: int
    at: datetime
    figures: ExcursionFigures
    back_in_range: bool


@dataclass(frozen=True, slots=True)
class ExcursionEscalated:
    """Nobody acknowledged within the rule's ``escalate_after``: tell someone higher up."""

    location: str
    number: int
    at: datetime
    unacknowledged_for: timedelta


@dataclass(frozen=True, slots=True)
class ExcursionAcknowledged:
    """Someone took responsibility and recorded what they did."""

    location: str
    number: int
    at: datetime
    user: str
    corrective_action: str
    figures: ExcursionFigures


@dataclass(frozen=True, slots=True)
class ExcursionClosed:
    """The excursion is over: back in range and, when latching, acknowledged."""

    location: str
    number: int
    at: datetime
    figures: ExcursionFigures
    acknowledged: bool


@dataclass(frozen=True, slots=True)
class ReadingsSilent:
    """No reading for the rule's silence: the room is not watched any more (an alarm)."""

    location: str
    at: datetime
    last_at: datetime
    last_c: Decimal


@dataclass(frozen=True, slots=True)
class ReadingsResumed:
    """Readings came back after a gap longer than the rule's silence: the gap is reported,
    and nothing was assumed about it."""

    location: str
    at: datetime
    gap_from: datetime
    gap: timedelta


Decision = (
    ExcursionOpened
    | ExcursionUpdated
    | ExcursionEscalated
    | ExcursionAcknowledged
    | ExcursionClosed
    | ReadingsSilent
    | ReadingsResumed
)
ExcursionDecision = (
    ExcursionOpened
    | ExcursionUpdated
    | ExcursionEscalated
    | ExcursionAcknowledged
    | ExcursionClosed
)
