"""Builders for scripted series: minutes after a fixed morning, temperatures as strings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.coldchain.decisions import Decision
from domain.coldchain.excursion import replay
from domain.coldchain.inputs import DetectorInput, Reading
from domain.coldchain.rule import ExcursionRule
from domain.coldchain.state import ExcursionState

MORNING = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
LOCATION = "cold-room-1"


def at(minutes: float) -> datetime:
    return MORNING + timedelta(minutes=minutes)


def readings(*points: tuple[float, str]) -> list[Reading]:
    """``(minute, "°C")`` pairs into readings."""
    return [Reading(at(minute), Decimal(celsius)) for minute, celsius in points]


def every_five_minutes(*temperatures: str, start: float = 0) -> list[Reading]:
    return readings(*((start + 5 * index, c) for index, c in enumerate(temperatures)))


def run(rule: ExcursionRule, inputs: list[DetectorInput]) -> tuple[ExcursionState, list[Decision]]:
    return replay(rule, ExcursionState(LOCATION), inputs)
