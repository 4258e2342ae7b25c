"""The values a payload may carry: text without control characters, decimals PostgreSQL
stores exactly, dates and times in a plausible window.

Every string, number and time of every event passes through these types, at the edge when a
payload is built and at the cloud when it is parsed, so what the edge seals the cloud can
store: a NUL in a label, ``1E+200000`` or the year 9999 is refused where it enters, with the
field named, instead of failing a database write later.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from domain.errors import EventInvalid

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""C0 and C1 control characters (NUL among them) and lone surrogates: none is text."""

_CONTROL_IN_PROSE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""As ``_CONTROL``, but tab, line feed and carriage return are allowed: prose has lines."""

_CONTROL_IN_BARCODE = re.compile(r"[\x00-\x1c\x1e\x1f\x7f-\x9f\ud800-\udfff]")
"""As ``_CONTROL``, but the group separator (GS1's FNC1, ``\\x1d``) is part of a barcode."""


def refuse_control(text: str, pattern: re.Pattern[str] = _CONTROL) -> str:
    """Return ``text`` unchanged, or raise naming the first control character and where."""
    found = pattern.search(text)
    if found is not None:
        raise ValueError(
            f"control character U+{ord(found.group()):04X} at position {found.start()} "
            "is not allowed"
        )
    return text


def _prose(text: str) -> str:
    return refuse_control(text, _CONTROL_IN_PROSE)


def _barcode(text: str) -> str:
    return refuse_control(text, _CONTROL_IN_BARCODE)


PLAIN = AfterValidator(refuse_control)
"""Marks a string field as one line of text (a name, a state, a unit): no control characters."""

PROSE = AfterValidator(_prose)
"""Marks a string field as free text a person or device writes (a note, a message): lines
and tabs allowed, other control characters not."""


Name = Annotated[
    str, StringConstraints(min_length=1, max_length=200), AfterValidator(refuse_control)
]
"""An identifier of an item, lot, location, device or person."""

Barcode = Annotated[str, StringConstraints(min_length=1, max_length=4000), AfterValidator(_barcode)]
"""The text of a scanned code, GS1 group separators kept."""


# --- numbers ------------------------------------------------------------------------------

MAX_INTEGER_DIGITS = 15
"""Digits before the decimal point: |value| < 10**15 (a quadrillion grams is enough)."""

MAX_FRACTION_DIGITS = 20
"""Digits after the decimal point, as written (a device's float such as 0.30000000000000004
has 17; more than 20 is noise, not a measurement)."""

MAX_SIGNIFICANT_DIGITS = 28
"""Significant digits: the precision of the domain's decimal arithmetic."""


def storable_decimal(value: Decimal) -> Decimal:
    """Return ``value`` if it is finite and within the digits above, else raise saying why.

    Within these bounds PostgreSQL ``numeric`` holds the value exactly and the domain's
    arithmetic (28 significant digits) holds it without rounding.
    """
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if exponent < -MAX_FRACTION_DIGITS:
        raise ValueError(f"{value} has more than {MAX_FRACTION_DIGITS} digits after the point")
    if value.adjusted() >= MAX_INTEGER_DIGITS or exponent >= MAX_INTEGER_DIGITS:
        raise ValueError(f"{value} is out of range (at most {MAX_INTEGER_DIGITS} digits)")
    if len(value.as_tuple().digits) > MAX_SIGNIFICANT_DIGITS:
        raise ValueError(f"{value} has more than {MAX_SIGNIFICANT_DIGITS} significant digits")
    return value


Amount = Annotated[Decimal, Field(allow_inf_nan=False), AfterValidator(storable_decimal)]
"""A decimal quantity, measurement or factor that PostgreSQL ``numeric`` stores exactly."""

Count = Annotated[int, Field(ge=0, le=2**31 - 1)]
"""A whole number that fits PostgreSQL ``integer``."""


# --- dates and times ----------------------------------------------------------------------

EARLIEST_DAY = date(2000, 1, 1)
"""No record of this system happened before this day."""

LATEST_DAY = date(2199, 12, 31)
"""A date in a payload (an expiry, a deadline) lies before this day."""


def plausible_day(day: date) -> date:
    """Return ``day`` if it lies between ``EARLIEST_DAY`` and ``LATEST_DAY``."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"{day.isoformat()} is not between {EARLIEST_DAY} and {LATEST_DAY}")
    return day


def plausible_moment(moment: datetime) -> datetime:
    """Return ``moment`` if its day is plausible (see ``plausible_day``)."""
    plausible_day(moment.date())
    return moment


Day = Annotated[date, AfterValidator(plausible_day)]
Moment = Annotated[datetime, AfterValidator(plausible_moment)]


class TimeOutOfWindow(EventInvalid):
    """An event time outside the window around the clock that judges it."""


DEFAULT_AHEAD = timedelta(hours=24)
"""How far ahead of the sealing clock an event may be dated (clock skew of a device)."""

CLOUD_TOLERANCE = timedelta(hours=1)
"""What the cloud adds to ``ahead`` when it judges with its own clock (agents' clocks drift)."""


def check_event_time(
    at: datetime, now: datetime | None = None, *, ahead: timedelta | None = DEFAULT_AHEAD
) -> None:
    """Refuse an event time outside ``EARLIEST_DAY``..``LATEST_DAY`` or more than ``ahead``
    past ``now`` (``ahead`` None: the fixed bounds only).

    ``now`` is the clock of whoever judges: the agent's when it seals, the cloud's (with
    ``CLOUD_TOLERANCE`` added to ``ahead``) when it stores.
    """
    if at.tzinfo is None:
        raise TimeOutOfWindow(f"time {at.isoformat()} has no time zone")
    if not EARLIEST_DAY <= at.date() <= LATEST_DAY:  # local day: a day's slack is harmless
        raise TimeOutOfWindow(
            f"time {at.isoformat()} is not between {EARLIEST_DAY} and {LATEST_DAY}"
        )
    if ahead is None:
        return
    clock = now or datetime.now(UTC)
    if at > clock + ahead:
        hours = ahead.total_seconds() / 3600
        raise TimeOutOfWindow(
            f"time {at.isoformat()} is more than {hours:g} h ahead of the clock "
            f"({clock.isoformat()})"
        )
