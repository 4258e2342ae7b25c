"""Baseline forecasts, written here with the standard library: seasonal naive, exponential
smoothing with a weekly season (ETS(A,N,A)), Croston with the Syntetos–Boylan correction and
TSB for intermittent items.

Why not ``statsforecast``: its models compile with numba on first use, which costs seconds
per model in every fresh process (the suite, the CLI, each cloud worker), and the domain
stays free of heavy dependencies. These four are a few lines each and are checked against
series with known structure (``tests/domain/replenishment``).

Every method returns its forecast for the horizon and its one-step fitted values over the
history: the residuals give the quantiles and σd (``quantiles``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import fmean

from domain.replenishment.series import DemandSeries

SEASON = 7


@dataclass(frozen=True, slots=True)
class Fit:
    """A method's forecast for the next days and its one-step fits over the history
    (``fitted[i]`` is what it expected of day ``i`` from days before it; None: no fit yet)."""

    point: tuple[float, ...]
    fitted: tuple[float | None, ...]


def uncensored(series: DemandSeries) -> list[float]:
    """The history with each stock-out day raised to what the same weekday usually sold
    (the last four uncensored ones): censored demand is a floor, not a zero."""
    values = list(series.qty)
    for i in range(len(values)):
        if series.is_censored(i):
            same = [values[j] for j in range(i - SEASON, -1, -SEASON) if not series.is_censored(j)][
                :4
            ]
            if same:
                values[i] = max(values[i], fmean(same))
    return values


def seasonal_naive(history: Sequence[float], horizon: int) -> Fit:
    """Each day as the same weekday last week."""
    if len(history) < SEASON:
        level = fmean(history) if history else 0.0
        return Fit((level,) * horizon, (None,) * len(history))
    last = history[-SEASON:]
    fitted = tuple(history[i - SEASON] if i >= SEASON else None for i in range(len(history)))
    return Fit(tuple(last[h % SEASON] for h in range(horizon)), fitted)


def ets_weekly(history: Sequence[float], horizon: int) -> Fit:
    """Additive level and weekly season, smoothing weights chosen by in-sample squared error."""
    if len(history) < 2 * SEASON:
        return seasonal_naive(history, horizon)
    best: tuple[float, Fit] | None = None
    for alpha in (0.02, 0.05, 0.1, 0.2):
        for gamma in (0.05, 0.15, 0.3):
            fit, sse = _ets(history, horizon, alpha, gamma)
            if best is None or sse < best[0]:
                best = (sse, fit)
    assert best is not None
    return best[1]


def _ets(history: Sequence[float], horizon: int, alpha: float, gamma: float) -> tuple[Fit, float]:
    first = history[:SEASON]
    level = fmean(first)
    season = [v - level for v in first]
    fitted: list[float | None] = [None] * SEASON
    sse = 0.0
    for t in range(SEASON, len(history)):
        s = season[t % SEASON]
        guess = level + s
        fitted.append(max(0.0, guess))
        error = history[t] - guess
        sse += error * error
        level += alpha * error
        season[t % SEASON] = s + gamma * (history[t] - level - s)
    n = len(history)
    point = tuple(max(0.0, level + season[(n + h) % SEASON]) for h in range(horizon))
    return Fit(point, tuple(fitted)), sse


def croston_sba(history: Sequence[float], horizon: int, alpha: float = 0.1) -> Fit:
    """Croston's sizes over intervals, times (1 − α/2) to remove its known upward bias."""
    size = interval = None
    gap = 1
    fitted: list[float | None] = []
    for value in history:
        fitted.append(None if size is None or interval is None else _sba(size, interval, alpha))
        if value > 0:
            if size is None or interval is None:
                size, interval = value, float(gap)
            else:
                size += alpha * (value - size)
                interval += alpha * (gap - interval)
            gap = 1
        else:
            gap += 1
    level = 0.0 if size is None or interval is None else _sba(size, interval, alpha)
    return Fit((level,) * horizon, tuple(fitted))


def _sba(size: float, interval: float, alpha: float) -> float:
    return (1 - alpha / 2) * size / interval


def tsb(history: Sequence[float], horizon: int, alpha: float = 0.1, beta: float = 0.1) -> Fit:
    """Teunter–Syntetos–Babai: the chance of a demand updated every day (so an item that
    stops selling fades), the size updated on days with demand."""
    wanted = [v for v in history if v > 0]
    if not wanted:
        return Fit((0.0,) * horizon, (None,) * len(history))
    chance = len(wanted) / len(history)
    size = wanted[0]
    fitted: list[float | None] = []
    for value in history:
        fitted.append(chance * size)
        chance += beta * ((1.0 if value > 0 else 0.0) - chance)
        if value > 0:
            size += alpha * (value - size)
    return Fit((chance * size,) * horizon, tuple(fitted))


BASELINES: dict[str, Callable[[Sequence[float], int], Fit]] = {
    "seasonal_naive": seasonal_naive,
    "ets": ets_weekly,
    "croston_sba": croston_sba,
    "tsb": tsb,
}
"""Every baseline by its name in reports."""
