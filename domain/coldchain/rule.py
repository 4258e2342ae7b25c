"""How a location's temperature alarm is configured: limits, delay, counting and latching."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum

from domain.coldchain.mkt import DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL
from domain.errors import DomainError


class ExcursionRuleInvalid(DomainError):
    """An alarm rule cannot be applied as written; the message names the field."""


class Side(StrEnum):
    """Which limit a temperature is beyond."""

    HIGH = "high"
    LOW = "low"


class Trigger(StrEnum):
    """What must accumulate, out of range, before an alarm opens.

    ``CONTINUOUS_TIME``: one unbroken stretch of ``delay`` (a door left open).
    ``CUMULATIVE_TIME``: ``delay`` in total within a rolling ``period`` (many short warm
    spells, each too short to alarm, that still add up to damage).
    ``CONSECUTIVE_READINGS``: ``readings`` out-of-range readings in a row.
    ``TOTAL_READINGS``: ``readings`` out-of-range readings within a rolling ``period``.
    """

    CONTINUOUS_TIME = "continuous_time"
    CUMULATIVE_TIME = "cumulative_time"
    CONSECUTIVE_READINGS = "consecutive_readings"
    TOTAL_READINGS = "total_readings"


_ROLLING = (Trigger.CUMULATIVE_TIME, Trigger.TOTAL_READINGS)


@dataclass(frozen=True, slots=True)
class ExcursionRule:
    """A location's alarm rule, checked once when built so the detector can trust it.

    ``latching``: an open excursion stays open after the temperature returns until someone
    acknowledges it (so nobody misses a night-time excursion that fixed itself).
    ``escalate_after``: how long an open excursion may go unacknowledged before escalating.
    """

    high_c: Decimal | None = None
    low_c: Decimal | None = None
    trigger: Trigger = Trigger.CONTINUOUS_TIME
    delay: timedelta = timedelta(0)
    readings: int = 1
    period: timedelta | None = None
    latching: bool = False
    escalate_after: timedelta | None = None
    activation_energy_kj_per_mol: Decimal = DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ExcursionRuleInvalid("; ".join(problems))

    def side_of(self, celsius: Decimal) -> Side | None:
        """The limit ``celsius`` is beyond, or None when it is in range (limits are allowed)."""
        if self.high_c is not None and celsius > self.high_c:
            return Side.HIGH
        if self.low_c is not None and celsius < self.low_c:
            return Side.LOW
        return None

    def limit(self, side: Side) -> Decimal:
        """The limit on ``side``; only called for a side ``side_of`` returned."""
        limit = self.high_c if side is Side.HIGH else self.low_c
        assert limit is not None
        return limit


def _problems(rule: ExcursionRule) -> list[str]:
    problems: list[str] = []
    if rule.high_c is None and rule.low_c is None:
        problems.append("a rule needs high_c, low_c or both")
    if rule.high_c is not None and rule.low_c is not None and rule.low_c >= rule.high_c:
        problems.append(f"low_c {rule.low_c} must be below high_c {rule.high_c}")
    if rule.delay < timedelta(0):
        problems.append(f"delay {rule.delay} must not be negative")
    if rule.readings < 1:
        problems.append(f"readings {rule.readings} must be at least 1")
    if rule.trigger in _ROLLING and (rule.period is None or rule.period <= timedelta(0)):
        problems.append(f"trigger {rule.trigger.value} needs a positive period")
    if rule.trigger is Trigger.CUMULATIVE_TIME and rule.period and rule.period < rule.delay:
        problems.append(f"period {rule.period} is shorter than delay {rule.delay}")
    if rule.escalate_after is not None and rule.escalate_after <= timedelta(0):
        problems.append(f"escalate_after {rule.escalate_after} must be positive")
    if rule.activation_energy_kj_per_mol <= 0:
        problems.append("activation_energy_kj_per_mol must be positive")
    return problems
