"""What the excursion detector is fed, in time order, per location."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Reading:
    """One temperature reading in °C; it holds until the next reading arrives."""

    at: datetime
    celsius: Decimal


class SuppressionKind(StrEnum):
    DEFROST = "defrost"
    DOOR_OPEN = "door_open"


@dataclass(frozen=True, slots=True)
class SuppressionWindow:
    """A planned defrost or a door-open spell: warm readings inside it are expected.

    Readings taken in [starts_at, ends_at) neither start nor extend an alarm delay. It may be
    announced ahead (a defrost schedule) or as it happens (a door contact).
    """

    kind: SuppressionKind
    starts_at: datetime
    ends_at: datetime

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """Someone has seen the excursion and says what they did about it."""

    at: datetime
    user: str
    corrective_action: str


@dataclass(frozen=True, slots=True)
class ClockTick:
    """The passing of time with no reading, so escalation fires even if a sensor goes quiet."""

    at: datetime


DetectorInput = Reading | SuppressionWindow | Acknowledgement | ClockTick
