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
    interval: timedelta | None = None
    """How often the probe reports. With it, a reading's value holds for at most
    ``silent_intervals`` intervals: longer without a reading is silence (an alarm), and
    the gap is reported when readings resume, never filled with the last value."""
    silent_intervals: int = 3
    exposure_max: timedelta | None = None
    """Out-of-range time, suppressed or not, that opens an excursion when it adds up to
    this within ``exposure_within`` (a door opened every few minutes)."""
    exposure_within: timedelta | None = None
    close_after: timedelta = timedelta(0)
    """How long readings must stay clearly back in range before an excursion closes."""
    hysteresis_c: Decimal = Decimal(0)
    """How far inside the limit a reading must be to count as clearly back in range."""
    reopen_within: timedelta | None = None
    """An excursion on the same side opening this soon after the last one closed is that
    one again (same number, ``updated``): its holds and purchases are not issued twice."""

    @property
    def silence_after(self) -> timedelta | None:
        """How long without a reading is silence; None when the interval is not known."""
        return None if self.interval is None else self.interval * self.silent_intervals

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

    def clearly_in_range(self, celsius: Decimal) -> bool:
        """In range by at least ``hysteresis_c`` on both sides: an excursion may close."""
        h = self.hysteresis_c
        high_ok = self.high_c is None or celsius <= self.high_c - h
        low_ok = self.low_c is None or celsius >= self.low_c + h
        return high_ok and low_ok

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
    if rule.interval is not None and rule.interval <= timedelta(0):
        problems.append(f"interval {rule.interval} must be positive")
    if rule.silent_intervals < 1:
        problems.append(f"silent_intervals {rule.silent_intervals} must be at least 1")
    if (rule.exposure_max is None) != (rule.exposure_within is None):
        problems.append("exposure_max and exposure_within go together")
    window, most = rule.exposure_within, rule.exposure_max
    if most is not None and window is not None and (most <= timedelta(0) or window < most):
        problems.append(
            f"exposure_max {rule.exposure_max} must be positive and within "
            f"exposure_within {rule.exposure_within}"
        )
    if rule.close_after < timedelta(0):
        problems.append(f"close_after {rule.close_after} must not be negative")
    if rule.hysteresis_c < 0:
        problems.append(f"hysteresis_c {rule.hysteresis_c} must not be negative")
    if rule.reopen_within is not None and rule.reopen_within <= timedelta(0):
        problems.append(f"reopen_within {rule.reopen_within} must be positive")
    return problems
