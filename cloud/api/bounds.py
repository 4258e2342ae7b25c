"""Days and moments a query may name: within years 1900 to 2999.

Python's dates end at year 9999 and PostgreSQL's start at 4713 BC, so ``9999-12-31`` plus a
day, or ``0001-01-01`` in a zone east of UTC, overflowed and answered 500. No stock or
temperature record of this system lies outside these years, so a query naming one is
refused with 422 naming the parameter.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def _day_in_range(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"a day from {EARLIEST} to {LATEST}")
    return day


def _moment_in_range(moment: datetime) -> datetime:
    _day_in_range(moment.date())
    return moment


Day = Annotated[date, AfterValidator(_day_in_range)]
"""A day within the years this system records."""

Moment = Annotated[datetime, AfterValidator(_moment_in_range)]
"""A moment within the years this system records, in the zone it was given in."""
