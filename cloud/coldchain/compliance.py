"""A location's daily compliance report: per hour min, max, mean, MKT and time out of range,
the day's MKT, and the excursions of the day.

Days are the site's own calendar days (``site_day``): 23, 24 or 25 hours counted from local
midnight. An hour that is one UTC hour takes its statistics from the hourly rollup; an hour
that is not (Kolkata's +05:30, Kathmandu's +05:45) sums the raw readings, which the report
reads anyway for time out of range (sums cannot give it: each reading holds until the next
one, as in ``domain.coldchain``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce

from cloud.coldchain.rollup import HourSums, sums_of
from cloud.coldchain.site_day import HOUR, SiteDay, SiteHour
from domain.coldchain.mkt import seconds

__all__ = ["HOUR", "DayReport", "ExcursionSpan", "HourLine", "Limits", "Statistics", "day_report"]
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
    """One hour of the site's day: ``hour`` is its start on the site's clock (with the
    offset, so the two 01:00 of a fall-back night differ); ``start`` and ``end`` in UTC."""

    hour: datetime
    start: datetime
    end: datetime
    stats: Statistics


@dataclass(frozen=True, slots=True)
class DayReport:
    site: str
    location: str
    metric: str
    unit: str
    day: date
    zone: tzinfo
    limits: Limits
    hours: list[HourLine]
    summary: Statistics
    excursions: list[ExcursionSpan]

    @property
    def site_day(self) -> SiteDay:
        return SiteDay(self.day, self.zone)

    @property
    def start(self) -> datetime:
        """The day's local midnight, in UTC."""
        return self.site_day.start

    @property
    def end(self) -> datetime:
        """The next day's local midnight, in UTC."""
        return self.site_day.end

    @property
    def time_zone(self) -> str:
        return self.site_day.zone_name


def day_report(
    *,
    site: str,
    location: str,
    metric: str,
    unit: str,
    day: SiteDay,
    hourly: Mapping[datetime, HourSums],
    readings: Sequence[tuple[datetime, Decimal]],
    limits: Limits,
    excursions: Sequence[ExcursionSpan],
    until: datetime,
) -> DayReport:
    """The report of the site's ``day``; ``hourly`` is the rollup by UTC hour, ``readings``
    are in time order and may start before the day (the last earlier reading holds into it);
    time after ``until`` (now) is not counted."""
    hours = day.hours()
    out = _seconds_out_by_hour(readings, limits, day.start, min(until, day.end))
    sums = {hour.start: _sums_of_hour(hour, unit, hourly, readings) for hour in hours}
    lines = [
        HourLine(hour.local, hour.start, hour.end,
                 _statistics(sums[hour.start], out.get(hour.start, Decimal(0)), limits))
        for hour in hours
    ]  # fmt: skip
    present = [hour_sums for hour_sums in sums.values() if hour_sums is not None]
    total = reduce(HourSums.plus, present) if present else None
    summary = _statistics(total, sum(out.values(), Decimal(0)), limits)
    return DayReport(site, location, metric, unit, day.day, day.zone, limits, lines, summary,
                     list(excursions))  # fmt: skip


def _sums_of_hour(
    hour: SiteHour,
    unit: str,
    hourly: Mapping[datetime, HourSums],
    readings: Sequence[tuple[datetime, Decimal]],
) -> HourSums | None:
    """The rollup's row when the hour is one, else the sums of its raw readings."""
    if hour.on_rollup_hour:
        return hourly.get(hour.start)
    first = bisect_left(readings, hour.start, key=_moment)
    last = bisect_left(readings, hour.end, key=_moment)
    return sums_of(unit, [value for _, value in readings[first:last]])


def _moment(reading: tuple[datetime, Decimal]) -> datetime:
    return reading[0]


def _statistics(sums: HourSums | None, out_s: Decimal, limits: Limits) -> Statistics:
    minutes = (out_s / 60).quantize(MINUTE_PRECISION, ROUND_HALF_UP) if limits.given else None
    if sums is None:
        return Statistics(0, None, None, None, None, minutes)
    mean = sums.mean.quantize(MEAN_PRECISION, ROUND_HALF_UP)
    return Statistics(sums.count, sums.min_value, sums.max_value, mean, sums.mkt_c, minutes)


def _seconds_out_by_hour(
    readings: Sequence[tuple[datetime, Decimal]], limits: Limits, start: datetime, end: datetime
) -> dict[datetime, Decimal]:
    """Seconds out of range in each hour of [start, end), keyed by the hour's start (hours
    counted from ``start``, not from the UTC clock): each reading holds until the next."""
    out: dict[datetime, Decimal] = {}
    if not limits.given:
        return out
    for index, (at, celsius) in enumerate(readings):
        if not limits.out_of_range(celsius):
            continue
        until = readings[index + 1][0] if index + 1 < len(readings) else end
        held_from, held_until = max(at, start), min(until, end)
        while held_from < held_until:
            hour = start + HOUR * ((held_from - start) // HOUR)
            piece_end = min(hour + HOUR, held_until)
            out[hour] = out.get(hour, Decimal(0)) + seconds(piece_end - held_from)
            held_from = piece_end
    return out
