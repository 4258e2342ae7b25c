"""The running figures of one out-of-range stretch: peak, time, degree-minutes, MKT samples."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from domain.coldchain.mkt import seconds
from domain.coldchain.rule import Side


@dataclass(frozen=True, slots=True)
class Tally:
    """Exposure of the product while beyond one limit, kept exact so replays agree.

    Time is counted step-hold: a reading's value holds until the next reading, so the span
    [tₖ₋₁, tₖ) is charged to reading k-1. Degree-minutes are |value - limit| × minutes for each
    such span (a left Riemann sum, which a reader can check with a pencil).
    """

    side: Side
    started_at: datetime
    peak_c: Decimal
    last_c: Decimal
    out_of_range: timedelta = timedelta(0)
    degree_minutes: Decimal = Decimal(0)
    samples: tuple[tuple[Decimal, Decimal], ...] = ()
    """(°C, seconds held) for the excursion's time-weighted MKT."""

    @classmethod
    def begin(cls, side: Side, at: datetime, celsius: Decimal) -> Tally:
        return cls(side=side, started_at=at, peak_c=celsius, last_c=celsius)

    def held(self, celsius: Decimal, span: timedelta, limit: Decimal) -> Tally:
        """Charge ``span`` during which ``celsius`` (beyond ``limit``) held."""
        held_seconds = seconds(span)
        return replace(
            self,
            out_of_range=self.out_of_range + span,
            degree_minutes=self.degree_minutes + abs(celsius - limit) * held_seconds / 60,
            samples=(*self.samples, (celsius, held_seconds)),
        )

    def seen(self, celsius: Decimal) -> Tally:
        """Note a new reading on this side: the peak is the warmest (or coldest) seen."""
        peak = max(self.peak_c, celsius) if self.side is Side.HIGH else min(self.peak_c, celsius)
        return replace(self, peak_c=peak, last_c=celsius)
