"""A site's calendar day in its own zone, as the instants the cold-chain report covers.

A local day is 24 hours long except on a change of daylight saving time (23 or 25 hours in
New York or Berlin). Its hours are counted in real elapsed time from local midnight, so a
25-hour day shows 01:00 twice (EDT then EST) and a 23-hour day has no 02:00. In a zone a
whole number of hours from UTC every hour of the day is an hour of the rollup; in Kolkata
(+05:30) or Kathmandu (+05:45) none is, and the report sums those hours from raw readings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SiteHour:
    """One hour of a site's day: [start, end) as UTC instants; ``local`` is its start in the
    site's zone (what people read: ``01:00-05:00`` and ``01:00-04:00`` are two hours)."""

    start: datetime
    end: datetime
    local: datetime

    @property
    def on_rollup_hour(self) -> bool:
        """Whether the hour is exactly one UTC hour of the rollup (whole-hour zones)."""
        return self.end - self.start == HOUR and self.start.minute == self.start.second == 0


@dataclass(frozen=True, slots=True)
class SiteDay:
    """The calendar ``day`` of a site in ``zone``: from its local midnight to the next."""

    day: date
    zone: tzinfo

    @property
    def start(self) -> datetime:
        return local_midnight(self.day, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.day + timedelta(days=1), self.zone)

    @property
    def zone_name(self) -> str:
        """The IANA name of the zone (``Asia/Shanghai``), else what the zone calls itself."""
        return str(getattr(self.zone, "key", None) or self.zone)

    def hours(self) -> list[SiteHour]:
        """The day's hours in order: 23, 24 or 25 of them; the last one shorter in a zone
        whose clocks change by less than an hour (Lord Howe Island's 30 minutes)."""
        start, end = self.start, self.end
        count = math.ceil((end - start) / HOUR)
        starts = [start + HOUR * n for n in range(count)]
        return [
            SiteHour(moment, min(moment + HOUR, end), moment.astimezone(self.zone))
            for moment in starts
        ]


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The UTC instant of ``day``'s first moment in ``zone``.

    Where midnight itself is skipped by a change of clocks (Santiago, Beirut), the day starts
    at the change; where it happens twice, at the first one (``fold=0``).
    """
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
