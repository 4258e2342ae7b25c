"""Promotions and holidays as known features of the days ahead: how much more an item sells
on such a day, measured on its own history against the same weekdays without one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean

from domain.replenishment.baselines import SEASON
from domain.replenishment.series import DemandSeries, KnownDays

MIN_DAYS = 2
"""Days of a kind needed before its lift is believed (else 1: no lift)."""


@dataclass(frozen=True, slots=True)
class Lifts:
    promo: float = 1.0
    holiday: float = 1.0


def lifts(series: DemandSeries, history: Sequence[float]) -> Lifts:
    """Demand on promotion and holiday days over the mean of the same weekdays without."""
    return Lifts(_lift(series, history, series.is_promo), _lift(series, history, series.is_holiday))


def _lift(series: DemandSeries, history: Sequence[float], marked: object) -> float:
    assert callable(marked)
    ratios: list[float] = []
    plain_sum = 0.0
    for i, value in enumerate(history):
        if not marked(i) or series.is_censored(i):
            continue
        plain = [
            history[j]
            for j in (i - SEASON, i - 2 * SEASON, i + SEASON, i + 2 * SEASON)
            if 0 <= j < len(history)
            and not marked(j)
            and not series.is_censored(j)
            and not series.is_promo(j)
            and not series.is_holiday(j)
        ]
        if plain:
            ratios.append(value)
            plain_sum += fmean(plain)
    if len(ratios) < MIN_DAYS or plain_sum <= 0:
        return 1.0
    return max(0.5, min(4.0, sum(ratios) / plain_sum))


def remove_lifts(history: Sequence[float], series: DemandSeries, found: Lifts) -> list[float]:
    """``history`` as it would have been without its promotions and holidays."""
    return [
        value
        / (found.promo if series.is_promo(i) else 1.0)
        / (found.holiday if series.is_holiday(i) else 1.0)
        for i, value in enumerate(history)
    ]


def apply_lifts(point: Sequence[float], known: KnownDays, found: Lifts) -> tuple[float, ...]:
    """``point`` raised on the known promotion and holiday days ahead."""
    return tuple(
        value
        * (found.promo if known.promo[h] else 1.0)
        * (found.holiday if known.holiday[h] else 1.0)
        for h, value in enumerate(point)
    )


STOCKING_UP_DAYS = 3
"""Days before a public holiday on which people already buy for it."""


def holiday_flags(
    off: frozenset[date], start: date, days: int, before: int = STOCKING_UP_DAYS
) -> tuple[bool, ...]:
    """Each day from ``start`` that is a holiday of ``off`` or one of the ``before`` days of
    stocking up ahead of one: the known feature the forecast lifts."""
    return tuple(
        any(start + timedelta(days=i + k) in off for k in range(before + 1)) for i in range(days)
    )
