"""Forecast accuracy on a rolling origin: MASE and the pinball (quantile) loss, both scaled
by the in-sample error of a seasonal naive forecast so that items of any size add up.

Stock-out days are left out of the scores: their demand is not known.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from statistics import fmean

from domain.replenishment.baselines import SEASON, uncensored
from domain.replenishment.forecast import Forecast
from domain.replenishment.series import DemandSeries, KnownDays

Forecaster = Callable[[DemandSeries, KnownDays, int], Forecast]
"""(history up to the origin, what is known of the days ahead, horizon) → forecast."""


@dataclass(frozen=True, slots=True)
class Score:
    """One forecast of one series at one origin."""

    item: str
    site: str
    method: str
    origin: int
    mase: float
    pinball: float
    """Mean over the quantile levels and days, scaled like MASE."""


def scale(history: list[float]) -> float:
    """Mean absolute error of a seasonal naive forecast in sample (of a naive one when the
    weekly one is zero, of 1 when both are: a series of zeros)."""
    weekly = [abs(history[i] - history[i - SEASON]) for i in range(SEASON, len(history))]
    if weekly and fmean(weekly) > 0:
        return fmean(weekly)
    daily = [abs(history[i] - history[i - 1]) for i in range(1, len(history))]
    return fmean(daily) if daily and fmean(daily) > 0 else 1.0


def pinball(actual: float, predicted: float, q: float) -> float:
    """The quantile loss of predicting ``predicted`` as the q-quantile of ``actual``."""
    diff = actual - predicted
    return max(q * diff, (q - 1) * diff)


def score_origin(
    series: DemandSeries, origin: int, horizon: int, forecaster: Forecaster
) -> Score | None:
    """Forecast from day ``origin`` and score the ``horizon`` days after it (None when all
    of them were stock-outs)."""
    history = series.head(origin)
    fc = forecaster(history, KnownDays.future_of(series, origin, horizon), horizon)
    days = [
        h for h in range(horizon) if origin + h < len(series) and not series.is_censored(origin + h)
    ]
    if not days:
        return None
    size = scale(uncensored(history))
    actual = series.qty
    mase = fmean(abs(actual[origin + h] - fc.point[h]) for h in days) / size
    loss = fmean(
        pinball(actual[origin + h], fc.quantiles[q][h], q) for h in days for q in fc.quantiles
    )
    return Score(series.item, series.site, fc.method, origin, mase, loss / size)


def rolling_origin(
    series: DemandSeries, origins: Iterable[int], horizon: int, forecaster: Forecaster
) -> list[Score]:
    """Scores of ``forecaster`` at each origin."""
    scores = (score_origin(series, o, horizon, forecaster) for o in origins)
    return [s for s in scores if s is not None]


def by_group_and_method(
    scores: Iterable[Score], group_of: Mapping[tuple[str, str], str]
) -> dict[str, dict[str, tuple[float, float]]]:
    """Mean (MASE, pinball) by group, then by method."""
    sums: dict[tuple[str, str], list[Score]] = defaultdict(list)
    for s in scores:
        sums[(group_of[(s.item, s.site)], s.method)].append(s)
    table: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    for (group, method), found in sums.items():
        table[group][method] = (fmean(s.mase for s in found), fmean(s.pinball for s in found))
    return dict(table)


def best_by_group(
    table: Mapping[str, Mapping[str, tuple[float, float]]], among: Iterable[str]
) -> dict[str, str]:
    """Per group, the method of ``among`` with the lowest MASE (ties: lower pinball)."""
    allowed = set(among)
    return {
        group: min((m for m in methods if m in allowed), key=lambda m: methods[m])
        for group, methods in table.items()
        if any(m in allowed for m in methods)
    }
