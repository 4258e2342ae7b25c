"""What drives a clock: time passing, temperatures, and what cooks do to the lot.

Times are aware datetimes in any zone; every clock turns them into UTC instants first
(``instant``), so a duration is real elapsed time, also on the nights the clocks change
(4 h of TPHC from 00:30 on the fall-back night end at 03:30 local, not 04:30). Only a
date mark looks at the site's calendar, through the zone it is given. Each clock takes the
inputs that mean something to it and refuses the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

from domain.errors import DomainError
from domain.kitchen.clocks.rules import ThawMethod


class ClockInputRefused(DomainError):
    """An input the clock cannot take in its state (a reheat after stage 2 was missed)."""


@dataclass(frozen=True, slots=True)
class Tick:
    """Time has passed: deadlines up to ``at`` fall due."""

    at: datetime


@dataclass(frozen=True, slots=True)
class Reading:
    at: datetime
    celsius: Decimal


@dataclass(frozen=True, slots=True)
class MethodChanged:
    """A thawing lot moved to another method (from running water to the walk-in)."""

    at: datetime
    method: ThawMethod


@dataclass(frozen=True, slots=True)
class Frozen:
    at: datetime


@dataclass(frozen=True, slots=True)
class Thawed:
    at: datetime


@dataclass(frozen=True, slots=True)
class Stopped:
    """The process ended on purpose: the lot was cooked, used up or put back under control."""

    at: datetime
    operator: str | None = None


@dataclass(frozen=True, slots=True)
class Reheated:
    """Food that missed cooling stage 1 was reheated; ``celsius`` is the probe's reading."""

    at: datetime
    celsius: Decimal
    operator: str


@dataclass(frozen=True, slots=True)
class Discarded:
    at: datetime
    operator: str
    reason: str


ClockInput = Tick | Reading | MethodChanged | Frozen | Thawed | Stopped | Reheated | Discarded


def instant(moment: datetime) -> datetime:
    """``moment`` as a UTC instant; a time with no zone is refused (its instant is unknown)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ClockInputRefused(f"{moment.isoformat()} has no time zone")
    return moment.astimezone(UTC)


def in_utc(given: ClockInput) -> ClockInput:
    """``given`` with its time as a UTC instant."""
    return replace(given, at=instant(given.at))
