"""One forecasting model learned across every item and site: LightGBM on lags, rolling
statistics, the weekday, promotions, holidays and stock-outs.

Each series is scaled by its own mean, so a model fitted on rice in kilograms and napkins by
the piece learns shapes, not sizes. Every feature of day t comes from day t − 7 or earlier
(or is known ahead: weekday, promotion, holiday), so one model forecasts any of the next
seven days from an origin. Quantiles are models of their own (the pinball objective).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from domain.replenishment.baselines import uncensored
from domain.replenishment.forecast import QUANTILES, Forecast
from domain.replenishment.methods import GLOBAL
from domain.replenishment.series import DemandSeries, KnownDays

HORIZON = 7
"""The furthest day a feature row can be made for (features end 7 days before the target)."""
WARM_UP = 35
FEATURES = (
    "lag7",
    "lag14",
    "lag21",
    "lag28",
    "mean7",
    "mean28",
    "share28",
    "censored28",
    "weekday",
    "promo",
    "holiday",
    "scale_log",
)
ROUNDS = 100
PARAMS: dict[str, Any] = {
    "learning_rate": 0.08,
    "num_leaves": 31,
    "min_data_in_leaf": 30,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "feature_fraction": 0.9,
    "num_threads": 2,
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
}


@dataclass(slots=True)
class GlobalModel:
    mean: Any
    quantiles: dict[float, Any]
    sigma_scaled: float


def _scale(values: Sequence[float]) -> float:
    wanted = fmean(values) if values else 0.0
    return max(wanted, 1e-3)


def feature_row(series: DemandSeries, values: Sequence[float], t: int, size: float) -> list[float]:
    """Features of day ``t`` from the days up to ``t - 7`` and what is known of ``t``."""

    def at(i: int) -> float:
        return values[i] / size if 0 <= i < len(values) else 0.0

    past7 = [at(i) for i in range(t - 13, t - 6)]
    past28 = [at(i) for i in range(t - 34, t - 6)]
    censored = [series.is_censored(i) for i in range(max(0, t - 34), max(0, t - 6))]
    return [
        at(t - 7),
        at(t - 14),
        at(t - 21),
        at(t - 28),
        fmean(past7),
        fmean(past28),
        sum(v > 0 for v in past28) / 28,
        sum(censored) / 28,
        float(series.day(t).weekday()),
        float(series.is_promo(t) if t < len(series.qty) else False),
        float(series.is_holiday(t) if t < len(series.qty) else False),
        math.log(size),
    ]


def training_rows(
    all_series: Sequence[DemandSeries], origin: int
) -> tuple[list[list[float]], list[float]]:
    """Rows of every uncensored day before ``origin`` that has a month of history."""
    rows: list[list[float]] = []
    targets: list[float] = []
    for series in all_series:
        history = uncensored(series.head(origin))
        size = _scale(history)
        for t in range(WARM_UP, origin):
            if series.is_censored(t):
                continue
            rows.append(feature_row(series, history, t, size))
            targets.append(history[t] / size)
    return rows, targets


def fit_global(all_series: Sequence[DemandSeries], origin: int) -> GlobalModel:
    """Fit the mean and each quantile on every series' days before ``origin``."""
    import lightgbm as lgb  # a cloud dependency, imported where used: the domain needs none
    import numpy as np

    rows, targets = training_rows(all_series, origin)
    x, y = np.asarray(rows), np.asarray(targets)

    def fit(**objective: Any) -> Any:
        data = lgb.Dataset(x, y, free_raw_data=False)
        return lgb.train({**PARAMS, **objective}, data, num_boost_round=ROUNDS)

    mean = fit(objective="regression")
    residual = y - mean.predict(x)
    quantiles = {q: fit(objective="quantile", alpha=q) for q in QUANTILES}
    return GlobalModel(mean, quantiles, float(np.sqrt(np.mean(residual**2))))


def forecast_global(
    model: GlobalModel, series: DemandSeries, known: KnownDays, horizon: int
) -> Forecast:
    """The model's forecast of ``series`` (its history up to the origin) for ``horizon`` days.

    Each row's features end 7 days before it, so a week is forecast at once; past the first
    week the forecasts of the week before stand in for the demand not yet seen (plans look
    ahead whole weeks: lead time, its spread and a review day)."""
    import numpy as np

    history = uncensored(series)
    size = _scale(history)
    n = len(history)
    total = HORIZON * math.ceil(horizon / HORIZON)
    ahead = DemandSeries(
        series.item,
        series.site,
        series.start,
        tuple(history) + (0.0,) * total,
        tuple(series.censored or (False,) * n) + (False,) * total,
        tuple(series.promo or (False,) * n) + _padded(known.promo, total),
        tuple(series.holiday or (False,) * n) + _padded(known.holiday, total),
    )
    values = list(history)
    levels = sorted(model.quantiles)
    point: list[float] = []
    by_level: dict[float, list[float]] = {q: [] for q in levels}
    for week in range(0, total, HORIZON):
        x = np.asarray([feature_row(ahead, values, n + week + h, size) for h in range(HORIZON)])
        mean = [max(0.0, float(v) * size) for v in model.mean.predict(x)]
        # each quantile is a model of its own: sorted per day, so that they never cross
        by_day = np.sort(np.asarray([model.quantiles[q].predict(x) for q in levels]), axis=0)
        for i, q in enumerate(levels):
            by_level[q] += [max(0.0, float(v) * size) for v in by_day[i]]
        point += mean
        values += mean
    quantiles = {q: tuple(v[:horizon]) for q, v in by_level.items()}
    return Forecast(GLOBAL, tuple(point[:horizon]), quantiles, model.sigma_scaled * size)


def _padded(flags: tuple[bool, ...], days: int) -> tuple[bool, ...]:
    return flags[:days] + (False,) * max(0, days - len(flags))


def model_document(model: GlobalModel) -> dict[str, Any]:
    """``model`` as JSON: each booster in LightGBM's own text format, so any replica (and
    any LightGBM version that reads the format) loads the same fit."""
    return {
        "mean": model.mean.model_to_string(),
        "quantiles": {str(q): b.model_to_string() for q, b in model.quantiles.items()},
        "sigma_scaled": model.sigma_scaled,
    }


def model_of(document: dict[str, Any]) -> GlobalModel:
    """The model ``model_document`` wrote."""
    import lightgbm as lgb

    return GlobalModel(
        lgb.Booster(model_str=document["mean"]),
        {float(q): lgb.Booster(model_str=t) for q, t in document["quantiles"].items()},
        float(document["sigma_scaled"]),
    )
