"""A location's daily compliance report: per hour min, max, mean, MKT and time out of range,
the day's MKT, and the excursions of the day.

Built from the hourly rollup (for the statistics) and the raw readings (for time out of range,
which sums cannot give: each reading holds until the next one, as in ``domain.coldchain``).
Days are UTC days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce

from cloud.coldchain.rollup import HourSums
from domain.coldchain.mkt import seconds

HOUR = timedelta(hours=1)
MEAN_PRECISION = Decimal("0.01")
MINUTE_PRECISION = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class Limits:
    """The range a location must stay in; ``source`` says where the limits came from."""

    high_c: Decimal | None = None
    low_c: Decimal | None = None
    source: str | None = None

    def out_of_range(self, celsius: Decimal) -> bool:
        """Beyond a limit (a value equal to a limit is in range, as in ``ExcursionRule``)."""
        return (self.high_c is not None and celsius > self.high_c) or (
            self.low_c is not None and celsius < self.low_c
        )

    @property
    def given(self) -> bool:
        return self.high_c is not None or self.low_c is not None


@dataclass(frozen=True, slots=True)
class ExcursionSpan:
    """An excursion as the report shows it: when it was out of range, and its figures."""

    number: int
    status: str
    side: str | None
    limit_c: Decimal | None
    peak_c: Decimal | None
    started_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None
    acknowledged_by: str | None
    corrective_action: str | None

    def shown_from(self) -> datetime | None:
        """Out of range from when the temperature crossed the limit, not when the alarm rang."""
        return self.started_at or self.opened_at


@dataclass(frozen=True, slots=True)
class Statistics:
    readings: int
    min_c: Decimal | None
    max_c: Decimal | None
    mean_c: Decimal | None
    mkt_c: Decimal | None
    minutes_out_of_range: Decimal | None


@dataclass(frozen=True, slots=True)
class HourLine:
    hour: datetime
    stats: Statistics


@dataclass(frozen=True, slots=True)
class DayReport:
    site: str
    location: str
    metric: str
    unit: str
    day: date
    limits: Limits
    hours: list[HourLine]
    summary: Statistics
    excursions: list[ExcursionSpan]

    @property
    def start(self) -> datetime:
        return day_start(self.day)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def day_report(
    *,
    site: str,
    location: str,
    metric: str,
    unit: str,
    day: date,
    hourly: Mapping[datetime, HourSums],
    readings: Sequence[tuple[datetime, Decimal]],
    limits: Limits,
    excursions: Sequence[ExcursionSpan],
    until: datetime,
) -> DayReport:
    """The report of ``day``; ``readings`` are in time order and may start before the day
    (the last earlier reading holds into it); time after ``until`` (now) is not counted."""
    start = day_start(day)
    hours = [start + HOUR * n for n in range(24)]
    out = _seconds_out_by_hour(readings, limits, start, min(until, start + 24 * HOUR))
    lines = [HourLine(h, _statistics(hourly.get(h), out.get(h, Decimal(0)), limits)) for h in hours]
    present = [hourly[h] for h in hours if h in hourly]
    total = reduce(HourSums.plus, present) if present else None
    summary = _statistics(total, sum(out.values(), Decimal(0)), limits)
    return DayReport(site, location, metric, unit, day, limits, lines, summary, list(excursions))


def _statistics(sums: HourSums | None, out_s: Decimal, limits: Limits) -> Statistics:
    minutes = (out_s / 60).quantize(MINUTE_PRECISION, ROUND_HALF_UP) if limits.given else None
    if sums is None:
        return Statistics(0, None, None, None, None, minutes)
    mean = sums.mean.quantize(MEAN_PRECISION, ROUND_HALF_UP)
    return Statistics(sums.count, sums.min_value, sums.max_value, mean, sums.mkt_c, minutes)


def _seconds_out_by_hour(
    readings: Sequence[tuple[datetime, Decimal]], limits: Limits, start: datetime, end: datetime
) -> dict[datetime, Decimal]:
    """Seconds out of range in each hour of [start, end): each reading holds until the next."""
    out: dict[datetime, Decimal] = {}
    if not limits.given:
        return out
    for index, (at, celsius) in enumerate(readings):
        if not limits.out_of_range(celsius):
            continue
        until = readings[index + 1][0] if index + 1 < len(readings) else end
        held_from, held_until = max(at, start), min(until, end)
        while held_from < held_until:
            hour = held_from.replace(minute=0, second=0, microsecond=0)
            piece_end = min(hour + HOUR, held_until)
            out[hour] = out.get(hour, Decimal(0)) + seconds(piece_end - held_from)
            held_from = piece_end
    return out
